// Training from the window: the worker thread, the live charts and progress,
// the run buttons, and closing mid-run. Uses the real MNIST files.

#include <QAction>
#include <QDir>
#include <QElapsedTimer>
#include <QFile>
#include <QLineSeries>
#include <QProgressBar>
#include <QRegularExpression>
#include <QTreeWidget>

#include "banner.h"
#include "charts_panel.h"
#include "experiment_document.h"
#include "layerlab/dataset.h"
#include "main_window.h"
#include "metric_chart.h"
#include "presets.h"
#include "runs_panel.h"
#include "training_controls_panel.h"
#include "training_worker.h"
#include "ui_test_support.h"

namespace {

// CPU training runs at about 1,000 samples/s on a small machine; these leave
// room for a loaded CI box.
constexpr int kFirstStepsTimeoutMs = 60000;
constexpr int kRunTimeoutMs = 180000;

layerlab::ExperimentSpec shortSeedRun(int64_t trainImages) {
    for (const Preset& preset : loadPresets()) {
        if (preset.fileName == kSeedPresetFile) {
            layerlab::ExperimentSpec spec = preset.spec;
            spec.training.trainLimit = trainImages;
            spec.training.validationLimit = 500;
            spec.training.epochs = 1;
            return spec;
        }
    }
    qFatal("the seed preset is not compiled in");
}

// Fails (never skips) the calling test when MNIST is not installed, listing
// where it was looked for.
QString missingMnistMessage() {
    if (layerlab::findDataset(layerlab::DatasetKind::Mnist, std::nullopt)) {
        return {};
    }
    QString message =
        "MNIST is not installed; the training tests need it. Put "
        "the four IDX files in one of:";
    for (const auto& dir : layerlab::datasetSearchPath(layerlab::DatasetKind::Mnist, {})) {
        message += "\n  " + QString::fromStdString(dir.string());
    }
    return message;
}

#define REQUIRE_MNIST()                                \
    do {                                               \
        const QString missing = missingMnistMessage(); \
        if (!missing.isEmpty())                        \
            QFAIL(qPrintable(missing));                \
    } while (false)

}  // namespace

class TrainingTest : public QObject {
    Q_OBJECT
private slots:
    void shortRunFillsChartsAndProgress();
    void pauseResumeStop();
    void runsListFollowsTheWindowsOwnRun();
    void closeWindowMidRun();
    void badDatasetShowsBanner();
};

void TrainingTest::shortRunFillsChartsAndProgress() {
    REQUIRE_MNIST();
    MainWindow window;
    window.show();
    window.document()->reset(shortSeedRun(2000), QString());
    QAction* start = window.controls()->startAction();
    QVERIFY(start->isEnabled());

    start->trigger();
    QVERIFY(window.worker()->isBusy());
    QVERIFY(!start->isEnabled());
    QVERIFY(window.document()->isLocked());

    MetricChart* loss = window.charts()->lossChart();
    QTRY_VERIFY_WITH_TIMEOUT(loss->trainPointCount() > 0, kFirstStepsTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(window.controls()->progressBar()->value() > 0, kFirstStepsTimeoutMs);
    QVERIFY(loss->rawSeries()->count() > 0);

    QTRY_VERIFY_WITH_TIMEOUT(!window.worker()->isBusy(), kRunTimeoutMs);
    // 2,000 images in batches of 64: 32 steps, and one validation point.
    QCOMPARE(loss->trainPointCount(), 32);
    QCOMPARE(window.charts()->accuracyChart()->trainPointCount(), 32);
    QCOMPARE(loss->validationPointCount(), 1);
    QCOMPARE(loss->validationSeries()->count(), 1);
    QCOMPARE(window.controls()->progressBar()->value(), 32);
    QVERIFY2(window.controls()->statusText().startsWith("Completed"),
             qPrintable(window.controls()->statusText()));
    // The finished run's own speed, not its last few seconds'.
    QVERIFY2(window.controls()->rateText().endsWith("samples/s over the run"),
             qPrintable(window.controls()->rateText()));
    QVERIFY(window.charts()->summaryText().contains("Epoch 1"));
    QVERIFY(!window.document()->isLocked());
    QVERIFY(start->isEnabled());
    QVERIFY(window.banner()->text().isEmpty());
}

void TrainingTest::pauseResumeStop() {
    REQUIRE_MNIST();
    MainWindow window;
    window.show();
    window.document()->reset(shortSeedRun(50000), QString());
    TrainingControlsPanel* controls = window.controls();
    MetricChart* loss = window.charts()->lossChart();

    controls->startAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(loss->trainPointCount() > 0, kFirstStepsTimeoutMs);

    controls->pauseAction()->trigger();
    QCOMPARE(window.worker()->state(), TrainingWorker::State::Paused);
    QCOMPARE(controls->pauseAction()->text(), QString("Resume"));
    // Steps already measured may still arrive; after that, nothing does.
    QTest::qWait(1000);
    const int pausedAt = loss->trainPointCount();
    QTest::qWait(1500);
    QCOMPARE(loss->trainPointCount(), pausedAt);

    controls->pauseAction()->trigger();
    QCOMPARE(window.worker()->state(), TrainingWorker::State::Running);
    QTRY_VERIFY_WITH_TIMEOUT(loss->trainPointCount() > pausedAt, kFirstStepsTimeoutMs);

    controls->stopAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!window.worker()->isBusy(), kFirstStepsTimeoutMs);
    QVERIFY2(controls->statusText().startsWith("Stopped"), qPrintable(controls->statusText()));
    QVERIFY(controls->startAction()->isEnabled());
    QVERIFY(loss->trainPointCount() < 50000 / 64);
}

