#pragma once

#include <QImage>
#include <QPolygonF>
#include <QStringList>
#include <QWidget>
#include <vector>

// A square to draw on with the mouse or a pen: dark strokes on white, as on
// paper. Keeps strokes (for undo) or one opened image. The square is the
// largest that fits the widget, up to kMaxSide, centred; what is drawn
// scales with it. Ctrl+Z takes back a stroke while the canvas has focus
// (drawing gives it focus).
class DrawingCanvas : public QWidget {
    Q_OBJECT
public:
    explicit DrawingCanvas(QWidget* parent = nullptr);
    void setPenWidth(int width) { m_penWidth = width; }
    // Takes back the last stroke; right after Clear or an opened image,
    // brings the strokes it replaced back.
    void undoStroke();
    void clear();
    bool canUndo() const { return !isEmpty() || !m_cleared.empty(); }
    void showImage(const QImage& image);

    // In units of the square's side, so a drawing keeps its shape when the
    // panel resizes the canvas.
    struct Stroke {
        QPolygonF points;
        qreal width;
    };
    // Everything the canvas holds, to go back to it.
    struct Content {
        std::vector<Stroke> strokes;
        std::vector<Stroke> cleared;
        QImage image;
    };
    Content content() const;
    void restore(const Content& content);
    bool isEmpty() const { return m_strokes.empty() && m_image.isNull(); }
    int strokeCount() const { return int(m_strokes.size()); }
    // What is drawn, the square at its size on screen, 8-bit gray.
    QImage render() const;
    // The drawing square, in widget coordinates.
    QRect square() const;
    // Modest: a dock scrolls rather than shrink a panel below its preferred
    // height when a label wraps, and the canvas takes any room left anyway.
    QSize sizeHint() const override { return {kPreferredSide, kPreferredSide}; }
    QSize minimumSizeHint() const override { return {kMinSide, kMinSide}; }

    // 280 as issue 4's redrawn test digits; down to 160 on a short dock.
    static constexpr int kMaxSide = 280;
    static constexpr int kMinSide = 160;
    static constexpr int kPreferredSide = 200;

signals:
    void changed();

protected:
    bool event(QEvent* event) override;
    void keyPressEvent(QKeyEvent* event) override;
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    void mouseMoveEvent(QMouseEvent* event) override;
    void mouseReleaseEvent(QMouseEvent* event) override;

private:
    qreal side() const;
    QPointF toDrawing(const QPointF& position) const;
    // Paints the square's content with its top-left corner at (0, 0).
    void paintContent(QPainter& painter) const;

    std::vector<Stroke> m_strokes;
    std::vector<Stroke> m_cleared;  // until the next stroke, for Undo
    QImage m_image;
    bool m_drawing = false;
    int m_penWidth = 18;
};

// A bar per class with its probability, the best one highlighted: a row
// per class with its name where the widget is tall enough, else a column
// per class (10 side by side fit beside the 28x28 preview on a 768-pixel
// screen). Hovering a bar tells its class and probability.
class ProbabilityBars : public QWidget {
    Q_OBJECT
public:
    explicit ProbabilityBars(QWidget* parent = nullptr);
    void setProbabilities(const std::vector<float>& probabilities, const QStringList& names);
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    bool event(QEvent* event) override;
    void paintEvent(QPaintEvent* event) override;

private:
    int classCount() const;
    bool inRows() const;
    QRect barArea(int index) const;
    QString className(int index) const;

    std::vector<float> m_probabilities;
    QStringList m_names;
};
