#pragma once

#include <QPointer>
#include <QStringList>
#include <QThread>
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

    // The blog bundle of the runs shown, into `directory`: the validation
    // passes run on a thread of their own (seconds per run), the files are
    // then written here; the Export button is disabled meanwhile.
    // bundleExported tells the outcome; false when an export is going on.
    bool exportBundleInto(const QString& directory);

signals:
    void notice(const QString& message);
    void bundleExported(bool written);

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
    QPointer<QThread> m_exportThread;  // validating runs for a bundle
};
