#include "drawing_canvas.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <cmath>

DrawingCanvas::DrawingCanvas(QWidget* parent) : QWidget(parent) {
    QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
    setCursor(Qt::CrossCursor);
    setAttribute(Qt::WA_OpaquePaintEvent);
}

void DrawingCanvas::undoStroke() {
    if (!m_strokes.empty()) {
        m_strokes.pop_back();
    } else if (m_image.isNull()) {
        m_strokes = std::move(m_cleared);
        m_cleared.clear();
    } else {
        m_image = QImage();
    }
    update();
    emit changed();
}

void DrawingCanvas::clear() {
    if (!m_strokes.empty()) {
        m_cleared = std::move(m_strokes);
    }
    m_strokes.clear();
    m_image = QImage();
    update();
    emit changed();
}

void DrawingCanvas::showImage(const QImage& image) {
    m_strokes.clear();
    m_cleared.clear();
    m_image = image;
    update();
    emit changed();
}

void DrawingCanvas::paintContent(QPainter& painter) const {
    painter.fillRect(rect(), Qt::white);
    if (!m_image.isNull()) {
        const QSize fitted = m_image.size().scaled(size(), Qt::KeepAspectRatio);
        const QRect target(QPoint((width() - fitted.width()) / 2, (height() - fitted.height()) / 2),
                           fitted);
        painter.setRenderHint(QPainter::SmoothPixmapTransform);
        painter.drawImage(target, m_image);
    }
    painter.setRenderHint(QPainter::Antialiasing);
    for (const Stroke& stroke : m_strokes) {
        painter.setPen(QPen(Qt::black, stroke.width, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
        if (stroke.points.size() == 1) {
            painter.drawPoint(stroke.points.front());
        } else {
            painter.drawPolyline(stroke.points);
        }
    }
}

QImage DrawingCanvas::render() const {
    QImage image(size(), QImage::Format_Grayscale8);
    QPainter painter(&image);
    paintContent(painter);
    return image;
}

void DrawingCanvas::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    paintContent(painter);
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(rect().adjusted(0, 0, -1, -1));
    if (isEmpty()) {
        painter.setPen(QColor(150, 150, 150));
        painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                         tr("Draw a digit here\n(mouse or pen)"));
    }
}

void DrawingCanvas::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) {
        return;
    }
    m_drawing = true;
    m_cleared.clear();
    m_strokes.push_back({QPolygonF({event->position()}), m_penWidth});
    update();
    emit changed();
}

void DrawingCanvas::mouseMoveEvent(QMouseEvent* event) {
    if (!m_drawing || m_strokes.empty()) {
        return;
    }
    m_strokes.back().points << event->position();
    update();
    emit changed();
}

void DrawingCanvas::mouseReleaseEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton && m_drawing) {
        m_drawing = false;
        emit changed();
    }
}

ProbabilityBars::ProbabilityBars(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void ProbabilityBars::setProbabilities(const std::vector<float>& probabilities,
                                       const QStringList& names) {
    m_probabilities = probabilities;
    m_names = names;
    update();
}

QSize ProbabilityBars::sizeHint() const {
    return {240, 10 * fontMetrics().height()};
}

QSize ProbabilityBars::minimumSizeHint() const {
    return {160, 10 * fontMetrics().height()};
}

void ProbabilityBars::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const int rows = std::max<int>(10, int(m_names.size()));
    const int rowHeight = height() / rows;
    const int labelWidth = fontMetrics().horizontalAdvance("Sneaker ");
    const int valueWidth = fontMetrics().horizontalAdvance("100% ");
    const int barRoom = std::max(10, width() - labelWidth - valueWidth - 6);
    const auto best = std::max_element(m_probabilities.begin(), m_probabilities.end());
    for (int c = 0; c < rows; ++c) {
        const QRect row(0, c * rowHeight, width(), rowHeight);
        const QString name = c < m_names.size() ? m_names[c] : QString::number(c);
        painter.setPen(palette().color(QPalette::WindowText));
        painter.drawText(row.adjusted(0, 0, -(width() - labelWidth), 0),
                         Qt::AlignRight | Qt::AlignVCenter, name.left(8) + " ");
        const QRect track(labelWidth, row.top() + 2, barRoom, rowHeight - 4);
        painter.fillRect(track, palette().color(QPalette::AlternateBase));
        if (size_t(c) < m_probabilities.size()) {
            const float p = m_probabilities[size_t(c)];
            const bool top =
                best != m_probabilities.end() && c == int(best - m_probabilities.begin());
            painter.fillRect(QRect(track.topLeft(), QSize(int(track.width() * p), track.height())),
                             top ? QColor(40, 120, 220) : QColor(150, 170, 200));
            painter.drawText(QRect(track.right() + 4, row.top(), valueWidth, rowHeight),
                             Qt::AlignLeft | Qt::AlignVCenter,
                             QString("%1%").arg(int(std::lround(100 * p))));
        }
    }
}
