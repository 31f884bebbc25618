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
#include <QSignalBlocker>
#include <QSpinBox>
#include <QStandardItemModel>
#include <QToolButton>
#include <QVBoxLayout>

#include "experiment_document.h"
#include "format.h"
#include "layerlab/dataset.h"
#include "layerlab/run_recorder.h"

using layerlab::TrainingSpec;

namespace {
// Seconds of steps the samples/s figure averages over: long enough to be
// steady, short enough to show a slowdown when another program takes the CPU.
constexpr double kRateWindowSeconds = 3.0;

QToolButton* runButton(QAction* action, QWidget* parent) {
    auto* button = new QToolButton(parent);
    button->setDefaultAction(action);
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    button->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    return button;
}
}  // namespace

TrainingControlsPanel::TrainingControlsPanel(ExperimentDocument* document, QWidget* parent)
    : QWidget(parent), m_document(document) {
    m_start = new QAction(QIcon(":/icons/start.svg"), tr("Start"), this);
    m_start->setShortcuts({QKeySequence(Qt::Key_F5), QKeySequence(Qt::CTRL | Qt::Key_Return)});
    m_pause = new QAction(QIcon(":/icons/pause.svg"), tr("Pause"), this);
    m_pause->setShortcut(QKeySequence(Qt::Key_F6));
    m_stop = new QAction(QIcon(":/icons/stop.svg"), tr("Stop"), this);
    m_stop->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F5));
    connect(m_start, &QAction::triggered, this, &TrainingControlsPanel::startRequested);
    connect(m_pause, &QAction::triggered, this, [this] {
        if (m_state == TrainingWorker::State::Paused) {
            emit resumeRequested();
        } else {
            emit pauseRequested();
        }
    });
    connect(m_stop, &QAction::triggered, this, &TrainingControlsPanel::stopRequested);

    m_settings = buildSettings();

    auto* buttons = new QHBoxLayout;
    buttons->addWidget(runButton(m_start, this));
    buttons->addWidget(runButton(m_pause, this));
    buttons->addWidget(runButton(m_stop, this));

    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 1);
    m_progress->setValue(0);
    m_progress->setFormat(tr("not started"));
    m_rate = new QLabel(this);
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_resumedNote = new QLabel(this);
    m_resumedNote->setWordWrap(true);
    m_resumedNote->hide();

    // The run's buttons and progress come first: when the dock is short the
    // settings scroll, while the epoch, samples/s and ETA stay in view.
    auto* column = new QVBoxLayout(this);
    column->setContentsMargins(6, 6, 6, 6);
    column->addLayout(buttons);
    column->addWidget(m_progress);
    column->addWidget(m_rate);
    column->addWidget(m_status);
    column->addWidget(m_resumedNote);
    column->addWidget(m_settings);
    column->addStretch();

    connect(m_document, &ExperimentDocument::changed, this, &TrainingControlsPanel::sync);
    sync();
    setRunState(TrainingWorker::State::Idle);
}

void TrainingControlsPanel::editTraining(const QString& field,
                                         const std::function<void(TrainingSpec&)>& change) {
    TrainingSpec training = m_document->spec().training;
    change(training);
    m_document->editTraining(training, tr("Change %1").arg(field), "training." + field);
}

void TrainingControlsPanel::sync() {
    const layerlab::ExperimentSpec& spec = m_document->spec();
    const TrainingSpec& t = spec.training;
    const auto setSpin = [](QSpinBox* spin, int64_t value) {
        QSignalBlocker blocker(spin);
        spin->setValue(int(std::min<int64_t>(value, spin->maximum())));
    };
    const auto setDouble = [](QDoubleSpinBox* spin, double value) {
        QSignalBlocker blocker(spin);
        spin->setValue(value);
    };
    const auto setCombo = [](QComboBox* combo, const QVariant& value) {
        QSignalBlocker blocker(combo);
        combo->setCurrentIndex(combo->findData(value));
    };
    setCombo(m_dataset, QString::fromStdString(spec.dataset));
    setCombo(m_optimizer, int(t.optimizer));
    setCombo(m_device, int(t.device));
    setDouble(m_learningRate, t.learningRate);
    setDouble(m_momentum, t.momentum);
    setSpin(m_batchSize, t.batchSize);
    setSpin(m_epochs, t.epochs);
    {
        QSignalBlocker blocker(m_seed);
        m_seed->setText(QString::number(qulonglong(t.seed)));
    }
    setSpin(m_threads, t.threads);
    setSpin(m_trainLimit, t.trainLimit);
    setSpin(m_validationLimit, t.validationLimit);
    m_momentum->setEnabled(t.optimizer == layerlab::OptimizerKind::Sgd);
    refreshStartAction();
}

