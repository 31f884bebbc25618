#include "drawing_canvas_panel.h"

#include <QFileDialog>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QMessageBox>
#include <QSpinBox>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <opencv2/core.hpp>

#include "layerlab/digit_preprocessing.h"
#include "layerlab/errors.h"
#include "logging.h"
#include "training_worker.h"
#include "validation_results.h"

namespace {
// Coalesces the mouse moves of a stroke: ~30 predictions a second at most.
constexpr int kPredictDelayMs = 30;
// How often the panel looks for a newer weight snapshot during a run.
constexpr int kWeightsPollMs = 500;
// The 28x28 input is shown at this scale, nearest neighbour.
constexpr int kFedScale = 3;
// An opened image is shown at most this large (the canvas is 280 at most).
constexpr int kPreviewSide = 1024;
}  // namespace

DrawingCanvasPanel::DrawingCanvasPanel(QWidget* parent)
    : QWidget(parent),
      m_canvas(new DrawingCanvas(this)),
      m_penWidth(new QSpinBox(this)),
      m_fed(new QLabel(this)),
      m_status(new QLabel(this)),
      m_bars(new ProbabilityBars(this)),
      m_predictTimer(new QTimer(this)),
      m_weightsTimer(new QTimer(this)) {
    m_penWidth->setRange(2, 60);
    m_penWidth->setValue(18);
    m_penWidth->setSuffix(tr(" px"));
    m_penWidth->setToolTip(tr("Pen width"));
    m_penWidth->setPrefix(QStringLiteral("✎ "));
    m_canvas->setPenWidth(m_penWidth->value());
    auto* undo = new QToolButton(this);
    undo->setText(tr("Undo"));
    undo->setToolTip(tr("Take back the last stroke, Clear or opened image (Ctrl+Z on the canvas)"));
    auto* clear = new QToolButton(this);
    clear->setText(tr("Clear"));
    auto* open = new QToolButton(this);
    open->setText(tr("Open image…"));
    open->setToolTip(tr("Classify a PNG or JPG of one digit (a photo or a scan)"));

    // Tool buttons, sized to their text: one row fits the narrow dock.
    auto* tools = new QHBoxLayout;
    tools->addWidget(m_penWidth);
    tools->addWidget(undo);
    tools->addWidget(clear);
    tools->addWidget(open);
    tools->addStretch();

    m_fed->setFixedSize(28 * kFedScale + 2, 28 * kFedScale + 2);
    m_fed->setFrameShape(QFrame::Box);
    m_fed->setAlignment(Qt::AlignCenter);
    m_fed->setToolTip(tr("The 28×28 image the network sees"));
    m_status->setWordWrap(true);
    m_status->setAlignment(Qt::AlignLeft | Qt::AlignTop);
    m_bars->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Expanding);
    // Beside the preview, and given the height of the preview and two lines
    // more: on a 768-pixel-high screen the canvas, the tools, the preview
    // and the bars fit the dock without scrolling. A fixed share, so the
    // canvas keeps its size while the text beside it changes.
    auto* verdict = new QWidget(this);
    verdict->setMinimumHeight(m_fed->height() + 2 * fontMetrics().height());
    auto* verdictLayout = new QVBoxLayout(verdict);
    verdictLayout->setContentsMargins(0, 0, 0, 0);
    verdictLayout->addWidget(m_status);
    verdictLayout->addWidget(m_bars, 1);
    auto* result = new QHBoxLayout;
    result->addWidget(m_fed, 0, Qt::AlignTop);
    result->addWidget(verdict, 1);

    auto* layout = new QVBoxLayout(this);
    layout->addWidget(m_canvas, 1);
    layout->addLayout(tools);
    layout->addLayout(result);

    m_predictTimer->setSingleShot(true);
    m_predictTimer->setInterval(kPredictDelayMs);
    connect(m_predictTimer, &QTimer::timeout, this, &DrawingCanvasPanel::predictNow);
    connect(m_canvas, &DrawingCanvas::changed, m_predictTimer, qOverload<>(&QTimer::start));
    // Strokes drawn over an opened image make it a drawing like any other.
    connect(m_canvas, &DrawingCanvas::changed, this, [this] {
        if (m_canvas->isEmpty() || m_canvas->strokeCount() > 0) {
            m_openedImage.clear();
        }
    });
    m_weightsTimer->setInterval(kWeightsPollMs);
    connect(m_weightsTimer, &QTimer::timeout, this, [this] {
        if (!m_canvas->isEmpty()) {
            predictNow();
        }
    });
    connect(m_penWidth, &QSpinBox::valueChanged, m_canvas, &DrawingCanvas::setPenWidth);
    connect(undo, &QToolButton::clicked, m_canvas, &DrawingCanvas::undoStroke);
    undo->setEnabled(false);
    connect(m_canvas, &DrawingCanvas::changed, undo,
            [this, undo] { undo->setEnabled(m_canvas->canUndo()); });
    connect(clear, &QToolButton::clicked, m_canvas, &DrawingCanvas::clear);
    connect(open, &QToolButton::clicked, this, [this] {
        const QString path = QFileDialog::getOpenFileName(
            this, tr("Open an image of a digit"), {},
            tr("Images (*.png *.jpg *.jpeg *.bmp *.webp *.tif *.tiff)"));
        if (!path.isEmpty()) {
            openImage(path);
        }
    });
    predictNow();
}

