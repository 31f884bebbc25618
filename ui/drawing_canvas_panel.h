#pragma once

#include <QImage>
#include <QPolygonF>
#include <QWidget>
#include <memory>
#include <optional>
#include <vector>

#include "drawing_canvas.h"
#include "layerlab/predictor.h"

class QLabel;
class QSpinBox;
class QTimer;
class TrainingWorker;

// Draw a digit and watch the network read it: from the latest weight
// snapshot of the run in progress (never the trainer's own model), or of the
// last run. Inference runs on the GUI thread with a Predictor of its own:
// one image takes about a millisecond; new weights are copied in only when
// a newer snapshot exists.
class DrawingCanvasPanel : public QWidget {
    Q_OBJECT
public:
    explicit DrawingCanvasPanel(QWidget* parent = nullptr);
    ~DrawingCanvasPanel() override;

    // Follows the worker's snapshots.
    void setWorker(TrainingWorker* worker);
    // Uses this network from now on (a finished run opened from disk);
    // a later training run's snapshots take over again.
    void usePredictor(std::shared_ptr<layerlab::Predictor> predictor, const QString& source);
    // Classifies a PNG or JPG the way the canvas is classified.
    bool openImage(const QString& path);

    DrawingCanvas* canvas() const { return m_canvas; }
    // The latest prediction; none while the canvas is empty or no network
    // is there yet.
    const std::optional<layerlab::Prediction>& prediction() const { return m_prediction; }
    QString hint() const;
    // Why the last Open image… failed (shown in a box); empty after a success.
    QString openError() const { return m_openError; }
    // Re-reads the drawing and predicts now (tests; normally on a short timer).
    void predictNow();

private:
    void refreshWeights();
    void showFedImage(const std::vector<float>& pixels);

    TrainingWorker* m_worker = nullptr;
    std::shared_ptr<layerlab::Predictor> m_predictor;  // GUI thread only
    std::shared_ptr<const layerlab::ModelWeights> m_loadedWeights;
    QString m_source;
    // Whether m_source names the worker's run (else a run chosen in usePredictor).
    bool m_sourceIsWorker = false;
    QString m_openedImage;
    QString m_openError;
    // Why the last predictNow() could not read the drawing or file.
    QString m_readError;
    QStringList m_classNames;
    std::optional<layerlab::Prediction> m_prediction;

    DrawingCanvas* m_canvas;
    QSpinBox* m_penWidth;
    QLabel* m_fed;
    QLabel* m_status;
    ProbabilityBars* m_bars;
    QTimer* m_predictTimer;
    QTimer* m_weightsTimer;
};
