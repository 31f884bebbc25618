#pragma once

#include <QChartView>
#include <QPointF>
#include <QVector>

class QLineSeries;
class QValueAxis;

// One live chart: a training metric per step (raw and smoothed) against the
// same metric on the validation set per epoch. X is in epochs, so a
// validation point sits at the end of the steps it was measured after.
//
// Points are kept in full in member buffers; refresh() hands each series a
// decimated copy with one replace() call. Redrawing 17,000 raw points ten
// times a second is what makes a chart stutter; two points per pixel column
// the points span (the bucket's min and max) draw the same picture.
class MetricChart : public QChartView {
    Q_OBJECT
public:
    // `percent`: values are fractions shown as 0–100 %.
    MetricChart(const QString& title, bool percent, QWidget* parent = nullptr);

    void reset(int epochs, int64_t stepsPerEpoch);
    void appendStep(int64_t step, double value);
    void appendValidation(int epoch, double value);
    void setSmoothed(bool smoothed);
    // Pushes the buffers to the series and rescales the axes.
    void refresh();

    int trainPointCount() const { return int(m_raw.size()); }
    int validationPointCount() const { return int(m_validation.size()); }
    QLineSeries* rawSeries() const { return m_rawSeries; }
    QLineSeries* smoothedSeries() const { return m_smoothedSeries; }
    QLineSeries* validationSeries() const { return m_validationSeries; }
    QValueAxis* xAxis() const { return m_xAxis; }
    QValueAxis* yAxis() const { return m_yAxis; }

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    int drawnBuckets(const QVector<QPointF>& source) const;
    void redrawTrainingLines();
    void decimate(const QVector<QPointF>& source, QVector<QPointF>& drawn) const;
    void showTooltip(const QPointF& point, bool validation);
    double shown(double value) const { return m_percent ? value * 100.0 : value; }

    bool m_percent;
    bool m_smoothed = true;
    int64_t m_stepsPerEpoch = 1;
    int m_epochs = 1;
    // Exponential moving average of the raw values, bias-corrected so the
    // first steps are not pulled towards zero.
    double m_ema = 0;
    double m_emaWeight = 0;

    QVector<QPointF> m_raw;
    QVector<QPointF> m_smooth;
    QVector<QPointF> m_validation;
    QVector<QPointF> m_rawDrawn;
    QVector<QPointF> m_smoothDrawn;
    double m_minY = 0;
    // Set by what partial repaints draw badly; see refresh().
    bool m_repaintWhole = false;
    double m_maxY = 0;

    QLineSeries* m_rawSeries;
    QLineSeries* m_smoothedSeries;
    QLineSeries* m_validationSeries;
    QValueAxis* m_xAxis;
    QValueAxis* m_yAxis;
};
