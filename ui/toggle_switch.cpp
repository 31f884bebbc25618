#include "toggle_switch.h"

#include <QPainter>

namespace {
// Track size in device-independent pixels; the knob is the track's height.
constexpr int kTrackWidth = 34;
constexpr int kTrackHeight = 18;
}  // namespace

ToggleSwitch::ToggleSwitch(QWidget* parent) : QAbstractButton(parent) {
    setCheckable(true);
    setCursor(Qt::PointingHandCursor);
    setFocusPolicy(Qt::StrongFocus);
    setSizePolicy(QSizePolicy::Fixed, QSizePolicy::Fixed);
}

QSize ToggleSwitch::sizeHint() const {
    return {kTrackWidth + 2, kTrackHeight + 2};
}

void ToggleSwitch::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing);

    const QRectF track(1, 1, kTrackWidth, kTrackHeight);
    const QPalette& pal = palette();
    // The Active group's colours even when disabled: a locked switch that is
    // on must still look on, only fainter.
    QColor trackColor = isChecked() ? pal.color(QPalette::Active, QPalette::Highlight)
                                    : pal.color(QPalette::Active, QPalette::Mid);
    if (!isEnabled()) {
        trackColor.setAlpha(110);
    }
    painter.setPen(Qt::NoPen);
    painter.setBrush(trackColor);
    painter.drawRoundedRect(track, kTrackHeight / 2.0, kTrackHeight / 2.0);

    const qreal knob = kTrackHeight - 4;
    const qreal x = isChecked() ? track.right() - knob - 2 : track.left() + 2;
    painter.setBrush(pal.color(QPalette::Base));
    painter.drawEllipse(QRectF(x, track.top() + 2, knob, knob));

    if (hasFocus()) {
        painter.setPen(QPen(pal.color(QPalette::Highlight), 1, Qt::DotLine));
        painter.setBrush(Qt::NoBrush);
        painter.drawRoundedRect(rect().adjusted(0, 0, -1, -1), kTrackHeight / 2.0,
                                kTrackHeight / 2.0);
    }
}
