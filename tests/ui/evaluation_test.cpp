// The evaluation panels on a real short run: the confusion matrix adds up,
// a click on a cell filters the sample grid, and strokes drawn on the canvas
// with the mouse are read by the network.
#include <QAction>
#include <QBuffer>
#include <QFile>
#include <QPainter>
#include <QPushButton>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalSpy>

#include "confusion_matrix_panel.h"
#include "drawing_canvas_panel.h"
#include "evaluation_pictures.h"
#include "evaluation_views.h"
#include "layerlab/experiment.h"
#include "layerlab/predictor.h"
#include "sample_predictions_panel.h"
#include "training_worker.h"
#include "ui_test_support.h"

namespace {
const QString kSeedPreset =
    QStringLiteral(LAYERLAB_SOURCE_DIR "/resources/presets/seed-dropout.json");
// Small enough for seconds on a laptop CPU, big enough for some mistakes.
constexpr int64_t kValidationCount = 300;

void drawStroke(QWidget* canvas, QPoint from, QPoint to) {
    QTest::mousePress(canvas, Qt::LeftButton, {}, from);
    QTest::mouseMove(canvas, (from + to) / 2);
    QTest::mouseMove(canvas, to);
    QTest::mouseRelease(canvas, Qt::LeftButton, {}, to);
}

// The box of the dark pixels of a rendered drawing.
QRect inkBox(const QImage& drawing) {
    QRect box;
    for (int y = 0; y < drawing.height(); ++y) {
        for (int x = 0; x < drawing.width(); ++x) {
            if (qGray(drawing.pixel(x, y)) < 128) {
                box |= QRect(x, y, 1, 1);
            }
        }
    }
    return box;
}
}  // namespace

class EvaluationTest : public QObject {
    Q_OBJECT
private slots:
    void initTestCase();
    void cleanupTestCase();
    void matrixSumsToValidationCount();
    void cellClickFiltersGrid();
    void showMoreReadsOnThroughALongList();
    void strokesGetAPrediction();
    void clearCanBeUndone();
    void ctrlZOnTheCanvasTakesBackAStroke();
    void drawingScalesWithTheCanvas();
    void drawPanelFitsAShortDock();
    void openedTransparentImageGetsAPrediction();

private:
    QTemporaryDir m_runs;
    QWidget* m_window = nullptr;
    TrainingWorker* m_worker = nullptr;
    EvaluationViews* m_views = nullptr;
};

void EvaluationTest::initTestCase() {
    m_window = new QWidget;
    m_worker = new TrainingWorker(m_window);
    m_worker->setRunsDirectory(m_runs.path());
    m_views = new EvaluationViews(m_worker, m_window);

    layerlab::ExperimentSpec spec = layerlab::loadExperiment(kSeedPreset.toStdString());
    spec.training.trainLimit = 1280;
    spec.training.validationLimit = kValidationCount;
    spec.training.epochs = 1;
    spec.training.momentum = 0.9;
    spec.training.device = layerlab::DeviceChoice::Cpu;
    QSignalSpy finished(m_worker, &TrainingWorker::runFinished);
    QVERIFY(m_worker->start(spec));
    QVERIFY(finished.wait(240000));
    QVERIFY(m_views->results() != nullptr);
}

void EvaluationTest::cleanupTestCase() {
    delete m_window;
}

void EvaluationTest::matrixSumsToValidationCount() {
    ConfusionMatrixPanel* matrix = m_views->confusion();
    QCOMPARE(matrix->total(), kValidationCount);
    QCOMPARE(m_views->results()->count(), kValidationCount);
    // Each row adds up to that class's share of the validation images.
    const ValidationResults& r = *m_views->results();
    for (int t = 0; t < r.numClasses; ++t) {
        int64_t row = 0;
        for (int p = 0; p < r.numClasses; ++p) {
            row += r.cell(t, p);
        }
        QCOMPARE(row, int64_t(std::count(r.trueLabels.begin(), r.trueLabels.end(), t)));
    }
    // The cells' shares: one image of a thousand is not "0%".
    QCOMPARE(sharePercent(1.0 / 1000), QString("<1%"));
    QCOMPARE(sharePercent(0), QString("0%"));
    QCOMPARE(sharePercent(0.034), QString("3%"));
    QCOMPARE(sharePercent(0.971), QString("97.1%"));
}

