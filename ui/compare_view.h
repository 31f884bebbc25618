#pragma once

#include <QStringList>
#include <QVector>
#include <QWidget>
#include <memory>

#include "run_history.h"

class QBoxLayout;
class QChartView;
class QLabel;
class QPushButton;
class QTableWidget;
class QTimer;

// One or more run folders side by side: loss and accuracy overlaid (one
// legend entry per run) and a table of final metrics with each run's
// difference to the first. Runs that are still being written, by this app
// or by layerlab-cli elsewhere, are followed: a timer reads what was
// appended to their metrics.csv and redraws only when something was.
class CompareView : public QWidget {
    Q_OBJECT
public:
    explicit CompareView(QWidget* parent = nullptr);
    ~CompareView() override;

    void showRuns(const QStringList& directories);
    QStringList directories() const;
    QVector<RunRecord> records() const;

    // Re-reads the runs now (the timer does it every second).
    void poll();

    QChartView* lossView() const { return m_lossView; }
    QChartView* accuracyView() const { return m_accuracyView; }
    QTableWidget* table() const { return m_table; }
    QPushButton* exportButton() const { return m_exportButton; }

signals:
    void notice(const QString& message);

protected:
    // The two charts side by side when there is room, else one above the
    // other: the dock shares a narrow bottom row on a laptop screen.
    void resizeEvent(QResizeEvent* event) override;

private:
    void redraw();
    void exportBundleTo();

    std::vector<std::unique_ptr<RunReader>> m_readers;
    QChartView* m_lossView;
    QChartView* m_accuracyView;
    QBoxLayout* m_charts;
    QTableWidget* m_table;
    QLabel* m_status;
    QPushButton* m_exportButton;
    QTimer* m_followTimer;
};
