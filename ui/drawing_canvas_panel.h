#pragma once

#include <QImage>
#include <QPolygonF>
#include <QWidget>
#include <memory>
#include <optional>
#include <vector>

#include "layerlab/predictor.h"

class QLabel;
class QSpinBox;
class QTimer;
class TrainingWorker;

// A square to draw on with the mouse or a pen: dark strokes on white, as on
// paper. Keeps strokes (for undo) or one opened image.
class DrawingCanvas : public QWidget {
    Q_OBJECT
public:
    explicit DrawingCanvas(QWidget* parent = nullptr);
    void setPenWidth(int width) { m_penWidth = width; }
    void undoStroke();
    void clear();
    void showImage(const QImage& image);
    bool isEmpty() const { return m_strokes.empty() && m_image.isNull(); }
    int strokeCount() const { return int(m_strokes.size()); }
    // What is drawn, at the widget's size, 8-bit gray.
    QImage render() const;
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override { return width; }
    QSize sizeHint() const override { return {240, 240}; }
    QSize minimumSizeHint() const override { return {160, 160}; }

signals:
    void changed();

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    struct Stroke {
        QPolygonF points;
        int width;
    };
    void paintContent(QPainter& painter) const;

    std::vector<Stroke> m_strokes;
    QImage m_image;
    bool m_drawing = false;
    int m_penWidth = 18;
};

// A bar per class with its probability, the best one highlighted.
class ProbabilityBars : public QWidget {
    Q_OBJECT
public:
    explicit ProbabilityBars(QWidget* parent = nullptr);
    void setProbabilities(const std::vector<float>& probabilities, const QStringList& names);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;

private:
    std::vector<float> m_probabilities;
    QStringList m_names;
};

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
    // Re-reads the drawing and predicts now (tests; normally on a short timer).
    void predictNow();

private:
    void refreshWeights();
    void showFedImage(const std::vector<float>& pixels);

    TrainingWorker* m_worker = nullptr;
    std::shared_ptr<layerlab::Predictor> m_predictor;  // GUI thread only
    std::shared_ptr<const layerlab::ModelWeights> m_loadedWeights;
    QString m_source;
    QString m_openedImage;
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
