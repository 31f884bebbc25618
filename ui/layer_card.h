#pragma once

#include <QFrame>
#include <QPoint>

#include "layerlab/experiment.h"
#include "layerlab/shape_inference.h"

class QLabel;
class QToolButton;
class LayerParamEditor;

// One layer of the network as a card: its kind, its parameters, and what
// comes out of it (shape, parameters, FLOPs), so a shape mistake is seen on
// the card that makes it. An invalid layer turns red and says why.
//
// A card only reports intentions (edited, remove, move); the builder panel
// turns them into undoable edits of the document.
class LayerCard : public QFrame {
    Q_OBJECT
public:
    // The MIME type of a card being dragged; the payload is its index.
    static constexpr const char* kMimeType = "application/x-layerlab-layer-index";

    LayerCard(int index, const layerlab::LayerSpec& layer, QWidget* parent = nullptr);

    // "Conv2d", "MaxPool": how a kind is titled on cards and the palette.
    static QString kindTitle(layerlab::LayerKind kind);

    int index() const { return m_index; }
    layerlab::LayerKind kind() const { return m_layer.kind; }
    // Updates in place, so an editor being typed into keeps its focus.
    void setLayer(int index, const layerlab::LayerSpec& layer, const layerlab::LayerReport& report,
                  bool isLast);
    void setSelected(bool selected);
    void setLocked(bool locked);

    LayerParamEditor* editor() const { return m_editor; }
    QString outputText() const;
    QString errorText() const;
    bool isInvalid() const { return m_invalid; }

signals:
    void edited(int index, const layerlab::LayerSpec& layer, const QString& field);
    void removeRequested(int index);
    void duplicateRequested(int index);
    void moveRequested(int from, int to);
    void activated(int index);

protected:
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void focusInEvent(QFocusEvent* event) override;
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    QToolButton* addTool(const QString& iconName, const QString& tip);
    void refreshStyle();

    int m_index;
    layerlab::LayerSpec m_layer;
    bool m_invalid = false;
    bool m_selected = false;
    QPoint m_pressPos;
    bool m_pressed = false;

    QLabel* m_title;
    QLabel* m_output;
    QLabel* m_error;
    LayerParamEditor* m_editor;
    QToolButton* m_up;
    QToolButton* m_down;
    QToolButton* m_duplicate;
    QToolButton* m_remove;
};
