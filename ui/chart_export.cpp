#include "chart_export.h"

#include <QChart>
#include <QGraphicsLayout>
#include <QGraphicsScene>
#include <QLegendMarker>
#include <QLineSeries>
#include <QPainter>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

#include "picture_export.h"

namespace {

// Draws the chart into `painter` over `size` logical pixels.
void paintChart(const ChartPicture& picture, QPainter& painter, QSize size) {
    QGraphicsScene scene;
    QChart* chart = buildChart(picture);
    scene.addItem(chart);  // the scene owns and deletes it
    chart->setGeometry(QRectF(QPointF(0, 0), size));
    scene.setSceneRect(QRectF(QPointF(0, 0), size));
    // Lay the chart out now: with no view and no event loop it would not be.
    chart->layout()->activate();
    painter.setRenderHint(QPainter::Antialiasing);
    painter.setRenderHint(QPainter::TextAntialiasing);
    scene.render(&painter, QRectF(QPointF(0, 0), size), scene.sceneRect());
}

}  // namespace

double roundAxisStep(double atLeast) {
    const double magnitude = std::pow(10.0, std::floor(std::log10(atLeast)));
    for (double factor : {1.0, 2.0, 2.5, 5.0}) {
        if (factor * magnitude >= atLeast) {
            return factor * magnitude;
        }
    }
    return 10 * magnitude;
}

void setEpochAxis(QValueAxis* axis, double first, double last) {
    // A share of the span: about half a marker at the widths charts get.
    constexpr double kRoomAfterLast = 0.025;
    const double span = std::max(last - first, 1e-9);
    axis->setRange(first, last + span * kRoomAfterLast);
    axis->setTickType(QValueAxis::TicksDynamic);
    axis->setTickAnchor(0);
    const double step = roundAxisStep(span / 10.0);
    // A run stopped within its first epoch still gets ticks, in fractions.
    axis->setTickInterval(span >= 1 ? std::max(1.0, step) : step);
    axis->setLabelFormat(span >= 1 ? "%.0f" : "%.1f");
}

QColor runColor(int index) {
    static const QColor colors[] = {
        QColor(33, 101, 192), QColor(230, 110, 20), QColor(46, 150, 70),   QColor(200, 40, 60),
        QColor(120, 80, 170), QColor(140, 90, 60),  QColor(220, 100, 170), QColor(90, 90, 90),
    };
    return colors[index % int(std::size(colors))];
}

QChart* buildChart(const ChartPicture& picture) {
    auto* chart = new QChart;
    chart->setTitle(picture.title);
    QFont titleFont = chart->titleFont();
    titleFont.setPointSizeF(titleFont.pointSizeF() * 1.3);
    titleFont.setBold(true);
    chart->setTitleFont(titleFont);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setBackgroundRoundness(0);

    auto* x = new QValueAxis(chart);
    x->setTitleText(picture.xTitle);
    auto* y = new QValueAxis(chart);
    y->setTitleText(picture.yTitle);
    chart->addAxis(x, Qt::AlignBottom);
    chart->addAxis(y, Qt::AlignLeft);

    double xLow = 1e300, xHigh = -1e300, yLow = 1e300, yHigh = -1e300;
    for (const ChartLine& line : picture.lines) {
        auto* series = new QLineSeries(chart);
        series->setName(line.name);
        QPen pen(line.color, line.width);
        pen.setStyle(line.style);
        series->setPen(pen);
        series->setPointsVisible(line.markers);
        if (line.markers) {
            series->setMarkerSize(5);
            series->setBrush(line.color);
        }
        series->replace(line.points);
        chart->addSeries(series);
        series->attachAxis(x);
        series->attachAxis(y);
        if (line.name.isEmpty()) {
            for (QLegendMarker* marker : chart->legend()->markers(series)) {
                marker->setVisible(false);
            }
        }
        for (const QPointF& p : line.points) {
            xLow = std::min(xLow, p.x());
            xHigh = std::max(xHigh, p.x());
            yLow = std::min(yLow, p.y());
            yHigh = std::max(yHigh, p.y());
        }
    }
    if (picture.xMax > picture.xMin) {
        xLow = picture.xMin;
        xHigh = picture.xMax;
    } else if (xLow > xHigh) {
        xLow = 0;
        xHigh = 1;
    }
    if (picture.yMax > picture.yMin) {
        yLow = picture.yMin;
        yHigh = picture.yMax;
    } else if (yLow > yHigh) {
        yLow = 0;
        yHigh = 1;
    }
    setEpochAxis(x, xLow, xHigh);

    const double margin = std::max((yHigh - yLow) * 0.06, 1e-3);
    const double step = roundAxisStep((yHigh - yLow + 2 * margin) / 4.0);
    const double low = std::max(picture.yFloor, std::floor((yLow - margin) / step) * step);
    const double high = std::min(picture.yCeiling, std::ceil((yHigh + margin) / step) * step);
    y->setRange(low, high);
    y->setTickCount(int(std::lround((high - low) / step)) + 1);
    y->setLabelFormat(picture.yFormat);
    return chart;
}

bool saveChartPng(const ChartPicture& picture, const QString& file, QString* error, QSize size,
                  qreal pixelRatio) {
    return savePicture(
        file, size, picture.title,
        [&picture](QPainter& painter, QSize area) { paintChart(picture, painter, area); }, error,
        pixelRatio);
}

bool saveChartSvg(const ChartPicture& picture, const QString& file, QString* error, QSize size) {
    return savePicture(
        file, size, picture.title,
        [&picture](QPainter& painter, QSize area) { paintChart(picture, painter, area); }, error);
}