void EvaluationTest::cellClickFiltersGrid() {
    const ValidationResults& r = *m_views->results();
    // The fullest mistake cell, or a diagonal one when there is no mistake.
    int bestTrue = 0;
    int bestPredicted = 0;
    for (int t = 0; t < r.numClasses; ++t) {
        for (int p = 0; p < r.numClasses; ++p) {
            if (t != p && r.cell(t, p) > r.cell(bestTrue, bestPredicted)) {
                bestTrue = t;
                bestPredicted = p;
            }
        }
    }
    ConfusionMatrixView* view = m_views->confusion()->view();
    view->resize(view->sizeHint());
    QTest::mouseClick(view, Qt::LeftButton, {}, view->cellRect(bestTrue, bestPredicted).center());

    SamplePredictionsPanel* samples = m_views->samples();
    QCOMPARE(samples->mode(), SamplePredictionsPanel::Mode::OneCell);
    const std::vector<int64_t>& shown = samples->shownIndices();
    QCOMPARE(int64_t(shown.size()), std::min<int64_t>(r.cell(bestTrue, bestPredicted), 60));
    for (size_t n = 0; n < shown.size(); ++n) {
        QCOMPARE(int(r.trueLabels[size_t(shown[n])]), bestTrue);
        QCOMPARE(int(r.predicted[size_t(shown[n])]), bestPredicted);
        if (n > 0) {  // most confident first
            QVERIFY(r.confidence[size_t(shown[n - 1])] >= r.confidence[size_t(shown[n])]);
        }
    }
}

void EvaluationTest::showMoreReadsOnThroughALongList() {
    // Every validation image as a "0" read as a "0": one cell of 300.
    auto results = std::make_shared<ValidationResults>(*m_views->results());
    std::fill(results->trueLabels.begin(), results->trueLabels.end(), 0);
    std::fill(results->predicted.begin(), results->predicted.end(), 0);
    SamplePredictionsPanel panel;
    panel.setResults(results);
    panel.showCell(0, 0);
    QCOMPARE(panel.shownIndices().size(), size_t(60));
    QVERIFY(panel.caption().contains("60 of 300"));
    QVERIFY(panel.moreButton()->isVisibleTo(&panel));
    QCOMPARE(panel.moreButton()->text(), QString("Show 60 more"));
    for (const size_t expected : {120, 180, 240, 300}) {
        panel.moreButton()->click();
        QCOMPARE(panel.shownIndices().size(), expected);
    }
    QVERIFY(!panel.moreButton()->isVisibleTo(&panel));
    QVERIFY(panel.caption().contains("300 images"));
    // Another choice starts again from its first page.
    panel.showCell(0, 0);
    QCOMPARE(panel.shownIndices().size(), size_t(60));
    // A random sample is drawn again by Shuffle, not read on.
    panel.setMode(SamplePredictionsPanel::Mode::Random);
    QVERIFY(!panel.moreButton()->isVisibleTo(&panel));
}

