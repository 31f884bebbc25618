// The blog bundle: charts, tables and files a post is written from, from
// the window's Export and from `layerlab --export` without one.

#include <QFile>
#include <QImage>
#include <QTemporaryDir>

#include "chart_export.h"
#include "layerlab/run_recorder.h"
#include "run_export.h"
#include "run_folders.h"
#include "run_history.h"
#include "ui_test_support.h"

using namespace layerlab_test;

class RunExportTest : public QObject {
    Q_OBJECT
private slots:
    void exportWritesSvgWithLegendAndAxesAndRetinaPng();
    void headlessExportWritesTheBundle();
    void bundleOfARunWithoutAnEpochSaysWhatItAskedFor();
};

void RunExportTest::exportWritesSvgWithLegendAndAxesAndRetinaPng() {
    QTemporaryDir dir;
    RunReader a(writeRun(dir.path(), "with-dropout", 3, 0.97));
    RunReader b(writeRun(dir.path(), "without-dropout", 3, 0.96));
    a.update();
    b.update();
    const QString out = dir.path() + "/bundle";
    QString error;
    QVERIFY2(exportBundle({a.record(), b.record()}, out, &error), qPrintable(error));

    // The PNG is laid out at 800x500 whatever any widget's size, at 2x.
    const QImage png(out + "/accuracy.png");
    QCOMPARE(png.size(), kExportSize * 2);
    QCOMPARE(QImage(out + "/loss.png").size(), QSize(1600, 1000));

    const QString svg = readAll(out + "/loss.svg");
    for (const char* text : {"with-dropout", "without-dropout", "epoch", "cross-entropy loss",
                             "Loss (solid: training, dashed: validation)"}) {
        QVERIFY2(svg.contains(text), text);
    }
    QVERIFY(readAll(out + "/accuracy.svg").contains("accuracy (%)"));

    // Runs of one epoch have a validation dot each, no dashed line.
    RunReader c(writeRun(dir.path(), "one-epoch", 1, 0.9));
    RunReader d(writeRun(dir.path(), "another-epoch", 1, 0.91));
    c.update();
    d.update();
    QVERIFY2(exportBundle({c.record(), d.record()}, dir.path() + "/short", &error),
             qPrintable(error));
    QVERIFY(readAll(dir.path() + "/short/loss.svg")
                .contains("Loss (lines: training, dots: validation)"));

    const QString markdown = readAll(out + "/README.md");
    QVERIFY(markdown.contains("| dropout | dropout on | dropout on |"));
    QVERIFY2(markdown.contains("| without-dropout | 96.00% | −1.00 pt |"), qPrintable(markdown));
    QVERIFY(QFile::exists(out + "/with-dropout-experiment.json"));
    QVERIFY(QFile::exists(out + "/without-dropout-metrics.csv"));
}

void RunExportTest::headlessExportWritesTheBundle() {
    QTemporaryDir dir;
    const QString run = writeRun(dir.path(), "single", 2, 0.9);
    const QString out = dir.path() + "/out";
    QCOMPARE(runHeadlessExport({"layerlab", "--export", run, "--to", out}), 0);
    for (const char* file : {"loss.png", "loss.svg", "accuracy.png", "accuracy.svg", "README.md",
                             "experiment.json", "metrics.csv"}) {
        QVERIFY2(QFile::exists(out + "/" + file), file);
    }
    // One run: the legend says what the lines are rather than naming the run.
    QVERIFY(readAll(out + "/loss.svg").contains("validation (per epoch)"));
    // The legend says what the lines are; the title need not.
    QVERIFY(!readAll(out + "/loss.svg").contains("dashed"));
    QCOMPARE(runHeadlessExport({"layerlab", "--export", dir.path() + "/nothing", "--to", out}), 1);
}

void RunExportTest::bundleOfARunWithoutAnEpochSaysWhatItAskedFor() {
    // Killed during its first epoch: config.json and some steps, no
    // summary. The bundle still says what the run was set to do, and marks
    // what it never wrote rather than leaving cells blank.
    QTemporaryDir dir;
    const QString folder = dir.filePath("early");
    {
        layerlab::RunRecorder recorder(folder.toStdString(), runSpec("early", 3));
        recorder.onStart(layerlab::RunStart{});
        recorder.onSteps({{1, 1, 1, 2.3, 0.1, 0.5}});
    }
    RunReader reader(folder);
    reader.update();
    const QString markdown = runsMarkdown({reader.record()});
    QVERIFY2(markdown.contains("| training images | 55,000 |"), qPrintable(markdown));
    QVERIFY2(markdown.contains("| early | — | — | — | — |"), qPrintable(markdown));
    // No epoch: no time per epoch or speed either, rather than 0:00 and 0.
    QVERIFY2(markdown.contains("| 0 | — | — | interrupted |"), qPrintable(markdown));
}

LAYERLAB_UI_TEST_MAIN(RunExportTest)
#include "run_export_test.moc"
