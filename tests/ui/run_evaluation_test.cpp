// A run's evaluation after the fact (issues 4 and 5): a run folder opened
// from disk shows its matrix and predictions and the canvas reads with its
// network; "Refresh now" validates the weights mid-run; the matrix and the
// grid export as SVG and PNG; a stopped run resumed from the window keeps
// its curves.
#include <QFile>
#include <QImage>
#include <QPushButton>
#include <QSignalSpy>
#include <QToolButton>

#include "charts_panel.h"
#include "compare_view.h"
#include "confusion_matrix_panel.h"
#include "drawing_canvas_panel.h"
#include "evaluation_views.h"
#include "layerlab/experiment.h"
#include "main_window.h"
#include "metric_chart.h"
#include "network_evaluation.h"
#include "run_history.h"
#include "runs_panel.h"
#include "sample_predictions_panel.h"
#include "training_controls_panel.h"
#include "training_worker.h"
#include "ui_test_support.h"

namespace {
const QString kSeedPreset =
    QStringLiteral(LAYERLAB_SOURCE_DIR "/resources/presets/seed-dropout.json");
constexpr int64_t kValidationCount = 300;

layerlab::ExperimentSpec shortSpec(int64_t trainImages, int epochs) {
    layerlab::ExperimentSpec spec = layerlab::loadExperiment(kSeedPreset.toStdString());
    spec.training.trainLimit = trainImages;
    spec.training.validationLimit = kValidationCount;
    spec.training.epochs = epochs;
    spec.training.momentum = 0.9;
    spec.training.device = layerlab::DeviceChoice::Cpu;
    return spec;
}

QByteArray readAll(const QString& file) {
    QFile in(file);
    return in.open(QIODevice::ReadOnly) ? in.readAll() : QByteArray();
}
}  // namespace

class RunEvaluationTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void openedRunShowsItsMatrixAndDraws();
    void matrixAndGridExportAsSvgAndPng();
    void refreshNowValidatesMidRun();
    void resumedRunContinuesItsCurves();

private:
    QTemporaryDir m_runs;
    QTemporaryDir m_out;
    QWidget* m_window = nullptr;
    TrainingWorker* m_worker = nullptr;
    EvaluationViews* m_views = nullptr;
    std::shared_ptr<const ValidationResults> m_trained;  // the run's last epoch
};

void RunEvaluationTest::initTestCase() {
    m_window = new QWidget;
    m_worker = new TrainingWorker(m_window);
    m_worker->setRunsDirectory(m_runs.path());
    m_views = new EvaluationViews(m_worker, m_window);
    QSignalSpy finished(m_worker, &TrainingWorker::runFinished);
    QVERIFY(m_worker->start(shortSpec(1280, 1)));
    QVERIFY(finished.wait(240000));
    m_trained = m_views->results();
    QVERIFY(m_trained != nullptr);
}

void RunEvaluationTest::cleanupTestCase() {
    delete m_window;
}

void RunEvaluationTest::openedRunShowsItsMatrixAndDraws() {
    // Another window's panels, with no run of their own: as after a restart.
    QWidget window;
    TrainingWorker idle(&window);
    EvaluationViews views(&idle, &window);
    QSignalSpy evaluated(views.evaluation(), &NetworkEvaluation::evaluated);
    QVERIFY(views.openRun(m_worker->lastRunDirectory()));
    QVERIFY(evaluated.wait(60000));

    const auto results = views.results();
    QVERIFY(results != nullptr);
    QCOMPARE(views.confusion()->total(), kValidationCount);
    QCOMPARE(results->confusion, m_trained->confusion);
    QCOMPARE(results->predicted, m_trained->predicted);
    QVERIFY(results->label.contains(QDir(m_worker->lastRunDirectory()).dirName()));
    QVERIFY(!views.samples()->shownIndices().empty());

    DrawingCanvas* canvas = views.canvas()->canvas();
    canvas->resize(280, 280);
    QTest::mousePress(canvas, Qt::LeftButton, {}, QPoint(140, 40));
    for (int y = 50; y <= 240; y += 10) {
        QTest::mouseMove(canvas, QPoint(140, y));
    }
    QTest::mouseRelease(canvas, Qt::LeftButton, {}, QPoint(140, 240));
    views.canvas()->predictNow();
    QVERIFY(views.canvas()->prediction().has_value());

    // A folder without a checkpoint is refused with a notice, and the
    // panels stop showing the previous run's verdict under its name.
    QTemporaryDir empty;
    QSignalSpy notices(&views, &EvaluationViews::notice);
    QVERIFY(!views.openRun(empty.path()));
    QCOMPARE(notices.count(), 1);
    QVERIFY(views.results() == nullptr);
    QVERIFY2(!views.confusion()->summaryText().contains("validation images right"),
             qPrintable(views.confusion()->summaryText()));
    QCOMPARE(views.confusion()->total(), int64_t(0));
}