DrawingCanvasPanel::~DrawingCanvasPanel() = default;

void DrawingCanvasPanel::setWorker(TrainingWorker* worker) {
    m_worker = worker;
    connect(worker, &TrainingWorker::stateChanged, this, [this](TrainingWorker::State state) {
        if (state == TrainingWorker::State::Idle) {
            m_weightsTimer->stop();
            predictNow();  // the run's final weights
        } else {
            m_weightsTimer->start();
        }
    });
}

void DrawingCanvasPanel::usePredictor(std::shared_ptr<layerlab::Predictor> predictor,
                                      const QString& source) {
    m_predictor = std::move(predictor);
    m_source = source;
    m_sourceIsWorker = false;
    m_classNames = classNamesOf(m_predictor->spec().dataset, 10);
    // Kept so that only a newer snapshot replaces this network.
    m_loadedWeights = m_worker ? m_worker->latestWeights() : nullptr;
    predictNow();
}

void DrawingCanvasPanel::refreshWeights() {
    if (!m_worker) {
        return;
    }
    const auto weights = m_worker->latestWeights();
    if (!weights) {
        return;
    }
    const QString source = m_worker->isBusy() ? tr("the run in progress") : tr("the last run");
    if (weights == m_loadedWeights) {
        // The same weights, but the run may have ended since they came.
        if (m_predictor && m_sourceIsWorker) {
            m_source = source;
        }
        return;
    }
    const layerlab::ExperimentSpec& spec = m_worker->runSpec();
    try {
        if (!m_predictor) {
            m_predictor = std::make_unique<layerlab::Predictor>(spec, 10);
        }
        try {
            m_predictor->load(*weights);
        } catch (const layerlab::CheckpointError&) {
            // Another architecture than the last run's: a network to match.
            m_predictor = std::make_unique<layerlab::Predictor>(spec, 10);
            m_predictor->load(*weights);
        }
        m_loadedWeights = weights;
        m_classNames = classNamesOf(spec.dataset, 10);
        m_source = source;
        m_sourceIsWorker = true;
    } catch (const std::exception& error) {
        qCWarning(lcUi) << "canvas: cannot use the run's weights:" << error.what();
        m_predictor.reset();
        m_loadedWeights = weights;  // do not retry the same snapshot
        m_source.clear();
    }
}

