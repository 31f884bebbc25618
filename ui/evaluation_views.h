#pragma once

#include <QObject>
#include <memory>

#include "layerlab/trainer.h"
#include "validation_results.h"

class ConfusionMatrixPanel;
class DrawingCanvasPanel;
class NetworkEvaluation;
class SamplePredictionsPanel;
class TrainingWorker;
class QWidget;

// The evaluation panels and their wiring: each epoch's validation verdict
// goes to the confusion matrix and the sample grid, a matrix click filters
// the grid, and the canvas follows the worker's weight snapshots. A run
// opened from disk, and "Refresh now" while training, are validated in the
// background (NetworkEvaluation). The main window only docks the panels.
class EvaluationViews : public QObject {
    Q_OBJECT
public:
    EvaluationViews(TrainingWorker* worker, QWidget* parent);

    ConfusionMatrixPanel* confusion() const { return m_confusion; }
    SamplePredictionsPanel* samples() const { return m_samples; }
    DrawingCanvasPanel* canvas() const { return m_canvas; }
    std::shared_ptr<const ValidationResults> results() const { return m_results; }

    void showResults(std::shared_ptr<const ValidationResults> results);
    // Validates a run folder's checkpoint and shows its matrix and
    // predictions; the canvas then reads drawings with that network.
    // False (with a notice) when the folder has no checkpoint or a pass is
    // already going on.
    bool openRun(const QString& runDirectory);
    // The current run's newest weights over the validation set, as soon as
    // the trainer has copied them (within a few steps). False, with a
    // notice, when no run trains.
    bool refreshNow();
    NetworkEvaluation* evaluation() const { return m_evaluation; }

signals:
    void notice(const QString& message);
    void failed(const QString& message);

private:
    void validateWhenFresh();

    TrainingWorker* m_worker;
    layerlab::RunStart m_start;
    std::shared_ptr<const ValidationResults> m_results;
    ConfusionMatrixPanel* m_confusion;
    SamplePredictionsPanel* m_samples;
    DrawingCanvasPanel* m_canvas;
    NetworkEvaluation* m_evaluation;
    int64_t m_lastStep = 0;
    int m_lastEpoch = 0;
    // What "Refresh now" found when it asked for fresh weights.
    std::shared_ptr<const layerlab::ModelWeights> m_staleWeights;
    int m_freshWeightsPolls = 0;
    // A resumed run's checkpoint is being validated (see runStarted).
    bool m_resumeCheckPending = false;
    // An epoch of the current run has ended since it started.
    bool m_epochSinceStart = false;
};
