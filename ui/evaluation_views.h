#pragma once

#include <QObject>
#include <memory>

#include "layerlab/trainer.h"
#include "validation_results.h"

class ConfusionMatrixPanel;
class DrawingCanvasPanel;
class SamplePredictionsPanel;
class TrainingWorker;
class QWidget;

// The evaluation panels and their wiring: each epoch's validation verdict
// goes to the confusion matrix and the sample grid, a matrix click filters
// the grid, and the canvas follows the worker's weight snapshots. The main
// window only docks the three panels.
class EvaluationViews : public QObject {
    Q_OBJECT
public:
    EvaluationViews(TrainingWorker* worker, QWidget* parent);

    ConfusionMatrixPanel* confusion() const { return m_confusion; }
    SamplePredictionsPanel* samples() const { return m_samples; }
    DrawingCanvasPanel* canvas() const { return m_canvas; }
    std::shared_ptr<const ValidationResults> results() const { return m_results; }

    void showResults(std::shared_ptr<const ValidationResults> results);

private:
    TrainingWorker* m_worker;
    layerlab::RunStart m_start;
    std::shared_ptr<const ValidationResults> m_results;
    ConfusionMatrixPanel* m_confusion;
    SamplePredictionsPanel* m_samples;
    DrawingCanvasPanel* m_canvas;
};
