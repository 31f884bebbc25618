// TrainingControlsPanel's settings form: the training fields of the
// experiment, each bound to the document.
#include "training_controls_panel.h"

#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QRegularExpressionValidator>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QToolButton>
#include <QVBoxLayout>

#include "experiment_document.h"
#include "format.h"
#include "layerlab/dataset.h"

using layerlab::TrainingSpec;

namespace {
// Largest batch and epoch counts the spin boxes offer; far beyond what fits.
constexpr int kMaxBatch = 8192;
constexpr int kMaxEpochs = 1000;
constexpr int kMaxThreads = 256;
// Ten million images: more than any dataset offered here.
constexpr int kMaxImages = 10000000;
}  // namespace

QGroupBox* TrainingControlsPanel::buildSettings() {
    auto* box = new QGroupBox(tr("Settings"), this);
    auto* form = new QFormLayout(box);
    form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);

    m_dataset = new QComboBox(box);
    for (layerlab::DatasetKind kind : layerlab::allDatasetKinds()) {
        const layerlab::DatasetInfo& info = layerlab::datasetInfo(kind);
        m_dataset->addItem(tr("%1 (%2k + %3k)")
                               .arg(QString::fromStdString(info.displayName))
                               .arg(info.trainCount / 1000)
                               .arg(info.testCount / 1000),
                           QString::fromStdString(info.id));
    }
    m_dataset->setToolTip(tr("Training + test images, in thousands"));
    // The counts may be cut rather than widen the dock; the tooltip and the
    // open list show them whole.
    m_dataset->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_dataset->setMinimumContentsLength(14);
    connect(m_dataset, &QComboBox::activated, this, [this] {
        layerlab::ExperimentSpec spec = m_document->spec();
        spec.dataset = m_dataset->currentData().toString().toStdString();
        m_document->edit(spec, tr("Change dataset"));
    });
    form->addRow(tr("Dataset"), m_dataset);

    m_optimizer = new QComboBox(box);
    m_optimizer->addItem(tr("SGD"), int(layerlab::OptimizerKind::Sgd));
    m_optimizer->addItem(tr("Adam"), int(layerlab::OptimizerKind::Adam));
    connect(m_optimizer, &QComboBox::activated, this, [this] {
        editTraining("optimizer", [this](TrainingSpec& t) {
            t.optimizer = layerlab::OptimizerKind(m_optimizer->currentData().toInt());
        });
    });
    form->addRow(tr("Optimizer"), m_optimizer);

    m_learningRate = new QDoubleSpinBox(box);
    m_learningRate->setDecimals(5);
    m_learningRate->setRange(0.00001, 10.0);
    // Adaptive steps move 0.01 to 0.011 and 0.001 to 0.0011: a learning rate
    // is tuned by ratio, not by a fixed amount.
    m_learningRate->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
    connect(m_learningRate, &QDoubleSpinBox::valueChanged, this, [this](double value) {
        editTraining("learning rate", [value](TrainingSpec& t) { t.learningRate = value; });
    });
    form->addRow(tr("Learning rate"), m_learningRate);

    m_momentum = new QDoubleSpinBox(box);
    m_momentum->setRange(0.0, 0.999);
    m_momentum->setDecimals(3);
    m_momentum->setSingleStep(0.05);
    m_momentum->setToolTip(tr("SGD only"));
    connect(m_momentum, &QDoubleSpinBox::valueChanged, this, [this](double value) {
        editTraining("momentum", [value](TrainingSpec& t) { t.momentum = value; });
    });
    form->addRow(tr("Momentum"), m_momentum);

    const auto addSpin = [this, box, form](const QString& label, int min, int max,
                                           const QString& field, auto member) {
        auto* spin = new QSpinBox(box);
        spin->setRange(min, max);
        spin->setGroupSeparatorShown(true);
        connect(spin, &QSpinBox::valueChanged, this, [this, field, member](int value) {
            editTraining(field, [member, value](TrainingSpec& t) {
                t.*member = static_cast<std::remove_reference_t<decltype(t.*member)>>(value);
            });
        });
        form->addRow(label, spin);
        return spin;
    };
    m_batchSize = addSpin(tr("Batch size"), 1, kMaxBatch, "batch size", &TrainingSpec::batchSize);
    m_epochs = addSpin(tr("Epochs"), 1, kMaxEpochs, "epochs", &TrainingSpec::epochs);
    // A line, not a spin box: a seed is any 64-bit number (a spin box stops
    // at 2^31 and showed a file's 3000000000 as 999,999,999).
    m_seed = new QLineEdit(box);
    m_seed->setValidator(
        new QRegularExpressionValidator(QRegularExpression("[0-9]{0,20}"), m_seed));
    m_seed->setToolTip(tr("Any whole number from 0 to 18446744073709551615"));
    connect(m_seed, &QLineEdit::editingFinished, this, [this] {
        // Emptied, or past 2^64 - 1: back to the seed in force.
        bool ok = false;
        const qulonglong value = m_seed->text().toULongLong(&ok);
        if (!ok) {
            m_seed->setText(QString::number(m_document->spec().training.seed));
            return;
        }
        editTraining("seed", [value](TrainingSpec& t) { t.seed = value; });
    });
    form->addRow(tr("Seed"), m_seed);

    m_device = new QComboBox(box);
    m_device->addItem(tr("Auto"), int(layerlab::DeviceChoice::Auto));
    m_device->addItem(tr("CPU"), int(layerlab::DeviceChoice::Cpu));
    m_device->addItem(tr("CUDA"), int(layerlab::DeviceChoice::Cuda));
    if (!layerlab::cudaAvailable()) {
        const QString reason = QString::fromStdString(layerlab::cudaUnavailableReason());
        auto* model = static_cast<QStandardItemModel*>(m_device->model());
        model->item(2)->setEnabled(false);
        model->item(2)->setToolTip(reason);
        m_device->setItemText(2, tr("CUDA (unavailable)"));
        m_device->setToolTip(tr("CUDA: %1").arg(reason));
    }
    connect(m_device, &QComboBox::activated, this, [this] {
        editTraining("device", [this](TrainingSpec& t) {
            t.device = layerlab::DeviceChoice(m_device->currentData().toInt());
        });
    });
    form->addRow(tr("Device"), m_device);

    m_threads = addSpin(tr("CPU threads"), 0, kMaxThreads, "threads", &TrainingSpec::threads);
    m_threads->setSpecialValueText(tr("auto (%1)").arg(layerlab::defaultThreadCount()));

    // Subsets make a quick look possible; 0 means every image.
    m_trainLimit =
        addSpin(tr("Train images"), 0, kMaxImages, "train images", &TrainingSpec::trainLimit);
    m_trainLimit->setSpecialValueText(tr("all"));
    m_validationLimit = addSpin(tr("Validation images"), 0, kMaxImages, "validation images",
                                &TrainingSpec::validationLimit);
    m_validationLimit->setSpecialValueText(tr("all"));
    return box;
}
