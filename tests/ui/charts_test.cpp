// The live charts fed the way the worker feeds them, at full run size.

#include <QApplication>
#include <QChart>
#include <QLineSeries>
#include <QToolButton>
#include <QValueAxis>

#include "charts_panel.h"
#include "metric_chart.h"
#include "run_history.h"
#include "ui_test_support.h"

namespace {

// The seed run at twenty epochs: 55,000 images in batches of 64.
constexpr int kEpochs = 20;
constexpr int kStepsPerEpoch = 860;
// What one 100 ms drain of the worker's buffer carries at ~1,300 samples/s.
constexpr int kStepsPerDrain = 3;

layerlab::RunStart seedRunStart() {
    layerlab::RunStart start;
    start.deviceName = "CPU (test)";
    start.epochs = kEpochs;
    start.stepsPerEpoch = kStepsPerEpoch;
    start.totalSteps = int64_t(kEpochs) * kStepsPerEpoch;
    start.trainSamples = 55000;
    start.validationSamples = 10000;
    return start;
}

layerlab::StepMetrics stepAt(int64_t step) {
    layerlab::StepMetrics metrics;
    metrics.step = step;
    metrics.epoch = int((step - 1) / kStepsPerEpoch) + 1;
    // A falling, noisy loss and a rising accuracy, like a real run.
    metrics.loss = 2.3 / (1.0 + step / 200.0) + 0.05 * ((step * 7919) % 13) / 13.0;
    metrics.accuracy = 1.0 - 0.9 / (1.0 + step / 150.0);
    return metrics;
}

}  // namespace

class ChartsTest : public QObject {
    Q_OBJECT
private slots:
    void fullRunKeepsEveryPointAndDecimates();
    void rawAndSmoothedSwitch();
    void stepsBetweenRedrawsAreDrawnSoonAfter();
    void openedRunSaysHowItEnded();
};

void ChartsTest::fullRunKeepsEveryPointAndDecimates() {
    ChartsPanel panel;
    panel.resize(1200, 700);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    const int widthBeforeTheRun = panel.minimumSizeHint().width();
    panel.startRun(seedRunStart());

    // Feed the last quarter of the run (where each refresh is dearest) a
    // drain at a time, repainting as the event loop would. How long that
    // takes is the benchmark's to measure, not a test's to assert.
    std::vector<layerlab::StepMetrics> batch;
    for (int64_t step = 1; step <= kEpochs * kStepsPerEpoch * 3 / 4; ++step) {
        batch.push_back(stepAt(step));
    }
    panel.addSteps(batch);
    for (int64_t step = kEpochs * kStepsPerEpoch * 3 / 4 + 1; step <= kEpochs * kStepsPerEpoch;
         step += kStepsPerDrain) {
        batch.clear();
        for (int64_t s = step; s < step + kStepsPerDrain && s <= kEpochs * kStepsPerEpoch; ++s) {
            batch.push_back(stepAt(s));
        }
        panel.addSteps(batch);
        if ((step / kStepsPerDrain) % 100 == 0) {
            panel.repaint();
        }
    }
    QCOMPARE(panel.lossChart()->trainPointCount(), kEpochs * kStepsPerEpoch);
    // Drawn points are decimated: a few per pixel column, not 17,200.
    QVERIFY2(panel.lossChart()->rawSeries()->count() < 3000,
             qPrintable(QString::number(panel.lossChart()->rawSeries()->count())));

    layerlab::EpochMetrics epoch;
    epoch.epoch = kEpochs;
    epoch.validationLoss = 0.04;
    epoch.validationAccuracy = 0.987;
    epoch.trainLoss = 0.05;
    epoch.samplesPerSecond = 2864;
    panel.addEpoch(epoch);
    QCOMPARE(panel.lossChart()->validationSeries()->count(), 1);
    QVERIFY(panel.summaryText().contains("98.7%"));
    // The epoch line wraps rather than setting the panel's (and so the
    // window's) minimum width: unwrapped, it pushed the window past a
    // 1366-pixel screen at the end of a run.
    QApplication::processEvents();  // the layout takes the new text
    QCOMPARE(panel.minimumSizeHint().width(), widthBeforeTheRun);
    // Ticks on whole epochs, ten at most (20 epochs: every second one), and
    // the last epoch's dot is drawn whole: the plot area holds its marker.
    QCOMPARE(panel.lossChart()->xAxis()->tickInterval(), 2.0);
    QApplication::processEvents();
    QChart* chart = panel.lossChart()->chart();
    QLineSeries* validation = panel.lossChart()->validationSeries();
    const QPointF dot = chart->mapToPosition(validation->at(0), validation);
    const qreal radius = validation->markerSize() / 2;
    QVERIFY2(chart->plotArea().contains(
                 QRectF(dot - QPointF(radius, radius), QSizeF(2 * radius, 2 * radius))),
             qPrintable(QString("dot at %1, plot area right edge %2")
                            .arg(dot.x())
                            .arg(chart->plotArea().right())));
}