void EvaluationTest::strokesGetAPrediction() {
    DrawingCanvasPanel* panel = m_views->canvas();
    panel->resize(320, 700);
    DrawingCanvas* canvas = panel->canvas();
    canvas->resize(280, 280);
    panel->predictNow();
    QVERIFY(!panel->prediction().has_value());
    QVERIFY(panel->hint().contains("Draw"));

    // A "1": one stroke down the middle.
    QTest::mousePress(canvas, Qt::LeftButton, {}, QPoint(140, 40));
    for (int y = 50; y <= 240; y += 10) {
        QTest::mouseMove(canvas, QPoint(140 + (240 - y) / 20, y));
    }
    QTest::mouseRelease(canvas, Qt::LeftButton, {}, QPoint(140, 240));
    QCOMPARE(canvas->strokeCount(), 1);
    QTRY_VERIFY(panel->prediction().has_value());
    QCOMPARE(panel->prediction()->probabilities.size(), size_t(10));
    QVERIFY(panel->prediction()->label >= 0 && panel->prediction()->label < 10);

    canvas->undoStroke();
    panel->predictNow();
    QVERIFY(canvas->isEmpty());
    QVERIFY(!panel->prediction().has_value());
}

void EvaluationTest::clearCanBeUndone() {
    DrawingCanvas canvas;
    canvas.resize(280, 280);
    QVERIFY(!canvas.canUndo());  // nothing drawn: Undo is greyed out
    QTest::mousePress(&canvas, Qt::LeftButton, {}, QPoint(100, 100));
    QTest::mouseMove(&canvas, QPoint(150, 160));
    QTest::mouseRelease(&canvas, Qt::LeftButton, {}, QPoint(150, 160));
    QCOMPARE(canvas.strokeCount(), 1);
    // A Clear pressed by mistake is taken back like a stroke.
    canvas.clear();
    QVERIFY(canvas.isEmpty());
    QVERIFY(canvas.canUndo());
    canvas.undoStroke();
    QCOMPARE(canvas.strokeCount(), 1);
    canvas.undoStroke();
    QVERIFY(canvas.isEmpty());
    QVERIFY(!canvas.canUndo());

    // So is opening an image over a drawing.
    drawStroke(&canvas, {100, 100}, {150, 160});
    QImage photo(50, 50, QImage::Format_Grayscale8);
    photo.fill(Qt::white);
    canvas.showImage(photo);
    QCOMPARE(canvas.strokeCount(), 0);
    canvas.undoStroke();
    QCOMPARE(canvas.strokeCount(), 1);
    QVERIFY(canvas.render().pixelColor(125, 130).lightness() < 128);  // the stroke, not the photo
}

void EvaluationTest::ctrlZOnTheCanvasTakesBackAStroke() {
    // The window's Undo (the network editor's) also answers Ctrl+Z.
    QWidget window;
    auto* windowUndo = new QAction(&window);
    windowUndo->setShortcut(QKeySequence::Undo);
    window.addAction(windowUndo);
    QSignalSpy networkUndone(windowUndo, &QAction::triggered);
    auto* canvas = new DrawingCanvas(&window);
    canvas->resize(280, 280);
    window.resize(300, 300);
    window.show();
    QApplication::setActiveWindow(&window);
    QVERIFY(QTest::qWaitForWindowActive(&window));

    drawStroke(canvas, {100, 100}, {150, 160});
    QVERIFY(canvas->hasFocus());  // drawing gives it focus
    QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(canvas->isEmpty());
    QCOMPARE(networkUndone.count(), 0);
    // Nothing left to take back on the canvas: the key is the window's.
    QTest::keyClick(canvas, Qt::Key_Z, Qt::ControlModifier);
    QCOMPARE(networkUndone.count(), 1);
}

void EvaluationTest::drawingScalesWithTheCanvas() {
    DrawingCanvas canvas;
    canvas.resize(280, 280);
    canvas.show();
    QVERIFY(QTest::qWaitForWindowExposed(&canvas));
    drawStroke(&canvas, {140, 40}, {140, 240});
    const QRect drawn = inkBox(canvas.render());
    // The dock grew shorter: the same digit, smaller, not cut off.
    canvas.resize(300, 200);
    QCOMPARE(canvas.square().size(), QSize(200, 200));
    const QImage smaller = canvas.render();
    QCOMPARE(smaller.size(), QSize(200, 200));
    const QRect scaled = inkBox(smaller);
    QVERIFY2(std::abs(scaled.height() - drawn.height() * 200 / 280) <= 2,
             qPrintable(QString("%1 px high, drawn %2").arg(scaled.height()).arg(drawn.height())));
    QVERIFY(std::abs(scaled.center().y() - 100) <= 2);
}

