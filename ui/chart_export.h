#pragma once

#include <QColor>
#include <QPointF>
#include <QSize>
#include <QString>
#include <QVector>

class QChart;
class QValueAxis;

// A chart described as data, so the same picture is drawn on screen (the
// comparison view) and into files (PNG, SVG) at a size of its own, never the
// size some widget happens to have.
struct ChartLine {
    QString name;  // the legend entry; empty: kept out of the legend
    QVector<QPointF> points;
    QColor color;
    Qt::PenStyle style = Qt::SolidLine;
    qreal width = 2;
    bool markers = false;
};

struct ChartPicture {
    QString title;
    QString xTitle;
    QString yTitle;
    QVector<ChartLine> lines;
    // Axis ranges; an empty range is taken from the points.
    double xMin = 0, xMax = 0;
    double yMin = 0, yMax = 0;
    QString yFormat = "%.2f";
    double yFloor = 0;  // the axis never goes below or above these
    double yCeiling = 1e300;
};

// A new QChart (the caller owns it) showing `picture`.
QChart* buildChart(const ChartPicture& picture);

// The size an exported chart is laid out at, in logical pixels: wide enough
// for a blog column. A PNG has twice as many pixels each way (2x device
// pixel ratio), so it is sharp on a retina screen.
constexpr QSize kExportSize(800, 500);
constexpr qreal kExportPixelRatio = 2.0;

// Both throw nothing; false with `error` set when the file cannot be written.
// The format follows the file's suffix (see savePicture).
bool saveChartPng(const ChartPicture& picture, const QString& file, QString* error = nullptr,
                  QSize size = kExportSize, qreal pixelRatio = kExportPixelRatio);
bool saveChartSvg(const ChartPicture& picture, const QString& file, QString* error = nullptr,
                  QSize size = kExportSize);

// The smallest round step (1, 2, 2.5 or 5 times a power of ten) of at
// least `atLeast`: ticks a reader takes in at a glance.
double roundAxisStep(double atLeast);

// An epoch axis over [first, last]: ticks on whole epochs (about ten at
// most) anchored at 0, and a little room after `last`, where a run's last
// validation point sits, so the plot's edge does not cut it in half.
void setEpochAxis(QValueAxis* axis, double first, double last);

// A palette that tells up to eight runs apart, also in print.
QColor runColor(int index);
