// Start, stop and reset many times in a row, then close mid-run: the window
// survives every one and keeps its memory. Uses the real MNIST files.

#include <malloc.h>

#include <QAction>
#include <QElapsedTimer>
#include <algorithm>
#include <cstdio>
#include <optional>
#include <vector>

#include "charts_panel.h"
#include "experiment_document.h"
#include "layerlab/dataset.h"
#include "main_window.h"
#include "metric_chart.h"
#include "presets.h"
#include "training_controls_panel.h"
#include "training_worker.h"
#include "ui_test_support.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
// Sanitizers replace malloc and keep freed memory in quarantine: glibc's
// figures say nothing there (LeakSanitizer checks for leaks instead).
constexpr bool kMeasureMemory = false;
#else
constexpr bool kMeasureMemory = true;
#endif

namespace {

// Start/stop/reset cycles; LAYERLAB_STRESS_CYCLES lowers it for slow
// sanitizer builds, where finding a race needs interleavings, not volume.
int cycleCount() {
    const int fromEnvironment = qEnvironmentVariableIntValue("LAYERLAB_STRESS_CYCLES");
    return fromEnvironment > 0 ? fromEnvironment : 50;
}

// Memory still allocated after the warm-up cycles may differ by this much:
// chart points and Qt's caches settle, so more would be a leak of about
// 2 MB per run (the seed network's weights are 13 MB).
constexpr double kAllowedGrowthMb = 8.0;
constexpr int kWarmUpCycles = 10;
// The worker keeps the last run's weights for the drawing canvas (13 MB)
// until the next start; whether a cycle ends holding them depends on how far
// its run got before the stop, which a loaded machine shifts. So readings
// are compared only between cycles that end in the same state.
constexpr int kStepTimeoutMs = 60000;
constexpr int kIdleTimeoutMs = 60000;

// Bytes handed out by malloc, in every arena and in mmapped blocks. Resident
// pages would also count what the allocator keeps for reuse: a worker
// thread's arena keeps its top chunk after malloc_trim, which swung RSS by
// 13-25 MB between cycles with no growth over 150 of them.
double allocatedMb() {
    const struct mallinfo2 info = mallinfo2();
    return double(info.uordblks + info.hblkhd) / (1024.0 * 1024.0);
}

struct Reading {
    double allocatedMb;
    bool holdsRunWeights;
};

// The least allocation among readings [first, end) that hold (or not) the
// last run's weights; nullopt when none is in that state.
std::optional<double> leastOf(const std::vector<Reading>& readings, std::size_t first,
                              std::size_t end, bool holdsRunWeights) {
    std::optional<double> least;
    for (std::size_t i = first; i < end; ++i) {
        if (readings[i].holdsRunWeights == holdsRunWeights) {
            least = std::min(least.value_or(readings[i].allocatedMb), readings[i].allocatedMb);
        }
    }
    return least;
}

layerlab::ExperimentSpec seedRun() {
    for (const Preset& preset : loadPresets()) {
        if (preset.fileName == kSeedPresetFile) {
            layerlab::ExperimentSpec spec = preset.spec;
            spec.training.trainLimit = 50000;
            spec.training.validationLimit = 500;
            spec.training.epochs = 1;
            spec.training.threads = 1;
            return spec;
        }
    }
    qFatal("the seed preset is not compiled in");
}

}  // namespace

class WorkerStressTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void startStopResetRepeatedly();
    void closeWhileLoading();

private:
    // One cycle: start, stop at a moment that depends on `cycle` (while the
    // dataset loads, after the first steps, or while paused), wait until
    // idle, and reset the experiment as File > New does.
    void cycle(MainWindow& window, int cycle);
};

void WorkerStressTest::initTestCase() {
    QVERIFY2(layerlab::findDataset(layerlab::DatasetKind::Mnist, std::nullopt),
             "MNIST is not installed; run scripts/fetch-data");
}

void WorkerStressTest::cycle(MainWindow& window, int cycle) {
    QAction* start = window.controls()->startAction();
    QVERIFY2(start->isEnabled(), qPrintable(QString("cycle %1").arg(cycle)));
    start->trigger();
    QVERIFY(window.worker()->isBusy());
    switch (cycle % 3) {
        case 0:  // stop at once, usually before the first step
            break;
        case 1:  // stop mid-epoch
            QTRY_VERIFY_WITH_TIMEOUT(window.charts()->lossChart()->trainPointCount() > 0,
                                     kStepTimeoutMs);
            break;
        case 2:  // pause, then stop the paused run
            QTRY_VERIFY_WITH_TIMEOUT(window.charts()->lossChart()->trainPointCount() > 0,
                                     kStepTimeoutMs);
            window.controls()->pauseAction()->trigger();
            QCOMPARE(window.worker()->state(), TrainingWorker::State::Paused);
            break;
    }
    window.controls()->stopAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!window.worker()->isBusy(), kIdleTimeoutMs);
    window.document()->reset(seedRun(), QString());
}

void WorkerStressTest::startStopResetRepeatedly() {
    MainWindow window;
    window.show();
    window.document()->reset(seedRun(), QString());
    // Warm-up: the dataset cache (MNIST, ~55 MB), LibTorch's and Qt's
    // one-time allocations, and glibc raising its mmap threshold once large
    // blocks have been freed (a one-time step of tens of MB, seen within the
    // first cycles). A leak would instead grow with every cycle measured.
    for (int i = 0; i < kWarmUpCycles; ++i) {
        cycle(window, i);
        if (QTest::currentTestFailed()) {
            return;
        }
    }
    const int cycles = std::max(cycleCount(), 2);
    std::vector<Reading> readings;
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < cycles; ++i) {
        cycle(window, i);
        if (QTest::currentTestFailed()) {
            return;
        }
        readings.push_back({allocatedMb(), window.worker()->latestWeights() != nullptr});
    }
    // The first half against the second, like with like.
    const std::size_t half = readings.size() / 2;
    std::optional<double> before;
    std::optional<double> after;
    for (const bool holds : {false, true}) {
        if (!before || !after) {
            before = leastOf(readings, 0, half, holds);
            after = leastOf(readings, half, readings.size(), holds);
        }
    }
    std::printf("%d start/stop/reset cycles in %.1f s; allocated memory %.1f -> %.1f MB\n", cycles,
                double(clock.elapsed()) / 1000.0, before.value_or(0), after.value_or(0));
    if (kMeasureMemory) {
        QVERIFY2(before && after,
                 "no state of the kept weights came up in both halves of the cycles");
        QVERIFY2(*after - *before < kAllowedGrowthMb,
                 qPrintable(QString("memory grew by %1 MB").arg(*after - *before)));
    }

    // And the last run is closed mid-epoch, as a user quits.
    window.controls()->startAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(window.charts()->lossChart()->trainPointCount() > 0, kStepTimeoutMs);
    QVERIFY(window.close());
    QVERIFY(!window.worker()->isBusy());
}

void WorkerStressTest::closeWhileLoading() {
    // A fresh worker loads MNIST on its thread first: closing then must
    // neither wait for a whole epoch nor leave the thread running.
    auto* window = new MainWindow;
    window->show();
    window->document()->reset(seedRun(), QString());
    window->controls()->startAction()->trigger();
    QVERIFY(window->close());
    QVERIFY(!window->worker()->isBusy());
    delete window;
}

LAYERLAB_UI_TEST_MAIN(WorkerStressTest)
#include "worker_stress_test.moc"
