// Runs you can keep and compare: the run history, following a run folder
// still being written, the comparison, a chart's export from the panel and
// the dropout A/B from the window. The blog bundle: run_export_test.cpp.

#include <QChart>
#include <QChartView>
#include <QFile>
#include <QImage>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLegendMarker>
#include <QLineSeries>
#include <QMessageBox>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTimer>
#include <QToolButton>
#include <QTreeWidget>
#include <fstream>
#include <optional>

#include "chart_export.h"
#include "charts_panel.h"
#include "compare_view.h"
#include "dropout_ab.h"
#include "experiment_document.h"
#include "layerlab/dataset.h"
#include "layerlab/run_recorder.h"
#include "main_window.h"
#include "metric_chart.h"
#include "presets.h"
#include "run_export.h"
#include "run_folders.h"
#include "run_history.h"
#include "runs_panel.h"
#include "ui_test_support.h"

using namespace layerlab_test;

class RunsTest : public QObject {
    Q_OBJECT
private slots:
    void runsPanelListsRenamesAndDeletes();
    void listingFollowsChangedFoldersOnly();
    void chartsPanelExportsTheShownRun();
    void compareOverlaysRunsWithDifferences();
    void compareFollowsARunStillBeingWritten();
    void openedRunIsFollowedWhileAnotherProcessTrainsIt();
    void dropoutAbTrainsTwiceAndCompares();
};