void RunEvaluationTest::matrixAndGridExportAsSvgAndPng() {
    const QString svg = m_out.filePath("matrix.svg");
    const QString png = m_out.filePath("matrix.png");
    QString error;
    QVERIFY2(m_views->confusion()->exportTo(svg, &error), qPrintable(error));
    QVERIFY2(m_views->confusion()->exportTo(png, &error), qPrintable(error));
    const QByteArray matrixSvg = readAll(svg);
    for (const char* text : {"Confusion matrix", "Predicted class", "True class", "Recall",
                             "Precision", "validation images right"}) {
        QVERIFY2(matrixSvg.contains(text), text);
    }
    const QImage matrixPng(png);
    QVERIFY(!matrixPng.isNull());
    QVERIFY(matrixPng.width() >= 1000 && matrixPng.width() % 2 == 0);  // 2x

    m_views->samples()->setMode(SamplePredictionsPanel::Mode::WorstMistakes);
    const QString gridSvg = m_out.filePath("grid.svg");
    const QString gridPng = m_out.filePath("grid.png");
    QVERIFY2(m_views->samples()->exportTo(gridSvg, &error), qPrintable(error));
    QVERIFY2(m_views->samples()->exportTo(gridPng, &error), qPrintable(error));
    QVERIFY(readAll(gridSvg).contains("the most confident first"));
    QVERIFY(readAll(gridSvg).contains("<image"));  // the digits themselves
    QVERIFY(!QImage(gridPng).isNull());

    // The comparison's bundle validates on a thread of its own: the button
    // waits, the window does not.
    CompareView comparison;
    comparison.showRuns({m_worker->lastRunDirectory()});
    QSignalSpy exported(&comparison, &CompareView::bundleExported);
    const QString bundle = m_out.filePath("bundle");
    QVERIFY(comparison.exportBundleInto(bundle));
    QVERIFY(!comparison.exportButton()->isEnabled());
    QVERIFY(!comparison.exportBundleInto(bundle));  // one at a time
    QVERIFY(exported.wait(60000));
    QCOMPARE(exported.front().front().toBool(), true);
    QVERIFY(comparison.exportButton()->isEnabled());
    QVERIFY(!QImage(bundle + "/confusion.png").isNull());
    QVERIFY(readAll(bundle + "/README.md").contains("confusion.svg"));

    // An unwritable place is an error naming the file, not a crash.
    QVERIFY(!m_views->confusion()->exportTo("/proc/no/such/dir/m.png", &error));
    QVERIFY(error.contains("/proc/no/such/dir/m.png"));
    QVERIFY2(error.contains("the folder /proc/no/such/dir does not exist"), qPrintable(error));
}

void RunEvaluationTest::refreshNowValidatesMidRun() {
    QWidget window;
    TrainingWorker worker(&window);
    worker.setRunsDirectory(m_runs.path());
    EvaluationViews views(&worker, &window);
    QToolButton* refresh = views.confusion()->refreshButton();
    QVERIFY(!refresh->isEnabled());  // nothing trains yet

    QVERIFY(worker.start(shortSpec(12800, 1)));
    QTRY_VERIFY_WITH_TIMEOUT(worker.latestWeights() != nullptr, 120000);
    QTRY_VERIFY(refresh->isEnabled());
    // While it trains: the weights are copied when asked for, then validated.
    QSignalSpy evaluated(views.evaluation(), &NetworkEvaluation::evaluated);
    refresh->click();
    QVERIFY(evaluated.wait(60000));
    QVERIFY(views.results()->label.startsWith("Step"));
    QCOMPARE(views.confusion()->total(), kValidationCount);
    // And paused: the trainer copied them as it paused.
    worker.pause();
    QTRY_VERIFY(worker.state() == TrainingWorker::State::Paused);
    QTRY_VERIFY(refresh->isEnabled());
    refresh->click();
    QVERIFY(evaluated.wait(60000));
    QCOMPARE(evaluated.count(), 2);

    QSignalSpy finished(&worker, &TrainingWorker::runFinished);
    worker.stop();
    QVERIFY(finished.wait(60000));
    QTRY_VERIFY(!refresh->isEnabled());
}