void EvaluationTest::drawPanelFitsAShortDock() {
    // The Draw dock on a 1366x768 screen: 320 pixels wide (the right
    // docks' width) by about 400 high.
    QScrollArea dock;
    auto* panel = new DrawingCanvasPanel;
    dock.setWidget(panel);
    dock.setWidgetResizable(true);
    dock.resize(320, 400);
    dock.show();
    QVERIFY(QTest::qWaitForWindowExposed(&dock));
    // The canvas, the tools, the preview and the bars, without scrolling.
    QCOMPARE(dock.verticalScrollBar()->maximum(), 0);
    QCOMPARE(dock.horizontalScrollBar()->maximum(), 0);
    QVERIFY2(panel->canvas()->square().width() >= 200,
             qPrintable(QString::number(panel->canvas()->square().width())));
}

void EvaluationTest::openedTransparentImageGetsAPrediction() {
    // A "1" in black on a fully transparent PNG: only alpha tells the ink.
    QImage image(200, 200, QImage::Format_ARGB32);
    image.fill(Qt::transparent);
    QPainter painter(&image);
    painter.setPen(QPen(Qt::black, 14));
    painter.drawLine(100, 30, 95, 170);
    painter.end();
    QTemporaryDir dir;
    const QString path = dir.filePath("one.png");
    QVERIFY(image.save(path));

    DrawingCanvasPanel* panel = m_views->canvas();
    QVERIFY(panel->openImage(path));
    QVERIFY(panel->prediction().has_value());
    QCOMPARE(panel->prediction()->probabilities.size(), size_t(10));
    QVERIFY(!panel->openImage(dir.filePath("missing.png")));
    // A file cut short says so, as layerlab-cli predict does.
    QFile full(path);
    QVERIFY(full.open(QIODevice::ReadOnly));
    QFile cut(dir.filePath("cut.png"));
    QVERIFY(cut.open(QIODevice::WriteOnly));
    cut.write(full.read(60));
    cut.close();
    QVERIFY(!panel->openImage(dir.filePath("cut.png")));
    QVERIFY2(panel->openError().contains("damaged or cut short"), qPrintable(panel->openError()));
    // The reading of what is on the canvas stays, and so does its line.
    QVERIFY(panel->prediction().has_value());
    QVERIFY(!panel->hint().contains("cut short"));
    // A JPEG cut short: Qt shows its top rows, the reader refuses it, and
    // the canvas goes back to what it held.
    QImage photo(120, 120, QImage::Format_RGB32);
    photo.fill(Qt::white);
    QPainter pen(&photo);
    pen.fillRect(50, 10, 16, 100, Qt::black);
    pen.end();
    QByteArray jpeg;
    QBuffer buffer(&jpeg);
    QVERIFY(buffer.open(QIODevice::WriteOnly));
    QVERIFY(photo.save(&buffer, "JPG"));
    QFile cutJpeg(dir.filePath("cut.jpg"));
    QVERIFY(cutJpeg.open(QIODevice::WriteOnly));
    cutJpeg.write(jpeg.left(jpeg.size() / 2));
    cutJpeg.close();
    QVERIFY(!panel->openImage(cutJpeg.fileName()));
    QVERIFY2(panel->openError().contains("ends before its picture"),
             qPrintable(panel->openError()));
    QVERIFY(panel->prediction().has_value());  // the "1" opened before, read again
    panel->canvas()->clear();
    panel->predictNow();
    QVERIFY(!panel->prediction().has_value());
}

LAYERLAB_UI_TEST_MAIN(EvaluationTest)
#include "evaluation_test.moc"
