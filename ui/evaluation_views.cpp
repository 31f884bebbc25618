#include "evaluation_views.h"

#include <QWidget>

#include "confusion_matrix_panel.h"
#include "drawing_canvas_panel.h"
#include "sample_predictions_panel.h"
#include "training_worker.h"

EvaluationViews::EvaluationViews(TrainingWorker* worker, QWidget* parent)
    : QObject(parent),
      m_worker(worker),
      m_confusion(new ConfusionMatrixPanel(parent)),
      m_samples(new SamplePredictionsPanel(parent)),
      m_canvas(new DrawingCanvasPanel(parent)) {
    m_canvas->setWorker(worker);
    connect(worker, &TrainingWorker::runStarted, this,
            [this](const layerlab::RunStart& start) { m_start = start; });
    connect(worker, &TrainingWorker::epochFinished, this,
            [this](const layerlab::EpochMetrics& epoch) {
                // The dataset is the one this run trains on: loaded before
                // its first epoch, and kept until the next run starts.
                if (auto results = makeValidationResults(m_start, epoch, m_worker->runDataset())) {
                    showResults(std::move(results));
                }
            });
    connect(m_confusion, &ConfusionMatrixPanel::cellSelected, m_samples,
            &SamplePredictionsPanel::showCell);
}

void EvaluationViews::showResults(std::shared_ptr<const ValidationResults> results) {
    m_results = std::move(results);
    m_confusion->setResults(m_results);
    m_samples->setResults(m_results);
}
