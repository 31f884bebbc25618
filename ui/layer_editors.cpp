#include "layer_editors.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QGridLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSpinBox>

#include "toggle_switch.h"

using layerlab::LayerKind;
using layerlab::LayerSpec;

namespace {

// Bounds wide enough for any network that fits in memory, narrow enough that
// a slip of the mouse wheel cannot ask for a million filters. Shapes that do
// not fit the input are the shape checker's to report, not the editor's to
// hide, so a kernel may exceed the input here.
constexpr int kMaxFilters = 4096;
constexpr int kMaxKernel = 64;
constexpr int kMaxStride = 16;
constexpr int kMaxUnits = 65536;
// A rate of 1 would drop everything and train nothing.
constexpr double kMaxDropRate = 0.95;
// Two pairs of label and editor per grid row keep a card three rows tall.
constexpr int kPairsPerRow = 2;

}  // namespace

LayerParamEditor::LayerParamEditor(LayerKind kind, QWidget* parent) : QWidget(parent) {
    m_layer.kind = kind;
    auto* grid = new QGridLayout(this);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setHorizontalSpacing(6);
    grid->setVerticalSpacing(3);
    grid->setColumnStretch(1, 1);
    grid->setColumnStretch(3, 1);

    switch (kind) {
        case LayerKind::Conv2d:
            m_filters = addSpin(tr("filters"), 1, kMaxFilters, "filters", &LayerSpec::filters);
            m_kernel = addSpin(tr("kernel"), 1, kMaxKernel, "kernel", &LayerSpec::kernel);
            m_stride = addSpin(tr("stride"), 1, kMaxStride, "stride", &LayerSpec::stride);
            break;
        case LayerKind::MaxPool2d:
        case LayerKind::AvgPool2d:
            m_kernel = addSpin(tr("kernel"), 1, kMaxKernel, "kernel", &LayerSpec::kernel);
            m_stride = addSpin(tr("stride"), 0, kMaxStride, "stride", &LayerSpec::stride);
            // TFlearn's pools default their stride to the kernel size.
            m_stride->setSpecialValueText(tr("= kernel"));
            break;
        case LayerKind::Dense:
            m_units = addSpin(tr("units"), 1, kMaxUnits, "units", &LayerSpec::units);
            break;
        default:
            break;
    }

    if (kind == LayerKind::Conv2d || kind == LayerKind::MaxPool2d || kind == LayerKind::AvgPool2d) {
        m_padding = new QComboBox(this);
        m_padding->addItem(QString::fromStdString(toString(layerlab::Padding::Same)),
                           int(layerlab::Padding::Same));
        m_padding->addItem(QString::fromStdString(toString(layerlab::Padding::Valid)),
                           int(layerlab::Padding::Valid));
        m_padding->setToolTip(
            tr("same: output = ceil(input / stride), as in TensorFlow\nvalid: no padding"));
        connect(m_padding, &QComboBox::activated, this, [this] {
            m_layer.padding = layerlab::Padding(m_padding->currentData().toInt());
            emitEdit("padding");
        });
        addRow(tr("padding"), m_padding);
    }
    if (kind == LayerKind::Conv2d || kind == LayerKind::Dense || kind == LayerKind::Activation) {
        m_activation = addActivation();
    }

    if (kind == LayerKind::Dropout) {
        m_enabled = new ToggleSwitch(this);
        m_enabled->setToolTip(tr("Off: the layer passes values through unchanged"));
        m_enabledLabel = new QLabel(this);
        connect(m_enabled, &ToggleSwitch::toggled, this, [this](bool on) {
            m_layer.enabled = on;
            m_enabledLabel->setText(on ? tr("on") : tr("off"));
            emitEdit("enabled");
        });
        m_rate = new QDoubleSpinBox(this);
        m_rate->setRange(0.0, kMaxDropRate);
        m_rate->setSingleStep(0.05);
        m_rate->setDecimals(2);
        m_rate->setToolTip(tr("Fraction of values dropped while training (PyTorch's meaning)"));
        connect(m_rate, &QDoubleSpinBox::valueChanged, this, [this](double rate) {
            m_layer.rate = rate;
            m_rateDescription->setText(QString::fromStdString(layerlab::describeDropoutRate(rate)));
            emitEdit("rate");
        });
        m_rateDescription = new QLabel(this);

        auto* grid = static_cast<QGridLayout*>(layout());
        auto* switchRow = new QHBoxLayout;
        switchRow->addWidget(m_enabled);
        switchRow->addWidget(m_enabledLabel);
        switchRow->addStretch();
        grid->addLayout(switchRow, 0, 0, 1, 2);
        grid->addWidget(new QLabel(tr("rate"), this), 0, 2, Qt::AlignRight);
        grid->addWidget(m_rate, 0, 3);
        grid->addWidget(m_rateDescription, 1, 0, 1, 4);
    }
    setLayer(m_layer);
}

