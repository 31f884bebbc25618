#pragma once

#include <QWidget>

#include "layerlab/experiment.h"

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;
class ToggleSwitch;

// The editable parameters of one layer, as a compact grid of spin boxes and
// combos. Only the fields the kind uses get an editor; the others stay in the
// spec untouched, so a round trip through the card never loses a field the
// card does not show (initializers, names).
class LayerParamEditor : public QWidget {
    Q_OBJECT
public:
    explicit LayerParamEditor(layerlab::LayerKind kind, QWidget* parent = nullptr);

    // Shows `layer` without emitting edited(): the document is the source
    // and this is its echo.
    void setLayer(const layerlab::LayerSpec& layer);
    void setLocked(bool locked);

    QSpinBox* filtersEditor() const { return m_filters; }
    QSpinBox* kernelEditor() const { return m_kernel; }
    QSpinBox* strideEditor() const { return m_stride; }
    QComboBox* paddingEditor() const { return m_padding; }
    QSpinBox* unitsEditor() const { return m_units; }
    QComboBox* activationEditor() const { return m_activation; }
    QDoubleSpinBox* rateEditor() const { return m_rate; }
    ToggleSwitch* enabledSwitch() const { return m_enabled; }

signals:
    // `field` names what changed, for the undo text and for merging the
    // steps of one spin box into one undo step.
    void edited(const layerlab::LayerSpec& layer, const QString& field);

private:
    QSpinBox* addSpin(const QString& label, int min, int max, const QString& field,
                      int layerlab::LayerSpec::*member);
    QComboBox* addActivation();
    void addRow(const QString& label, QWidget* editor);
    void emitEdit(const QString& field);

    layerlab::LayerSpec m_layer;
    int m_cells = 0;

    QSpinBox* m_filters = nullptr;
    QSpinBox* m_kernel = nullptr;
    QSpinBox* m_stride = nullptr;
    QComboBox* m_padding = nullptr;
    QSpinBox* m_units = nullptr;
    QComboBox* m_activation = nullptr;
    QDoubleSpinBox* m_rate = nullptr;
    ToggleSwitch* m_enabled = nullptr;
    QLabel* m_enabledLabel = nullptr;
    QLabel* m_rateDescription = nullptr;
};
