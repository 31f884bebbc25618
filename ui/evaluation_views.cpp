#include "evaluation_views.h"

#include <QDir>
#include <QFileInfo>
#include <QLocale>
#include <QTimer>
#include <QWidget>
#include <utility>

#include "confusion_matrix_panel.h"
#include "drawing_canvas_panel.h"
#include "network_evaluation.h"
#include "sample_predictions_panel.h"
#include "training_worker.h"

namespace {
// How often "Refresh now" looks for the fresh weights it asked for, and for
// how many looks: a step takes milliseconds to a few hundred.
constexpr int kFreshWeightsPollMs = 50;
constexpr int kFreshWeightsMaxPolls = 100;
}  // namespace

EvaluationViews::EvaluationViews(TrainingWorker* worker, QWidget* parent)
    : QObject(parent),
      m_worker(worker),
      m_confusion(new ConfusionMatrixPanel(parent)),
      m_samples(new SamplePredictionsPanel(parent)),
      m_canvas(new DrawingCanvasPanel(parent)),
      m_evaluation(new NetworkEvaluation(this)) {
    m_canvas->setWorker(worker);
    connect(worker, &TrainingWorker::runStarted, this, [this](const layerlab::RunStart& start) {
        m_start = start;
        m_lastStep = 0;
        m_lastEpoch = start.firstEpoch - 1;
        m_epochSinceStart = false;
        // Whatever the panels showed belongs to another run (or to another
        // process of this one); they fill again at this run's first epoch.
        showResults(nullptr);
        if (start.firstEpoch > 1) {
            // A resumed run's checkpoint is validated meanwhile, so its
            // matrix and predictions are there during the first epoch too.
            m_resumeCheckPending =
                m_evaluation->evaluateRun(m_worker->lastRunDirectory(), m_worker->runDataset());
        }
    });
    connect(worker, &TrainingWorker::stepsArrived, this,
            [this](const std::vector<layerlab::StepMetrics>& steps) {
                if (!steps.empty()) {
                    m_lastStep = steps.back().step;
                    m_lastEpoch = steps.back().epoch;
                }
            });
    connect(worker, &TrainingWorker::stateChanged, this, [this](TrainingWorker::State state) {
        m_confusion->setRefreshAvailable(
            !m_evaluation->isBusy() &&
            (state == TrainingWorker::State::Running || state == TrainingWorker::State::Paused));
    });
    connect(m_confusion, &ConfusionMatrixPanel::refreshRequested, this,
            &EvaluationViews::refreshNow);
    connect(m_evaluation, &NetworkEvaluation::busyChanged, this, [this](bool busy) {
        const auto state = m_worker->state();
        m_confusion->setRefreshAvailable(!busy && (state == TrainingWorker::State::Running ||
                                                   state == TrainingWorker::State::Paused));
        if (busy) {
            emit notice(tr("Validating…"));
        }
    });
    connect(m_evaluation, &NetworkEvaluation::evaluated, this,
            [this](std::shared_ptr<const ValidationResults> results) {
                // On a fast GPU the resumed run's first epoch may end before
                // its checkpoint is validated: never replace a newer verdict.
                if (std::exchange(m_resumeCheckPending, false) && m_epochSinceStart) {
                    return;
                }
                emit notice(tr("Validated: %1").arg(results->label));
                showResults(std::move(results));
            });
    connect(m_evaluation, &NetworkEvaluation::runLoaded, this,
            [this](std::shared_ptr<layerlab::Predictor> predictor, const QString& runName) {
                // The canvas follows a resumed run's own weight snapshots.
                if (!m_resumeCheckPending) {
                    m_canvas->usePredictor(std::move(predictor), tr("run %1").arg(runName));
                }
            });
    connect(m_evaluation, &NetworkEvaluation::failed, this, [this](const QString& message) {
        if (std::exchange(m_resumeCheckPending, false)) {
            // The run itself read that checkpoint; it reports its own faults.
            emit notice(tr("The resumed run's checkpoint could not be validated: %1").arg(message));
            return;
        }
        // The panels must not go on showing another run's verdict under the
        // name of the one that failed.
        showResults(nullptr);
        emit failed(message);
    });
    connect(worker, &TrainingWorker::epochFinished, this,
            [this](const layerlab::EpochMetrics& epoch) {
                // The dataset is the one this run trains on: loaded before
                // its first epoch, and kept until the next run starts.
                // A resumed run's earlier epochs come again for the charts,
                // without per-image predictions: only a new one counts.
                if (auto results = makeValidationResults(m_start, epoch, m_worker->runDataset())) {
                    m_epochSinceStart = true;
                    showResults(std::move(results));
                }
            });
    connect(m_confusion, &ConfusionMatrixPanel::cellSelected, m_samples,
            &SamplePredictionsPanel::showCell);
}

bool EvaluationViews::openRun(const QString& runDirectory) {
    if (!QFileInfo::exists(QDir(runDirectory).filePath("checkpoint.pt"))) {
        emit notice(tr("%1 has no checkpoint yet (one is written at each epoch's end): its "
                       "curves are shown, no matrix")
                        .arg(QDir(runDirectory).dirName()));
        showResults(nullptr);
        return false;
    }
    if (!m_evaluation->evaluateRun(runDirectory, m_worker->runDataset())) {
        emit notice(tr("A validation pass is already going on; try again in a moment"));
        return false;
    }
    return true;
}

bool EvaluationViews::refreshNow() {
    if (!m_worker->isBusy()) {
        emit notice(tr("Refresh works while a run trains; its weights are not there yet"));
        return false;
    }
    // The trainer copies its weights only when asked (see
    // TrainerOptions::snapshotEvery): this asks, and what is there now may
    // be an epoch old. The fresh copy comes within a few steps.
    m_staleWeights = m_worker->latestWeights();
    m_freshWeightsPolls = 0;
    validateWhenFresh();
    return true;
}

void EvaluationViews::validateWhenFresh() {
    const auto weights = m_worker->latestWeights();
    // A paused trainer publishes its weights as it pauses: they are current.
    const bool fresh = weights != m_staleWeights ||
                       m_worker->state() == TrainingWorker::State::Paused || !m_worker->isBusy();
    if (!fresh && ++m_freshWeightsPolls < kFreshWeightsMaxPolls) {
        QTimer::singleShot(kFreshWeightsPollMs, this, &EvaluationViews::validateWhenFresh);
        return;
    }
    m_staleWeights.reset();
    if (!weights) {
        emit notice(tr("Refresh works while a run trains; its weights are not there yet"));
        return;
    }
    const QString label = tr("Step %1 (epoch %2)")
                              .arg(QLocale().toString(qlonglong(m_lastStep)))
                              .arg(std::max(m_lastEpoch, 1));
    if (!m_evaluation->evaluateWeights(m_worker->runSpec(), weights, m_worker->runDataset(),
                                       label)) {
        emit notice(tr("A validation pass is already going on; try again in a moment"));
    }
}

void EvaluationViews::showResults(std::shared_ptr<const ValidationResults> results) {
    m_results = std::move(results);
    m_confusion->setResults(m_results);
    m_samples->setResults(m_results);
}