void TrainingControlsPanel::refreshStartAction() {
    const QString invalid = m_document->invalidReason();
    const bool idle = m_state == TrainingWorker::State::Idle;
    m_start->setEnabled(idle && invalid.isEmpty());
    if (!invalid.isEmpty()) {
        m_start->setToolTip(tr("Cannot start: %1").arg(invalid));
    } else {
        m_start->setToolTip(tr("Start training (F5)"));
    }
}

void TrainingControlsPanel::setRunState(TrainingWorker::State state) {
    using State = TrainingWorker::State;
    m_state = state;
    const bool idle = state == State::Idle;
    // Everything here is copied into the trainer when the run starts, so
    // none of it can change until the run ends.
    m_settings->setEnabled(idle);
    m_pause->setEnabled(state == State::Running || state == State::Paused ||
                        state == State::Loading);
    m_pause->setText(state == State::Paused ? tr("Resume") : tr("Pause"));
    m_pause->setIcon(QIcon(state == State::Paused ? QStringLiteral(":/icons/start.svg")
                                                  : QStringLiteral(":/icons/pause.svg")));
    m_pause->setToolTip(state == State::Paused ? tr("Resume training (F6)")
                                               : tr("Pause training (F6)"));
    m_stop->setEnabled(!idle && state != State::Stopping);
    m_stop->setToolTip(tr("Stop training (Shift+F5)"));
    refreshStartAction();

    switch (state) {
        case State::Loading:
            m_status->setText(tr("Loading %1…").arg(m_dataset->currentText()));
            m_progress->setRange(0, 0);  // busy: the load has no steps to count
            break;
        case State::Paused:
            m_status->setText(tr("Paused"));
            break;
        case State::Stopping:
            m_status->setText(tr("Stopping after this step…"));
            break;
        case State::Running:
            m_status->setText(tr("Training…"));
            break;
        case State::Idle:
            // A finished or stopped run has no time left to estimate.
            if (!m_lastRate.isEmpty()) {
                m_rate->setText(m_lastRate);
            }
            break;
    }
}

void TrainingControlsPanel::runStarted(const layerlab::RunStart& start) {
    m_run = start;
    // The run's own batch (a resumed run folder's experiment may differ from
    // the document's): the training images over the steps of an epoch.
    m_runBatchSize = start.stepsPerEpoch > 0
                         ? std::max(1.0, double(start.trainSamples) / double(start.stepsPerEpoch))
                         : std::max(1, m_document->spec().training.batchSize);
    m_recent.clear();
    m_lastRate.clear();
    m_progress->setRange(0, int(std::max<int64_t>(1, start.totalSteps)));
    m_progress->setValue(0);
    m_progress->setFormat(tr("epoch %1/%2").arg(start.firstEpoch).arg(start.epochs));
    m_rate->setText(tr("%1 · %2 steps/epoch")
                        .arg(QString::fromStdString(start.deviceName))
                        .arg(fmt::grouped(start.stepsPerEpoch)));
}