void TrainingTest::runsListFollowsTheWindowsOwnRun() {
    REQUIRE_MNIST();
    MainWindow window;
    window.show();
    layerlab::ExperimentSpec spec = shortSeedRun(6400);
    spec.training.epochs = 3;
    window.document()->reset(spec, QString());
    window.controls()->startAction()->trigger();
    // Its row says how far it got at each epoch's end, not only at its end.
    const auto epochsColumn = [&window] {
        QTreeWidgetItem* row = window.runs()->list()->topLevelItem(0);
        return row != nullptr ? row->text(2) : QString();
    };
    QTRY_VERIFY_WITH_TIMEOUT(epochsColumn().contains(QRegularExpression("^[12]/3 running$")),
                             kRunTimeoutMs);
    QTRY_VERIFY_WITH_TIMEOUT(!window.worker()->isBusy(), kRunTimeoutMs);
    QTRY_COMPARE_WITH_TIMEOUT(epochsColumn(), QString("3/3"), 5000);
}

void TrainingTest::closeWindowMidRun() {
    REQUIRE_MNIST();
    auto* window = new MainWindow;
    window->show();
    window->document()->reset(shortSeedRun(50000), QString());
    window->controls()->startAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(window->charts()->lossChart()->trainPointCount() > 0,
                             kFirstStepsTimeoutMs);

    QElapsedTimer clock;
    clock.start();
    QVERIFY(window->close());
    QVERIFY(!window->worker()->isBusy());
    // One step and the trainer's teardown, not the rest of the epoch.
    QVERIFY2(clock.elapsed() < 10000, qPrintable(QString::number(clock.elapsed())));
    delete window;
}

void TrainingTest::badDatasetShowsBanner() {
    // $LAYERLAB_DATA is searched first: four files with the right names and
    // garbage inside. Loading fails on the worker thread with a DataError.
    QTemporaryDir data;
    QDir(data.path()).mkdir("mnist");
    for (const char* name : {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                             "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"}) {
        QFile file(data.filePath(QStringLiteral("mnist/") + name));
        QVERIFY(file.open(QIODevice::WriteOnly));
        file.write("not an IDX file");
    }
    const QByteArray previous = qgetenv("LAYERLAB_DATA");
    qputenv("LAYERLAB_DATA", data.path().toUtf8());

    MainWindow window;
    window.show();
    window.document()->reset(shortSeedRun(2000), QString());
    window.controls()->startAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!window.worker()->isBusy(), kFirstStepsTimeoutMs);
    qputenv("LAYERLAB_DATA", previous);

    QVERIFY2(window.banner()->text().contains("idx", Qt::CaseInsensitive),
             qPrintable(window.banner()->text()));
    QVERIFY2(window.controls()->statusText().startsWith("Failed"),
             qPrintable(window.controls()->statusText()));
    // The app stays usable: the next run can start.
    QVERIFY(window.controls()->startAction()->isEnabled());
    QVERIFY(!window.document()->isLocked());
}

LAYERLAB_UI_TEST_MAIN(TrainingTest)
#include "training_test.moc"
