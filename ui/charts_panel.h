#pragma once

#include <QElapsedTimer>
#include <QString>
#include <QWidget>
#include <vector>

#include "layerlab/trainer.h"

class QBoxLayout;
class QLabel;
class QTimer;
class QToolButton;
class MetricChart;
struct RunRecord;

// Loss and accuracy of the run in progress (or the last one), with the
// numbers a blog post quotes above them. Fed by the training worker's
// signals, which arrive at most ten times a second; each batch of steps is
// one refresh of each chart.
class ChartsPanel : public QWidget {
    Q_OBJECT
public:
    explicit ChartsPanel(QWidget* parent = nullptr);

    MetricChart* lossChart() const { return m_loss; }
    MetricChart* accuracyChart() const { return m_accuracy; }
    QToolButton* smoothedButton() const { return m_smoothedButton; }
    QToolButton* rawButton() const { return m_rawButton; }
    QString summaryText() const;

    void startRun(const layerlab::RunStart& start);
    void addSteps(const std::vector<layerlab::StepMetrics>& steps);
    void addEpoch(const layerlab::EpochMetrics& epoch);
    void setSmoothed(bool smoothed);
    // A run folder's curves (a run opened from the Runs panel), until the
    // next run starts.
    void showRun(const RunRecord& run);
    // The folder of the run the charts show, which Export reads.
    void setRunDirectory(const QString& directory);
    // Writes the shown run's loss (or accuracy) chart as a blog-sized PNG or
    // SVG, by the file's suffix, drawn from its run folder. False with
    // `error` naming the file or the run when it cannot.
    bool exportChart(const QString& file, bool accuracy, QString* error = nullptr) const;
    QToolButton* exportButton() const { return m_exportButton; }

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    void redrawSteps();

    MetricChart* m_loss;
    MetricChart* m_accuracy;
    QElapsedTimer m_sinceRedraw;
    QTimer* m_pendingRedraw;
    QBoxLayout* m_charts;
    QLabel* m_summary;
    QToolButton* m_rawButton;
    QToolButton* m_smoothedButton;
    QToolButton* m_exportButton;
    QString m_runDirectory;
};