void TrainingControlsPanel::stepsArrived(const std::vector<layerlab::StepMetrics>& steps) {
    if (steps.empty()) {
        return;
    }
    const layerlab::StepMetrics& last = steps.back();
    m_progress->setValue(int(last.step));
    m_progress->setFormat(tr("epoch %1/%2 · step %3/%4")
                              .arg(last.epoch)
                              .arg(m_run.epochs)
                              .arg(fmt::grouped(last.step), fmt::grouped(m_run.totalSteps)));

    for (const layerlab::StepMetrics& step : steps) {
        // A resumed run's earlier epochs are replayed for the charts; they
        // say nothing about this process's speed.
        if (step.epoch >= m_run.firstEpoch) {
            m_recent.emplace_back(step.step, step.seconds);
        }
    }
    if (m_recent.empty()) {
        return;
    }
    while (m_recent.size() > 2 && last.seconds - m_recent.front().second > kRateWindowSeconds) {
        m_recent.pop_front();
    }
    const double seconds = last.seconds - m_recent.front().second;
    const int64_t stepsDone = last.step - m_recent.front().first;
    if (seconds > 0 && stepsDone > 0) {
        const double samplesPerSecond = double(stepsDone) * m_runBatchSize / seconds;
        const double eta = double(m_run.totalSteps - last.step) * seconds / double(stepsDone);
        m_lastRate = tr("%1 samples/s").arg(fmt::grouped(int64_t(samplesPerSecond)));
        m_rate->setText(tr("%1 · ETA %2").arg(m_lastRate, fmt::duration(eta)));
    }
}

void TrainingControlsPanel::epochFinished(const layerlab::EpochMetrics& epoch) {
    const QString accuracy = tr("Epoch %1: validation accuracy %2")
                                 .arg(epoch.epoch)
                                 .arg(fmt::percent(epoch.validationAccuracy));
    // A resumed run's replayed epochs have no timing.
    m_status->setText(epoch.epochSeconds > 0
                          ? tr("%1 (%2)").arg(accuracy, fmt::duration(epoch.epochSeconds))
                          : accuracy);
}

void TrainingControlsPanel::showResumedRun(const QString& runName,
                                           const layerlab::TrainingSpec& training) {
    const QString optimizer =
        training.optimizer == layerlab::OptimizerKind::Sgd ? tr("SGD") : tr("Adam");
    m_resumedNote->setText(
        tr("<b>%1</b> trains with its own settings (%2, learning rate %3, batch %4, %5 epochs, "
           "seed %6), not the open experiment's below.")
            .arg(runName.toHtmlEscaped(), optimizer)
            .arg(training.learningRate)
            .arg(training.batchSize)
            .arg(training.epochs)
            .arg(training.seed));
    m_resumedNote->show();
}

QString TrainingControlsPanel::resumedRunNote() const {
    return m_resumedNote->isHidden() ? QString() : m_resumedNote->text();
}

void TrainingControlsPanel::runFinished(const layerlab::RunSummary& summary) {
    m_resumedNote->hide();
    if (m_progress->maximum() == 0) {
        m_progress->setRange(0, 1);  // leave the busy animation of a failed load
    }
    // The finished run's own speed, rather than its last three seconds'.
    if (const double speed = layerlab::samplesPerSecondOver(summary.epochs); speed > 0) {
        m_lastRate = tr("%1 samples/s over the run").arg(fmt::grouped(int64_t(speed)));
        m_rate->setText(m_lastRate);
    }
    const QString total = fmt::duration(summary.seconds);
    switch (summary.outcome) {
        case layerlab::RunOutcome::Completed: {
            const QString accuracy =
                summary.epochs.empty()
                    ? QString()
                    : tr(", validation accuracy %1")
                          .arg(fmt::percent(summary.epochs.back().validationAccuracy));
            m_status->setText(tr("Completed in %1%2").arg(total, accuracy));
            m_progress->setValue(m_progress->maximum());
            break;
        }
        case layerlab::RunOutcome::Stopped:
            m_status->setText(tr("Stopped after %1").arg(total));
            break;
        case layerlab::RunOutcome::Failed:
            m_status->setText(tr("Failed: %1").arg(QString::fromStdString(summary.message)));
            break;
    }
}

QString TrainingControlsPanel::statusText() const {
    return m_status->text();
}
QString TrainingControlsPanel::rateText() const {
    return m_rate->text();
}