void RunsTest::runsPanelListsRenamesAndDeletes() {
    QTemporaryDir dir;
    writeRun(dir.path(), "first", 1, 0.9);
    const QString second = writeRun(dir.path(), "second", 1, 0.95);
    RunsPanel panel;
    panel.setDirectory(dir.path());
    QCOMPARE(panel.list()->topLevelItemCount(), 2);
    QStringList names;
    for (int i = 0; i < 2; ++i) {
        names << panel.list()->topLevelItem(i)->text(0);
    }
    QVERIFY(names.contains("first") && names.contains("second"));
    QVERIFY(panel.list()->findItems("second", Qt::MatchExactly).front()->text(1).startsWith("95"));

    QString error;
    QVERIFY(!panel.renameRun(second, "first", &error));
    QVERIFY(error.contains("already"));
    QVERIFY2(panel.renameRun(second, "renamed", &error), qPrintable(error));
    QVERIFY(QFile::exists(dir.path() + "/renamed/metrics.csv"));
    QCOMPARE(panel.list()->findItems("renamed", Qt::MatchExactly).size(), 1);

    QVERIFY(!panel.deleteRun(dir.path(), &error));  // not a run folder: refused
    QVERIFY(panel.deleteRun(dir.path() + "/renamed", &error));
    QCOMPARE(panel.list()->topLevelItemCount(), 1);

    // Ticks are for comparing; the buttons act on the highlighted row, and
    // a refresh keeps ticks and highlight apart.
    const QString third = writeRun(dir.path(), "third-20261204-101010", 1, 0.9);
    panel.refresh();
    QTreeWidgetItem* firstItem = panel.list()->findItems("first", Qt::MatchExactly).front();
    QTreeWidgetItem* thirdItem = panel.list()->findItems("third", Qt::MatchExactly).front();
    QVERIFY(thirdItem != nullptr);  // the folder's time stamp is in the Date column
    firstItem->setCheckState(0, Qt::Checked);
    thirdItem->setSelected(true);
    QCOMPARE(panel.actedOnDirectories(), QStringList{third});
    panel.refresh();
    QCOMPARE(panel.actedOnDirectories(), QStringList{third});
    QCOMPARE(panel.chosenDirectories(), QStringList{dir.path() + "/first"});

    // Resume: enabled for a stopped run with a checkpoint, and a disabled
    // button says why.
    const QString stopped = writeRun(dir.path(), "stopped", 1, 0.9, /*finish=*/false);
    QFile(stopped + "/checkpoint.pt").open(QIODevice::WriteOnly);
    {
        // One of three epochs done.
        QFile config(stopped + "/config.json");
        QVERIFY(config.open(QIODevice::ReadWrite));
        QJsonObject experiment = QJsonDocument::fromJson(config.readAll()).object();
        QJsonObject training = experiment["training"].toObject();
        training["epochs"] = 3;
        experiment["training"] = training;
        config.resize(0);
        config.write(QJsonDocument(experiment).toJson());
    }
    panel.refresh();
    const auto highlight = [&](const QString& name) {
        panel.list()->clearSelection();
        panel.list()->findItems(name, Qt::MatchExactly).front()->setSelected(true);
    };
    highlight("stopped");
    QVERIFY(panel.resumeButton()->isEnabled());
    QSignalSpy resumed(&panel, &RunsPanel::resumeRequested);
    panel.resumeButton()->click();
    QCOMPARE(resumed.size(), 1);
    QCOMPARE(resumed.front().front().toString(), stopped);
    highlight("first");  // completed
    QVERIFY(!panel.resumeButton()->isEnabled());
    QVERIFY2(panel.resumeButton()->toolTip().contains("has trained its one epoch"),
             qPrintable(panel.resumeButton()->toolTip()));
    // While another run trains, none is resumed.
    panel.setActiveRun(third);
    highlight("stopped");
    QVERIFY(!panel.resumeButton()->isEnabled());
    QVERIFY(panel.resumeButton()->toolTip().contains("another run is training"));
    panel.setActiveRun(QString());

    // The run's process ended without a word: it reads "interrupted". Once
    // a process writes the folder again (here a recorder that holds it, as
    // a layerlab-cli resume would), it is live: neither resumed a second
    // time nor deleted under that process's feet.
    QVERIFY(panel.resumeButton()->isEnabled());
    const auto epochsColumn = [&](const QString& name) {
        return panel.list()->findItems(name, Qt::MatchExactly).front()->text(2);
    };
    QCOMPARE(epochsColumn("stopped"), QString("1/3 interrupted"));
    QCOMPARE(epochsColumn("first"), QString("1/1"));
    std::optional<layerlab::RunRecorder> writer;
    writer.emplace(stopped.toStdString(), seedSpec(), layerlab::RunRecorder::Mode::Resume);
    panel.refresh();
    highlight("stopped");
    QVERIFY(!panel.resumeButton()->isEnabled());
    QVERIFY2(panel.resumeButton()->toolTip().contains("still being trained"),
             qPrintable(panel.resumeButton()->toolTip()));
    QCOMPARE(epochsColumn("stopped"), QString("1/3 running"));
    QVERIFY(!panel.deleteRun(stopped, &error));
    QVERIFY2(error.contains("still being trained by process"), qPrintable(error));
    QVERIFY(!panel.renameRun(stopped, "elsewhere", &error));
    QVERIFY(QFileInfo::exists(stopped + "/config.json"));
    // Delete says so at once, without first asking whether to delete.
    QString shown;
    QTimer::singleShot(0, [&shown] {
        if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
            shown = box->text();
            box->close();
        }
    });
    panel.deleteButton()->click();
    QVERIFY2(shown.contains("still being trained by process"), qPrintable(shown));

    // A run another process finishes shows as finished without a refresh:
    // its summary.json is renamed into its folder.
    QTreeWidgetItem* live = panel.list()->findItems("stopped", Qt::MatchExactly).front();
    QVERIFY2(live->text(2).endsWith("running"), qPrintable(live->text(2)));
    {
        QFile summary(stopped + "/summary.json");
        QVERIFY(summary.open(QIODevice::ReadOnly));
        const QByteArray finished = summary.readAll().replace("\"running\"", "\"stopped\"");
        QFile written(stopped + "/summary.json.new");
        QVERIFY(written.open(QIODevice::WriteOnly));
        written.write(finished);
    }
    QFile::remove(stopped + "/summary.json");
    QVERIFY(QFile::rename(stopped + "/summary.json.new", stopped + "/summary.json"));
    // Until its writer lets go of the folder, the run reads as running
    // whatever its summary says (a stopped run being resumed elsewhere);
    // then the list follows by itself.
    panel.refresh();
    QCOMPARE(epochsColumn("stopped"), QString("1/3 running"));
    writer.reset();
    QTRY_COMPARE_WITH_TIMEOUT(epochsColumn("stopped"), QString("1/3 stopped"), 10000);

    // The run being trained is neither renamed nor deleted.
    panel.setActiveRun(third);
    QVERIFY(!panel.deleteRun(third, &error));
    QVERIFY(error.contains("being trained"));
    QVERIFY(!panel.renameRun(third, "other", &error));
    QVERIFY(QFile::exists(third + "/config.json"));
}