QSpinBox* LayerParamEditor::addSpin(const QString& label, int min, int max, const QString& field,
                                    int LayerSpec::*member) {
    auto* spin = new QSpinBox(this);
    spin->setRange(min, max);
    spin->setAccelerated(true);
    connect(spin, &QSpinBox::valueChanged, this, [this, member, field](int value) {
        m_layer.*member = value;
        emitEdit(field);
    });
    addRow(label, spin);
    return spin;
}

QComboBox* LayerParamEditor::addActivation() {
    auto* combo = new QComboBox(this);
    for (layerlab::Activation activation : layerlab::allActivations()) {
        combo->addItem(QString::fromStdString(toString(activation)), int(activation));
    }
    connect(combo, &QComboBox::activated, this, [this, combo] {
        m_layer.activation = layerlab::Activation(combo->currentData().toInt());
        emitEdit("activation");
    });
    addRow(tr("activation"), combo);
    return combo;
}

void LayerParamEditor::addRow(const QString& label, QWidget* editor) {
    auto* grid = static_cast<QGridLayout*>(layout());
    const int row = m_cells / kPairsPerRow;
    const int column = (m_cells % kPairsPerRow) * 2;
    auto* caption = new QLabel(label, this);
    caption->setBuddy(editor);
    grid->addWidget(caption, row, column, Qt::AlignRight);
    grid->addWidget(editor, row, column + 1);
    ++m_cells;
}

void LayerParamEditor::setLayer(const LayerSpec& layer) {
    m_layer = layer;
    const auto setSpin = [](QSpinBox* spin, int value) {
        if (spin && spin->value() != value) {
            QSignalBlocker blocker(spin);
            spin->setValue(value);
        }
    };
    setSpin(m_filters, layer.filters);
    setSpin(m_kernel, layer.kernel);
    setSpin(m_stride, layer.stride);
    setSpin(m_units, layer.units);
    const auto setCombo = [](QComboBox* combo, int value) {
        if (combo) {
            QSignalBlocker blocker(combo);
            combo->setCurrentIndex(combo->findData(value));
        }
    };
    setCombo(m_padding, int(layer.padding));
    setCombo(m_activation, int(layer.activation));
    if (m_rate) {
        QSignalBlocker rateBlocker(m_rate);
        QSignalBlocker enabledBlocker(m_enabled);
        m_rate->setValue(layer.rate);
        m_enabled->setChecked(layer.enabled);
        m_enabledLabel->setText(layer.enabled ? tr("on") : tr("off"));
        m_rateDescription->setText(
            QString::fromStdString(layerlab::describeDropoutRate(layer.rate)));
    }
}

void LayerParamEditor::setLocked(bool locked) {
    for (QWidget* editor : std::initializer_list<QWidget*>{
             m_filters, m_kernel, m_stride, m_padding, m_units, m_activation, m_rate, m_enabled}) {
        if (editor) {
            editor->setEnabled(!locked);
        }
    }
}

void LayerParamEditor::emitEdit(const QString& field) {
    emit edited(m_layer, field);
}
