#include "metric_chart.h"

#include "chart_export.h"

#include <QCursor>
#include <QLineSeries>
#include <QToolTip>
#include <QValueAxis>
#include <algorithm>
#include <cmath>
#include <utility>

namespace {

// Buckets drawn per series: one per pixel column the points span (two
// points each, the bucket's min and max), within these bounds. More points
// per column look the same and cost the GUI thread: stroking the lines is
// most of its time while training, time taken from the training threads
// when they keep every core busy.
constexpr int kMinDrawnBuckets = 100;
constexpr int kMaxDrawnBuckets = 2000;
// 0.95 averages over roughly the last 20 steps: it shows the trend through
// batch-to-batch noise without lagging an epoch behind.
constexpr double kSmoothing = 0.95;

const QColor kTrainColor(33, 101, 192);
const QColor kValidationColor(230, 110, 20);

}  // namespace

MetricChart::MetricChart(const QString& title, bool percent, QWidget* parent)
    : QChartView(parent), m_percent(percent) {
    auto* chart = new QChart;
    chart->setTitle(title);
    chart->setAnimationOptions(QChart::NoAnimation);
    chart->legend()->setAlignment(Qt::AlignBottom);
    chart->setMargins(QMargins(4, 4, 4, 4));

    m_rawSeries = new QLineSeries(chart);
    // Short names: at 1366x768 a chart is ~250 px wide and longer ones were cut.
    m_rawSeries->setName(tr("train"));
    m_smoothedSeries = new QLineSeries(chart);
    m_smoothedSeries->setName(tr("smoothed"));
    m_validationSeries = new QLineSeries(chart);
    m_validationSeries->setName(tr("validation"));
    m_validationSeries->setPointsVisible(true);
    m_validationSeries->setMarkerSize(8);

    m_smoothedSeries->setPen(QPen(kTrainColor, 2));
    m_validationSeries->setPen(QPen(kValidationColor, 2));
    m_validationSeries->setBrush(kValidationColor);

    m_xAxis = new QValueAxis(chart);
    m_xAxis->setTitleText(tr("epoch"));
    m_xAxis->setLabelFormat("%.1f");
    m_yAxis = new QValueAxis(chart);
    m_yAxis->setLabelFormat(percent ? "%.0f%%" : "%.2f");
    chart->addAxis(m_xAxis, Qt::AlignBottom);
    chart->addAxis(m_yAxis, Qt::AlignLeft);
    for (QLineSeries* series : {m_rawSeries, m_smoothedSeries, m_validationSeries}) {
        chart->addSeries(series);
        series->attachAxis(m_xAxis);
        series->attachAxis(m_yAxis);
    }

    connect(m_rawSeries, &QLineSeries::hovered, this, [this](const QPointF& point, bool on) {
        on ? showTooltip(point, false) : QToolTip::hideText();
    });
    connect(m_smoothedSeries, &QLineSeries::hovered, this, [this](const QPointF& point, bool on) {
        on ? showTooltip(point, false) : QToolTip::hideText();
    });
    connect(m_validationSeries, &QLineSeries::hovered, this, [this](const QPointF& point, bool on) {
        on ? showTooltip(point, true) : QToolTip::hideText();
    });

    setChart(chart);
    setRenderHint(QPainter::Antialiasing);
    setMinimumSize(260, 200);
    setSmoothed(true);
    reset(1, 1);
}

void MetricChart::reset(int epochs, int64_t stepsPerEpoch) {
    m_epochs = std::max(1, epochs);
    m_stepsPerEpoch = std::max<int64_t>(1, stepsPerEpoch);
    m_ema = 0;
    m_emaWeight = 0;
    m_raw.clear();
    m_smooth.clear();
    m_validation.clear();
    // A whole run's points, reserved once, so appending never reallocates.
    const qsizetype total = qsizetype(m_epochs) * qsizetype(m_stepsPerEpoch);
    m_raw.reserve(total);
    m_smooth.reserve(total);
    m_minY = m_percent ? 100.0 : 0.0;
    m_maxY = m_percent ? 100.0 : 0.0;
    m_repaintWhole = true;
    refresh();
}

void MetricChart::appendStep(int64_t step, double value) {
    if (!std::isfinite(value)) {
        return;  // A NaN loss ends the run; the banner says so, the chart need not.
    }
    const double x = double(step) / double(m_stepsPerEpoch);
    const double y = shown(value);
    m_ema = kSmoothing * m_ema + (1 - kSmoothing) * y;
    m_emaWeight = kSmoothing * m_emaWeight + (1 - kSmoothing);
    m_raw.append(QPointF(x, y));
    m_smooth.append(QPointF(x, m_ema / m_emaWeight));
}

void MetricChart::appendValidation(int epoch, double value) {
    if (std::isfinite(value)) {
        m_validation.append(QPointF(epoch, shown(value)));
        m_repaintWhole = true;
    }
}

void MetricChart::setSmoothed(bool smoothed) {
    m_smoothed = smoothed;
    m_smoothedSeries->setVisible(smoothed);
    // Behind the smoothed line the raw values stay as a faint band, so the
    // noise is still there to see.
    QColor raw = kTrainColor;
    raw.setAlpha(smoothed ? 60 : 255);
    m_rawSeries->setPen(QPen(raw, smoothed ? 1 : 1.5));
}