bool DrawingCanvasPanel::openImage(const QString& path) {
    // What the canvas shows is only a picture of the file, scaled down as it
    // is read (a 48-megapixel photo is over Qt's image memory limit) and
    // turned as its EXIF says; the network reads the file itself.
    QImageReader reader(path);
    reader.setAutoTransform(true);
    const QSize size = reader.size();
    if (size.isValid() && (size.width() > kPreviewSide || size.height() > kPreviewSide)) {
        reader.setScaledSize(size.scaled(kPreviewSide, kPreviewSide, Qt::KeepAspectRatio));
    }
    const QImage image = reader.read();
    QString why;
    if (image.isNull()) {
        // The same reason the CLI gives: empty, damaged, too large or not
        // an image.
        why = tr("cannot read %1 as an image: %2").arg(path, reader.errorString());
        try {
            layerlab::vision::preprocessDigitFile(path.toStdString());
        } catch (const std::exception& error) {
            why = QString::fromUtf8(error.what());
        }
    } else {
        const DrawingCanvas::Content before = m_canvas->content();
        const QString openedBefore = m_openedImage;
        m_canvas->showImage(image);
        m_openedImage = path;
        predictNow();
        if (!m_readError.isEmpty()) {
            // Qt showed what the reader refuses (a JPEG cut short shows its
            // top rows): the canvas goes back to what it held.
            why = m_readError;
            m_canvas->restore(before);
            m_openedImage = openedBefore;
            predictNow();
        }
    }
    if (why.isEmpty()) {
        m_openError.clear();
        return true;
    }
    m_openError = why.left(1).toUpper() + why.mid(1) + '.';
    qCWarning(lcUi) << "canvas:" << m_openError;
    // In a box, not the verdict line: the drawing and its reading stay as
    // they were, and the two must not look like they belong together.
    auto* box = new QMessageBox(QMessageBox::Warning, tr("Cannot open the image"), m_openError,
                                QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
    return false;
}

QString DrawingCanvasPanel::hint() const {
    return m_status->text();
}

void DrawingCanvasPanel::showFedImage(const std::vector<float>& pixels) {
    if (pixels.empty()) {
        m_fed->setPixmap(QPixmap());
        m_fed->setText(tr("28×28"));
        return;
    }
    QImage fed(28, 28, QImage::Format_Grayscale8);
    for (int y = 0; y < 28; ++y) {
        uchar* line = fed.scanLine(y);
        for (int x = 0; x < 28; ++x) {
            line[x] = uchar(std::lround(255 * pixels[size_t(y * 28 + x)]));
        }
    }
    m_fed->setPixmap(QPixmap::fromImage(
        fed.scaled(28 * kFedScale, 28 * kFedScale, Qt::IgnoreAspectRatio, Qt::FastTransformation)));
}

void DrawingCanvasPanel::predictNow() {
    m_predictTimer->stop();
    // Only with something to read: taking a run's weights builds a network
    // on this thread the first time (about 150 ms for the blog's), which
    // stalled the window at the end of every run even with nothing drawn.
    if (!m_canvas->isEmpty()) {
        refreshWeights();
    }
    m_prediction.reset();
    m_readError.clear();

    layerlab::vision::DigitImage digit;
    if (!m_canvas->isEmpty()) {
        try {
            if (!m_openedImage.isEmpty()) {
                // From the file, so an alpha channel still carries its ink.
                digit = layerlab::vision::preprocessDigitFile(m_openedImage.toStdString());
            } else {
                const QImage drawing = m_canvas->render();
                const cv::Mat view(drawing.height(), drawing.width(), CV_8U,
                                   const_cast<uchar*>(drawing.constBits()),
                                   size_t(drawing.bytesPerLine()));
                digit = layerlab::vision::preprocessDigit(view);
            }
        } catch (const std::exception& error) {
            m_readError = QString::fromUtf8(error.what());
            m_status->setText(m_readError);
            showFedImage({});
            m_bars->setProbabilities({}, m_classNames);
            return;
        }
    }
    showFedImage(digit.pixels);

    if (digit.empty) {
        m_status->setText(m_canvas->isEmpty() ? tr("Draw a digit to see what the network reads.")
                                              : tr("No ink found: nothing to classify."));
        m_bars->setProbabilities({}, m_classNames);
        return;
    }
    if (!m_predictor) {
        m_status->setText(
            tr("No trained network yet: start a run (predictions appear while "
               "it trains), or open one in the Runs panel."));
        m_bars->setProbabilities({}, m_classNames);
        return;
    }
    const layerlab::ModelSpec& model = m_predictor->spec().model;
    if (model.inputHeight != 28 || model.inputWidth != 28 || model.inputChannels != 1) {
        m_status->setText(tr("This network takes %1×%2×%3 input; the canvas makes 28×28×1.")
                              .arg(model.inputHeight)
                              .arg(model.inputWidth)
                              .arg(model.inputChannels));
        m_bars->setProbabilities({}, m_classNames);
        return;
    }
    m_prediction = m_predictor->predictOne(digit.pixels);
    m_status->setText(tr("<span style='font-size:xx-large; font-weight:600'>%1</span> %2%<br>"
                         "<small>weights of %3</small>")
                          .arg(m_classNames.value(m_prediction->label).toHtmlEscaped())
                          .arg(100 * m_prediction->probability, 0, 'f', 1)
                          .arg(m_source.toHtmlEscaped()));
    m_bars->setProbabilities(m_prediction->probabilities, m_classNames);
}
