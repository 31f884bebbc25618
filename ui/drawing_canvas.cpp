#include "drawing_canvas.h"

#include <QHelpEvent>
#include <QKeyEvent>
#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QToolTip>
#include <algorithm>
#include <cmath>

DrawingCanvas::DrawingCanvas(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    setMaximumHeight(kMaxSide);
    setCursor(Qt::CrossCursor);
    setAttribute(Qt::WA_OpaquePaintEvent);
    setFocusPolicy(Qt::ClickFocus);
}

bool DrawingCanvas::event(QEvent* event) {
    // The window's Undo (Ctrl+Z) edits the network; with the canvas in
    // focus, the key takes back a stroke instead.
    if (event->type() == QEvent::ShortcutOverride &&
        static_cast<QKeyEvent*>(event)->matches(QKeySequence::Undo) && canUndo()) {
        event->accept();
        return true;
    }
    return QWidget::event(event);
}

void DrawingCanvas::keyPressEvent(QKeyEvent* event) {
    if (event->matches(QKeySequence::Undo)) {
        if (canUndo()) {
            undoStroke();
        }
        return;
    }
    QWidget::keyPressEvent(event);
}

QRect DrawingCanvas::square() const {
    const int side = std::min({width(), height(), kMaxSide});
    return {(width() - side) / 2, (height() - side) / 2, side, side};
}

qreal DrawingCanvas::side() const {
    return std::max(1, square().width());
}

QPointF DrawingCanvas::toDrawing(const QPointF& position) const {
    return (position - square().topLeft()) / side();
}

void DrawingCanvas::undoStroke() {
    if (!m_strokes.empty()) {
        m_strokes.pop_back();
    } else {
        // Taking back an opened image, or a Clear, brings back the strokes
        // it replaced.
        m_image = QImage();
        m_strokes = std::move(m_cleared);
        m_cleared.clear();
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
    if (!m_strokes.empty()) {
        m_cleared = std::move(m_strokes);
    }
    m_strokes.clear();
    m_image = image;
    update();
    emit changed();
}

DrawingCanvas::Content DrawingCanvas::content() const {
    return {m_strokes, m_cleared, m_image};
}

void DrawingCanvas::restore(const Content& content) {
    m_strokes = content.strokes;
    m_cleared = content.cleared;
    m_image = content.image;
    update();
    emit changed();
}

void DrawingCanvas::paintContent(QPainter& painter) const {
    const QRect area(QPoint(0, 0), square().size());
    const qreal side = area.width();
    painter.fillRect(area, Qt::white);
    if (!m_image.isNull()) {
        const QSize fitted = m_image.size().scaled(area.size(), Qt::KeepAspectRatio);
        const QRect target(
            QPoint((area.width() - fitted.width()) / 2, (area.height() - fitted.height()) / 2),
            fitted);
        painter.setRenderHint(QPainter::SmoothPixmapTransform);
        painter.drawImage(target, m_image);
    }
    painter.setRenderHint(QPainter::Antialiasing);
    painter.scale(side, side);
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
    QImage image(square().size(), QImage::Format_Grayscale8);
    QPainter painter(&image);
    paintContent(painter);
    return image;
}

void DrawingCanvas::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.fillRect(rect(), palette().color(QPalette::Window));
    const QRect area = square();
    painter.save();
    painter.translate(area.topLeft());
    painter.setClipRect(QRect(QPoint(0, 0), area.size()));
    paintContent(painter);
    painter.restore();
    painter.setPen(palette().color(QPalette::Mid));
    painter.drawRect(area.adjusted(0, 0, -1, -1));
    if (isEmpty()) {
        painter.setPen(QColor(150, 150, 150));
        painter.drawText(area, Qt::AlignCenter | Qt::TextWordWrap,
                         tr("Draw a digit here\n(mouse or pen)"));
    }
}

void DrawingCanvas::mousePressEvent(QMouseEvent* event) {
    if (event->button() != Qt::LeftButton) {
        return;
    }
    m_drawing = true;
    m_cleared.clear();
    m_strokes.push_back({QPolygonF({toDrawing(event->position())}), m_penWidth / side()});
    update();
    emit changed();
}