int MetricChart::drawnBuckets(const QVector<QPointF>& source) const {
    const double axisSpan = m_xAxis->max() - m_xAxis->min();
    const double dataSpan = source.isEmpty() ? 0.0 : source.back().x() - source.front().x();
    const double columns =
        axisSpan > 0 ? chart()->plotArea().width() * std::min(1.0, dataSpan / axisSpan) : 0.0;
    return std::clamp(int(columns), kMinDrawnBuckets, kMaxDrawnBuckets);
}

void MetricChart::decimate(const QVector<QPointF>& source, QVector<QPointF>& drawn) const {
    drawn.clear();
    const qsizetype count = source.size();
    const int buckets = drawnBuckets(source);
    if (count <= 2 * buckets) {
        drawn = source;
        return;
    }
    const qsizetype bucket = (count + buckets - 1) / buckets;
    drawn.reserve(2 * buckets + 1);
    for (qsizetype begin = 0; begin < count; begin += bucket) {
        const qsizetype end = std::min(count, begin + bucket);
        const auto [low, high] =
            std::minmax_element(source.begin() + begin, source.begin() + end,
                                [](const QPointF& a, const QPointF& b) { return a.y() < b.y(); });
        // In x order, so the line does not double back.
        if (low->x() < high->x()) {
            drawn.append(*low);
            drawn.append(*high);
        } else {
            drawn.append(*high);
            drawn.append(*low);
        }
    }
    drawn.append(source.back());
}

void MetricChart::resizeEvent(QResizeEvent* event) {
    QChartView::resizeEvent(event);
    // The buckets follow the width; the axes keep their range.
    redrawTrainingLines();
}

void MetricChart::redrawTrainingLines() {
    decimate(m_raw, m_rawDrawn);
    decimate(m_smooth, m_smoothDrawn);
    m_rawSeries->replace(m_rawDrawn);
    m_smoothedSeries->replace(m_smoothDrawn);
}

void MetricChart::refresh() {
    redrawTrainingLines();
    m_validationSeries->replace(m_validation);

    // Rescale to what is on screen: the raw band when it shows in full,
    // otherwise the smoothed line, and the validation points always.
    const QVector<QPointF>& scaled = m_smoothed ? m_smooth : m_raw;
    double low = m_percent ? 100.0 : 1e300;
    double high = m_percent ? 0.0 : -1e300;
    for (const QVector<QPointF>* points :
         {&scaled, static_cast<const QVector<QPointF>*>(&m_validation)}) {
        for (const QPointF& point : *points) {
            low = std::min(low, point.y());
            high = std::max(high, point.y());
        }
    }
    if (low > high) {
        low = 0;
        high = m_percent ? 100.0 : 1.0;
    }
    const double margin = std::max((high - low) * 0.08, m_percent ? 0.5 : 1e-3);
    low -= margin;
    high += margin;
    if (m_percent) {
        low = std::max(0.0, low);
        high = std::min(100.0, high);
    } else {
        low = std::max(0.0, low);
    }
    // Ticks on round values (0.5, 1.0, 1.5), about four intervals, with the
    // range widened only to the next tick. QValueAxis::applyNiceNumbers()
    // may double the range, which flattens a falling loss.
    const double step = roundAxisStep((high - low) / 4.0);
    low = std::floor(low / step + 1e-9) * step;
    high = std::ceil(high / step - 1e-9) * step;
    if (m_percent) {
        high = std::min(high, 100.0);
    }
    m_yAxis->setRange(low, high);
    m_yAxis->setTickCount(int(std::lround((high - low) / step)) + 1);
    if (m_percent) {
        m_yAxis->setLabelFormat(step < 1 ? "%.1f%%" : "%.0f%%");
    } else {
        m_yAxis->setLabelFormat(step < 0.1 ? "%.3f" : "%.2f");
    }
    setEpochAxis(m_xAxis, 0, m_epochs);
    // The view repaints only the regions the series report as changed, and
    // those leave out the validation markers' overhang: a new last dot was
    // drawn cut at its right, and a new run kept slivers of the old dots. A
    // whole repaint now and then (each epoch, each new run) costs little.
    if (std::exchange(m_repaintWhole, false)) {
        viewport()->update();
    }
}

void MetricChart::showTooltip(const QPointF& point, bool validation) {
    const QString unit = m_percent ? QStringLiteral("%") : QString();
    const int decimals = m_percent ? 2 : 4;
    QString text;
    if (validation) {
        text = tr("epoch %1 · validation\n%2%3")
                   .arg(qRound(point.x()))
                   .arg(point.y(), 0, 'f', decimals)
                   .arg(unit);
    } else if (!m_raw.isEmpty()) {
        // The hovered point may be a decimated one; report the nearest step.
        const auto it = std::lower_bound(m_raw.begin(), m_raw.end(), point.x(),
                                         [](const QPointF& p, double x) { return p.x() < x; });
        const qsizetype index = std::min<qsizetype>(it - m_raw.begin(), m_raw.size() - 1);
        const QPointF raw = m_raw[index];
        text = tr("step %1 · epoch %2\n%3%4 (smoothed %5%6)")
                   .arg(qRound64(raw.x() * double(m_stepsPerEpoch)))
                   .arg(raw.x(), 0, 'f', 2)
                   .arg(raw.y(), 0, 'f', decimals)
                   .arg(unit)
                   .arg(m_smooth[index].y(), 0, 'f', decimals)
                   .arg(unit);
    }
    QToolTip::showText(QCursor::pos(), text, this);
}