void RunsTest::listingFollowsChangedFoldersOnly() {
    QTemporaryDir dir;
    const QString live = writeRun(dir.path(), "live", 2, 0.9, /*finish=*/false);
    RunListing listing;
    QVector<RunRecord> runs = listing.list(dir.path());
    QCOMPARE(runs.size(), 1);
    QVERIFY(runs[0].steps.isEmpty());  // a list needs no steps
    QCOMPARE(runs[0].validation.size(), 2);
    QCOMPARE(runs[0].validationAccuracy, 0.9);

    // Another process appends an epoch: the next listing reads just that.
    {
        std::ofstream out((live + "/metrics.csv").toStdString(), std::ios::app);
        out << "21,3,0.1,0.95,,,21\n21,3,,,0.4,0.95,21\n";
    }
    runs = listing.list(dir.path());
    QCOMPARE(runs[0].validation.size(), 3);
    QCOMPARE(runs[0].validationAccuracy, 0.95);
    QCOMPARE(runs[0].epochsDone, 3);

    // A folder that appears is listed, one that is gone is not.
    writeRun(dir.path(), "next", 1, 0.8);
    QVERIFY(QDir(live).removeRecursively());
    runs = listing.list(dir.path());
    QCOMPARE(runs.size(), 1);
    QCOMPARE(runs[0].name, QString("next"));
    QCOMPARE(runs[0].outcome, QString("completed"));

    // A run's last epoch and its end rewrite the summary within one clock
    // tick: a new summary with the old one's time still counts as new.
    const QString summaryFile = dir.filePath("next/summary.json");
    QFile old(summaryFile);
    QVERIFY(old.open(QIODevice::ReadOnly));
    const QDateTime written = old.fileTime(QFileDevice::FileModificationTime);
    const QByteArray text = old.readAll().replace("\"completed\"", "\"stopped\"");
    old.close();
    QFile replacement(summaryFile + ".new");
    QVERIFY(replacement.open(QIODevice::WriteOnly));
    replacement.write(text);
    QVERIFY(replacement.flush());  // before the time is set, or the write sets it again
    QVERIFY(replacement.setFileTime(written, QFileDevice::FileModificationTime));
    replacement.close();
    QVERIFY(QFile::remove(summaryFile));
    QVERIFY(QFile::rename(summaryFile + ".new", summaryFile));
    QCOMPARE(listing.list(dir.path())[0].outcome, QString("stopped"));
}

void RunsTest::chartsPanelExportsTheShownRun() {
    QTemporaryDir dir;
    ChartsPanel panel;
    QString error;
    QVERIFY(!panel.exportButton()->isEnabled());
    QVERIFY(!panel.exportChart(dir.filePath("none.png"), false, &error));
    QVERIFY2(error.contains("no run"), qPrintable(error));

    RunReader reader(writeRun(dir.path(), "shown", 3, 0.95));
    reader.update();
    panel.showRun(reader.record());
    QVERIFY(panel.exportButton()->isEnabled());
    QVERIFY2(panel.exportChart(dir.filePath("loss.png"), false, &error), qPrintable(error));
    const QImage png(dir.filePath("loss.png"));
    QCOMPARE(png.size(), kExportSize * kExportPixelRatio);
    QVERIFY2(panel.exportChart(dir.filePath("accuracy.svg"), true, &error), qPrintable(error));
    const QString svg = readAll(dir.filePath("accuracy.svg"));
    QVERIFY(svg.contains("<svg"));
    QVERIFY(svg.contains("Accuracy") || svg.contains("accuracy"));
}

void RunsTest::compareOverlaysRunsWithDifferences() {
    QTemporaryDir dir;
    const QString a = writeRun(dir.path(), "a", 2, 0.97);
    const QString b = writeRun(dir.path(), "b", 2, 0.965);
    CompareView view;
    view.resize(900, 600);
    view.showRuns({a, b});
    // One legend entry per run (the dashed validation lines add none).
    int visible = 0;
    for (QLegendMarker* marker : view.lossView()->chart()->legend()->markers()) {
        visible += marker->isVisible() ? 1 : 0;
    }
    QCOMPARE(visible, 2);
    QCOMPARE(view.table()->rowCount(), 2);
    QCOMPARE(view.table()->item(1, 3)->text(), QString("−0.50 pt"));
    QCOMPARE(view.table()->item(0, 2)->text(), QString("97.0%"));
}