void ChartsTest::rawAndSmoothedSwitch() {
    ChartsPanel panel;
    panel.show();
    panel.startRun(seedRunStart());
    std::vector<layerlab::StepMetrics> batch;
    for (int64_t step = 1; step <= 200; ++step) {
        batch.push_back(stepAt(step));
    }
    panel.addSteps(batch);
    QVERIFY(panel.lossChart()->smoothedSeries()->isVisible());

    QTest::mouseClick(panel.rawButton(), Qt::LeftButton);
    QVERIFY(!panel.lossChart()->smoothedSeries()->isVisible());
    QVERIFY(panel.lossChart()->rawSeries()->isVisible());
    QCOMPARE(panel.lossChart()->rawSeries()->count(), 200);

    QTest::mouseClick(panel.smoothedButton(), Qt::LeftButton);
    QVERIFY(panel.accuracyChart()->smoothedSeries()->isVisible());
    // The smoothed line lags the raw one on a rising curve, never leads it.
    const QPointF lastRaw = panel.accuracyChart()->rawSeries()->at(199);
    const QPointF lastSmooth = panel.accuracyChart()->smoothedSeries()->at(199);
    QVERIFY(lastSmooth.y() <= lastRaw.y() + 1e-9);
}

void ChartsTest::stepsBetweenRedrawsAreDrawnSoonAfter() {
    ChartsPanel panel;
    panel.resize(1200, 700);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    panel.startRun(seedRunStart());
    panel.addSteps({stepAt(1), stepAt(2)});
    const int drawn = panel.lossChart()->rawSeries()->count();
    QVERIFY(drawn > 0);
    // Delivered right after a redraw: they wait for the next one, which
    // comes by itself even if no further steps arrive.
    std::vector<layerlab::StepMetrics> more;
    for (int64_t step = 3; step <= 40; ++step) {
        more.push_back(stepAt(step));
    }
    panel.addSteps(more);
    QTRY_VERIFY_WITH_TIMEOUT(panel.lossChart()->rawSeries()->count() > drawn, 2000);
}

void ChartsTest::openedRunSaysHowItEnded() {
    ChartsPanel panel;
    RunRecord run;
    run.name = "seed-dropout";
    run.epochsPlanned = 5;
    run.epochsDone = 2;
    run.validationAccuracy = 0.95;
    // A run to resume, not a result to quote: the header says so.
    for (const QString outcome : {"interrupted", "stopped", "failed"}) {
        run.outcome = outcome;
        panel.showRun(run);
        QVERIFY2(panel.summaryText().contains("<b>" + outcome + "</b>"),
                 qPrintable(panel.summaryText()));
    }
    run.outcome.clear();  // no summary yet: another process is training it
    panel.showRun(run);
    QVERIFY2(panel.summaryText().contains("running"), qPrintable(panel.summaryText()));
    run.outcome = "completed";
    run.epochsDone = 5;
    panel.showRun(run);
    QVERIFY2(panel.summaryText().endsWith("<b>95.0%</b>"), qPrintable(panel.summaryText()));
}

LAYERLAB_UI_TEST_MAIN(ChartsTest)
#include "charts_test.moc"