void RunEvaluationTest::resumedRunContinuesItsCurves() {
    MainWindow window;
    TrainingWorker& worker = *window.worker();
    worker.setRunsDirectory(m_runs.path());
    ChartsPanel& charts = *window.charts();

    // Stopped during its second epoch (or at the latest in its third).
    QSignalSpy epochs(&worker, &TrainingWorker::epochFinished);
    QSignalSpy finished(&worker, &TrainingWorker::runFinished);
    QVERIFY(worker.start(shortSpec(3200, 4)));
    QVERIFY(epochs.wait(120000));
    worker.stop();
    QVERIFY(finished.wait(60000));
    const QString dir = worker.lastRunDirectory();
    RunReader before(dir);
    before.update();
    const int done = before.record().epochsDone;
    QVERIFY(done >= 1 && done < 4);
    QCOMPARE(before.record().outcome, QString("stopped"));

    // Resumed from the Runs panel: the controls say that the run trains
    // with its own settings, not the open experiment's.
    QVERIFY(window.evaluation()->results() != nullptr);  // the stopped process's last epoch
    QSignalSpy started(&worker, &TrainingWorker::runStarted);
    QSignalSpy evaluated(window.evaluation()->evaluation(), &NetworkEvaluation::evaluated);
    emit window.runs()->resumeRequested(dir);
    QVERIFY(worker.isBusy());
    // Held at its first step, so that no new epoch can end meanwhile.
    worker.pause();
    const QString note = window.controls()->resumedRunNote();
    QVERIFY2(note.contains(before.record().name) && note.contains("4 epochs"), qPrintable(note));
    // The earlier process's panels are cleared at the start; the checkpoint
    // the run resumes from is validated meanwhile and fills them, labelled.
    QVERIFY(started.wait(60000));
    QVERIFY(evaluated.count() > 0 || evaluated.wait(60000));
    const auto checkpointVerdict = window.evaluation()->results();
    QVERIFY(checkpointVerdict != nullptr);
    QVERIFY2(checkpointVerdict->label.contains("its last checkpoint"),
             qPrintable(checkpointVerdict->label));
    QCOMPARE(window.evaluation()->confusion()->total(), kValidationCount);
    QVERIFY(!window.evaluation()->samples()->shownIndices().empty());
    QCOMPARE(worker.state(), TrainingWorker::State::Paused);
    worker.resume();
    QVERIFY(finished.wait(240000));
    QVERIFY(window.controls()->resumedRunNote().isEmpty());
    QVERIFY(window.evaluation()->results() != nullptr);
    QVERIFY(window.controls()->statusText().startsWith("Completed in"));
    // The curves hold the earlier epochs and the new ones, one point per
    // step and per epoch, as if never interrupted.
    QCOMPARE(charts.accuracyChart()->validationPointCount(), 4);
    QCOMPARE(charts.lossChart()->trainPointCount(), 4 * 50);

    RunReader after(dir);
    after.update();
    QCOMPARE(after.record().outcome, QString("completed"));
    QCOMPARE(after.record().epochsDone, 4);
    QCOMPARE(after.record().steps.size(), 4 * 50);
    for (int i = 0; i < after.record().steps.size(); ++i) {
        QCOMPARE(after.record().steps[i].step, int64_t(i + 1));
    }
    QCOMPARE(after.record().validation.size(), 4);

    // A finished run is not resumed again.
    QString error;
    QVERIFY(!worker.resumeRun(dir, &error));
    QVERIFY(error.contains("nothing to resume"));
}

LAYERLAB_UI_TEST_MAIN(RunEvaluationTest)
#include "run_evaluation_test.moc"
