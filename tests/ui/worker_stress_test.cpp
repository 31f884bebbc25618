// Start, stop and reset many times in a row, then close mid-run: the window
// survives every one and keeps its memory. Uses the real MNIST files.

#include <malloc.h>
#include <unistd.h>

#include <QAction>
#include <QElapsedTimer>
#include <QFile>
#include <cstdio>

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
// Sanitizers keep freed memory in quarantine and shadow it: RSS says nothing
// about leaks there (LeakSanitizer checks those instead).
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

// Memory the process may keep after the warm-up cycles: chart points and
// Qt's caches settle, so the rest would be a leak of about 2 MB per run
// (the seed network's weights are 13 MB).
constexpr double kAllowedGrowthMb = 8.0;
constexpr int kWarmUpCycles = 10;
constexpr int kStepTimeoutMs = 60000;
constexpr int kIdleTimeoutMs = 60000;

double residentMb() {
    // Freed blocks the allocator keeps for reuse are not a leak.
    malloc_trim(0);
    QFile statm("/proc/self/statm");
    if (!statm.open(QIODevice::ReadOnly)) {
        return 0;
    }
    const QList<QByteArray> fields = statm.readAll().split(' ');
    return fields.value(1).toDouble() * double(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
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
    const double before = residentMb();
    const int cycles = cycleCount();
    QElapsedTimer clock;
    clock.start();
    for (int i = 0; i < cycles; ++i) {
        cycle(window, i);
        if (QTest::currentTestFailed()) {
            return;
        }
    }
    const double after = residentMb();
    std::printf("%d start/stop/reset cycles in %.1f s; resident memory %.1f -> %.1f MB\n", cycles,
                double(clock.elapsed()) / 1000.0, before, after);
    if (kMeasureMemory) {
        QVERIFY2(after - before < kAllowedGrowthMb,
                 qPrintable(QString("memory grew by %1 MB").arg(after - before)));
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