void RunsTest::compareFollowsARunStillBeingWritten() {
    QTemporaryDir dir;
    const QString run = writeRun(dir.path(), "live", 1, 0.9, /*finish=*/false);
    // Its writer, as another process would hold it while it trains.
    const layerlab::RunRecorder writer(run.toStdString(), seedSpec(),
                                       layerlab::RunRecorder::Mode::Resume);
    CompareView view;
    view.showRuns({run});
    QCOMPARE(view.records().front().steps.size(), 10);
    QCOMPARE(view.table()->item(0, 7)->text(), QString("running"));

    // Another process appends a step, and half of the next row.
    {
        std::ofstream out((run + "/metrics.csv").toStdString(), std::ios::app);
        out << "11,2,0.2,0.9,,,11\n12,2,0.1";
    }
    QTRY_COMPARE_WITH_TIMEOUT(view.records().front().steps.size(), 11, 5000);
    {
        std::ofstream out((run + "/metrics.csv").toStdString(), std::ios::app);
        out << "9,0.95,,,12\n12,2,,,0.5,0.93,12\n";
    }
    QTRY_COMPARE_WITH_TIMEOUT(view.records().front().validation.size(), 2, 5000);
    QCOMPARE(view.records().front().steps.size(), 12);
    QCOMPARE(view.records().front().steps.back().accuracy, 0.95);
    QCOMPARE(view.table()->item(0, 2)->text(), QString("93.0%"));
}

void RunsTest::openedRunIsFollowedWhileAnotherProcessTrainsIt() {
    QTemporaryDir dir;
    const QString run = dir.filePath("live");
    layerlab::RunRecorder recorder(run.toStdString(), runSpec("live", 3));
    layerlab::RunStart start;
    start.trainSamples = 640;
    recorder.onStart(start);
    layerlab::RunSummary summary;
    recordEpoch(recorder, 1, 3, 0.9, summary);

    MainWindow window;
    emit window.runs()->openRequested(run);
    QCOMPARE(window.charts()->lossChart()->validationSeries()->count(), 1);
    recordEpoch(recorder, 2, 3, 0.9, summary);
    QTRY_COMPARE_WITH_TIMEOUT(window.charts()->lossChart()->validationSeries()->count(), 2, 5000);
    QCOMPARE(window.charts()->lossChart()->trainPointCount(), 20);
    recordEpoch(recorder, 3, 3, 0.9, summary);
    recorder.onFinish(summary);
    QTRY_VERIFY_WITH_TIMEOUT(window.charts()->summaryText().contains("3 of 3 epochs"), 5000);
}

void RunsTest::dropoutAbTrainsTwiceAndCompares() {
    if (!layerlab::findDataset(layerlab::DatasetKind::Mnist, std::nullopt)) {
        QFAIL("MNIST is not installed; run scripts/fetch-data (this test trains on it)");
    }
    MainWindow window;
    layerlab::ExperimentSpec spec = seedSpec();
    spec.training.trainLimit = 256;
    spec.training.validationLimit = 200;
    spec.training.epochs = 1;
    spec.training.device = layerlab::DeviceChoice::Cpu;
    window.document()->reset(spec, QString());
    QSignalSpy finished(window.dropoutAb(), &DropoutAb::finished);
    window.startDropoutAb();
    QTRY_COMPARE_WITH_TIMEOUT(finished.size(), 1, 240000);

    const QStringList dirs = finished.front().front().toStringList();
    QCOMPARE(dirs.size(), 2);
    QCOMPARE(window.comparison()->directories(), dirs);
    const QVector<RunRecord> runs = window.comparison()->records();
    QCOMPARE(runs[0].dropoutText(), QString("dropout on"));
    QCOMPARE(runs[1].dropoutText(), QString("dropout off"));
    QCOMPARE(runs[0].spec.training.seed, runs[1].spec.training.seed);
    for (const RunRecord& run : runs) {
        QCOMPARE(run.outcome, QString("completed"));
        QVERIFY(run.hasCheckpoint);
        const QJsonObject env = run.summary.value("environment").toObject();
        QCOMPARE(env.value("qt").toString(), QString(qVersion()));
        QVERIFY(env.value("dataset_checksums").toString().contains("crc32"));
    }
    // Both runs are in the history, ticked for comparison.
    QCOMPARE(window.runs()->chosenDirectories().size(), 2);
}

LAYERLAB_UI_TEST_MAIN(RunsTest)
#include "runs_test.moc"