void DrawingCanvas::mouseMoveEvent(QMouseEvent* event) {
    if (!m_drawing || m_strokes.empty()) {
        return;
    }
    m_strokes.back().points << toDrawing(event->position());
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
    return {240, 4 * fontMetrics().height()};
}

QSize ProbabilityBars::minimumSizeHint() const {
    return {160, 3 * fontMetrics().height()};
}

int ProbabilityBars::classCount() const {
    return std::max<int>(10, int(m_names.size()));
}

bool ProbabilityBars::inRows() const {
    return height() >= classCount() * fontMetrics().height();
}

QString ProbabilityBars::className(int index) const {
    return index < m_names.size() ? m_names[index] : QString::number(index);
}

// The track of class `index`'s bar.
QRect ProbabilityBars::barArea(int index) const {
    const QFontMetrics metrics = fontMetrics();
    if (inRows()) {
        const int rowHeight = height() / classCount();
        const int labelWidth = metrics.horizontalAdvance("Sneaker ");
        const int valueWidth = metrics.horizontalAdvance("100% ");
        const int barRoom = std::max(10, width() - labelWidth - valueWidth - 6);
        return {labelWidth, index * rowHeight + 2, barRoom, rowHeight - 4};
    }
    const int columnWidth = width() / classCount();
    const int labelHeight = metrics.height();
    return {index * columnWidth + 2, 0, columnWidth - 4, height() - labelHeight - 2};
}

bool ProbabilityBars::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        const QPoint at = static_cast<QHelpEvent*>(event)->pos();
        for (int c = 0; c < classCount(); ++c) {
            const QRect area = barArea(c).adjusted(-2, -2, 2, fontMetrics().height() + 2);
            if (area.contains(at) && size_t(c) < m_probabilities.size()) {
                QToolTip::showText(static_cast<QHelpEvent*>(event)->globalPos(),
                                   QString("%1: %2%")
                                       .arg(className(c))
                                       .arg(100 * m_probabilities[size_t(c)], 0, 'f', 1),
                                   this);
                return true;
            }
        }
        QToolTip::hideText();
        event->ignore();
        return true;
    }
    return QWidget::event(event);
}

void ProbabilityBars::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    const QFontMetrics metrics = fontMetrics();
    const bool rows = inRows();
    const auto best = std::max_element(m_probabilities.begin(), m_probabilities.end());
    for (int c = 0; c < classCount(); ++c) {
        const QRect track = barArea(c);
        const QString name = className(c);
        painter.setPen(palette().color(QPalette::WindowText));
        if (rows) {
            painter.drawText(QRect(0, track.top() - 2, track.left(), track.height() + 4),
                             Qt::AlignRight | Qt::AlignVCenter, name.left(8) + " ");
        } else {
            // A column's label: the name where it fits, else the index
            // (Fashion-MNIST's names; hovering tells them).
            const QString label =
                metrics.horizontalAdvance(name) <= track.width() + 4 ? name : QString::number(c);
            painter.drawText(
                QRect(track.left() - 2, track.bottom() + 2, track.width() + 4, metrics.height()),
                Qt::AlignHCenter | Qt::AlignTop, label);
        }
        painter.fillRect(track, palette().color(QPalette::AlternateBase));
        if (size_t(c) >= m_probabilities.size()) {
            continue;
        }
        const float p = m_probabilities[size_t(c)];
        const bool top = best != m_probabilities.end() && c == int(best - m_probabilities.begin());
        const QColor fill = top ? QColor(40, 120, 220) : QColor(150, 170, 200);
        if (rows) {
            painter.fillRect(QRect(track.topLeft(), QSize(int(track.width() * p), track.height())),
                             fill);
            painter.drawText(QRect(track.right() + 4, track.top() - 2,
                                   metrics.horizontalAdvance("100% "), track.height() + 4),
                             Qt::AlignLeft | Qt::AlignVCenter,
                             QString("%1%").arg(int(std::lround(100 * p))));
        } else {
            const int filled = int(std::lround(track.height() * p));
            painter.fillRect(
                QRect(track.left(), track.bottom() + 1 - filled, track.width(), filled), fill);
        }
    }
}
