#pragma once

#include <QImage>
#include <QPolygonF>
#include <QStringList>
#include <QWidget>
#include <vector>

// A square to draw on with the mouse or a pen: dark strokes on white, as on
// paper. Keeps strokes (for undo) or one opened image.
class DrawingCanvas : public QWidget {
    Q_OBJECT
public:
    explicit DrawingCanvas(QWidget* parent = nullptr);
    void setPenWidth(int width) { m_penWidth = width; }
    // Takes back the last stroke; right after Clear, brings the cleared
    // strokes back.
    void undoStroke();
    void clear();
    bool canUndo() const { return !isEmpty() || !m_cleared.empty(); }
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
    std::vector<Stroke> m_cleared;  // until the next stroke, for Undo
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
