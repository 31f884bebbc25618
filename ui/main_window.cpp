#include "main_window.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenuBar>
#include <QMessageBox>
#include <QScrollArea>
#include <QScrollBar>
#include <QSettings>
#include <QStatusBar>
#include <QTimer>
#include <QToolBar>
#include <QUndoStack>
#include <QVBoxLayout>

#include "banner.h"
#include "charts_panel.h"
#include "compare_view.h"
#include "confusion_matrix_panel.h"
#include "dataset_setup_dialog.h"
#include "drawing_canvas_panel.h"
#include "dropout_ab.h"
#include "evaluation_views.h"
#include "experiment_document.h"
#include "layerlab/errors.h"
#include "layerlab/version.h"
#include "logging.h"
#include "main_window_keys.h"
#include "network_builder_panel.h"
#include "presets.h"
#include "recent_files.h"
#include "runs_panel.h"
#include "sample_predictions_panel.h"
#include "training_controls_panel.h"
#include "training_worker.h"

using namespace main_window_keys;

MainWindow::MainWindow(QWidget* parent)
    : QMainWindow(parent),
      m_document(new ExperimentDocument(this)),
      m_worker(new TrainingWorker(this)) {
    m_charts = new ChartsPanel(this);
    m_banner = new Banner(this);
    auto* central = new QWidget(this);
    auto* column = new QVBoxLayout(central);
    column->setContentsMargins(0, 0, 0, 0);
    column->setSpacing(0);
    column->addWidget(m_banner);
    column->addWidget(m_charts, 1);
    setCentralWidget(central);

    m_builder = new NetworkBuilderPanel(m_document, this);
    m_controls = new TrainingControlsPanel(m_document, this);
    buildDocks();
    buildRunsDocks();
    buildEvaluationDocks();
    buildMenus();

    connect(m_controls, &TrainingControlsPanel::startRequested, this, &MainWindow::startRun);
    connect(m_controls, &TrainingControlsPanel::pauseRequested, m_worker, &TrainingWorker::pause);
    connect(m_controls, &TrainingControlsPanel::resumeRequested, m_worker, &TrainingWorker::resume);
    connect(m_controls, &TrainingControlsPanel::stopRequested, m_worker, &TrainingWorker::stop);

    connect(m_worker, &TrainingWorker::stateChanged, this, [this](TrainingWorker::State state) {
        m_controls->setRunState(state);
        m_document->setLocked(state != TrainingWorker::State::Idle);
    });
    connect(m_worker, &TrainingWorker::runStarted, m_charts, &ChartsPanel::startRun);
    connect(m_worker, &TrainingWorker::runStarted, m_charts,
            [this] { m_charts->setRunDirectory(m_worker->lastRunDirectory()); });
    connect(m_worker, &TrainingWorker::runStarted, m_controls, &TrainingControlsPanel::runStarted);
    connect(m_worker, &TrainingWorker::stepsArrived, m_charts, &ChartsPanel::addSteps);
    connect(m_worker, &TrainingWorker::stepsArrived, m_controls,
            &TrainingControlsPanel::stepsArrived);
    connect(m_worker, &TrainingWorker::epochFinished, m_charts, &ChartsPanel::addEpoch);
    connect(m_worker, &TrainingWorker::epochFinished, m_controls,
            &TrainingControlsPanel::epochFinished);
    // Notices (a CPU fallback, a clipped thread count) do not stop the run;
    // the banner is kept for what does.
    connect(m_worker, &TrainingWorker::noticeRaised, this,
            [this](const QString& notice) { statusBar()->showMessage(notice, 15000); });
    connect(m_worker, &TrainingWorker::runFinished, this, &MainWindow::runFinished);

    connect(m_document, &ExperimentDocument::modifiedChanged, this, &MainWindow::updateTitle);
    connect(m_document, &ExperimentDocument::filePathChanged, this, &MainWindow::updateTitle);

    restoreSession();
}

// The worker's destructor would stop and join too; doing it here first means
// no signal of the worker reaches a panel that is already gone.
MainWindow::~MainWindow() {
    m_worker->shutdown();
}

void MainWindow::buildDocks() {
    setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks);
    const auto addDock = [this](QWidget* panel, const QString& title, const QString& name,
                                Qt::DockWidgetArea area) {
        auto* dock = new QDockWidget(title, this);
        dock->setObjectName(name);  // the key saveState() stores the layout under
        auto* scroll = new QScrollArea(dock);
        scroll->setWidget(panel);
        scroll->setWidgetResizable(true);
        scroll->setFrameShape(QFrame::NoFrame);
        // Never a sideways scroll bar: the dock is kept at least as wide as
        // the panel needs, and only scrolls vertically on a short screen.
        scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);
        scroll->setMinimumWidth(panel->minimumSizeHint().width() +
                                scroll->verticalScrollBar()->sizeHint().width());
        dock->setWidget(scroll);
        addDockWidget(area, dock);
        return dock;
    };
    QDockWidget* network = addDock(m_builder, tr("Network"), "networkDock", Qt::LeftDockWidgetArea);
    QDockWidget* training =
        addDock(m_controls, tr("Training"), "trainingDock", Qt::RightDockWidgetArea);
    // Wider than their minimum at first, so the card editors are not cramped.
    resizeDocks({network, training}, {380, 320}, Qt::Horizontal);
}

// The evaluation panels (issue 4): evaluation_views.cpp and its panels hold
// the behaviour; here they are only docked.
void MainWindow::buildEvaluationDocks() {
    m_evaluation = new EvaluationViews(m_worker, this);
    connect(m_evaluation, &EvaluationViews::notice, this,
            [this](const QString& text) { statusBar()->showMessage(text, 10000); });
    connect(m_evaluation, &EvaluationViews::failed, this, [this](const QString& text) {
        statusBar()->clearMessage();
        showError(tr("Cannot validate the run"), text);
    });
    const auto dock = [this](QWidget* panel, const QString& title, const QString& name,
                             Qt::DockWidgetArea area) {
        auto* dockWidget = new QDockWidget(title, this);
        dockWidget->setObjectName(name);
        auto* scroll = new QScrollArea(dockWidget);
        scroll->setWidget(panel);
        scroll->setWidgetResizable(true);
        scroll->setFrameShape(QFrame::NoFrame);
        dockWidget->setWidget(scroll);
        addDockWidget(area, dockWidget);
        return dockWidget;
    };
    QDockWidget* draw =
        dock(m_evaluation->canvas(), tr("Draw"), "drawDock", Qt::RightDockWidgetArea);
    QDockWidget* matrix = dock(m_evaluation->confusion(), tr("Confusion matrix"), "confusionDock",
                               Qt::BottomDockWidgetArea);
    QDockWidget* samples = dock(m_evaluation->samples(), tr("Predictions"), "predictionsDock",
                                Qt::BottomDockWidgetArea);
    // The side columns run the full height, so the bottom row sits under the
    // charts only, as in the sketch; on a 768-pixel screen a dock shares its
    // place as a tab rather than being squeezed to nothing.
    setCorner(Qt::BottomLeftCorner, Qt::LeftDockWidgetArea);
    setCorner(Qt::BottomRightCorner, Qt::RightDockWidgetArea);
    if (auto* runs = findChild<QDockWidget*>("runsDock")) {
        tabifyDockWidget(runs, draw);
    }
    splitDockWidget(matrix, samples, Qt::Horizontal);
    if (auto* comparison = findChild<QDockWidget*>("comparisonDock")) {
        tabifyDockWidget(samples, comparison);
    }
    draw->raise();
    samples->raise();
    // A first layout only (a saved one is restored over it): room for a
    // readable matrix beside the grid, and the larger share of the right
    // column for the canvas. Sizes apply once the window is laid out.
    if (!QSettings().contains(kStateKey)) {
        m_firstLayout = [this, matrix, samples, draw] {
            const int row = matrix->width() + samples->width();
            resizeDocks({matrix, samples}, {row / 2, row - row / 2}, Qt::Horizontal);
            // Half the middle column's height: a matrix needs ~300 pixels
            // to be read, the charts stay readable at half.
            if (QWidget* charts = centralWidget()) {
                const int middle = charts->height() + matrix->height();
                resizeDocks({matrix}, {middle / 2}, Qt::Vertical);
            }
            if (auto* training = findChild<QDockWidget*>("trainingDock")) {
                const int column = training->height() + draw->height();
                resizeDocks({training, draw}, {column / 3, column - column / 3}, Qt::Vertical);
            }
        };
    }
}

void MainWindow::showEvent(QShowEvent* event) {
    QMainWindow::showEvent(event);
    if (m_firstLayout) {
        // After the first layout pass, which follows the show.
        QTimer::singleShot(0, this, std::exchange(m_firstLayout, nullptr));
    }
}

void MainWindow::buildMenus() {
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(tr("&New"), QKeySequence::New, this, [this] {
        if (maybeSave()) {
            newExperiment();
        }
    });
    file->addAction(tr("&Open…"), QKeySequence::Open, this, &MainWindow::open);
    m_recentFiles = new RecentFiles(file->addMenu(tr("Open &Recent")), this);
    connect(m_recentFiles, &RecentFiles::openRequested, this, [this](const QString& path) {
        if (maybeSave()) {
            openFile(path);
        }
    });
    file->addSeparator();
    file->addAction(tr("&Save"), QKeySequence::Save, this, &MainWindow::save);
    file->addAction(tr("Save &As…"), QKeySequence::SaveAs, this, &MainWindow::saveAs);
    file->addSeparator();
    file->addAction(tr("&Quit"), QKeySequence::Quit, this, &QWidget::close);

    QMenu* edit = menuBar()->addMenu(tr("&Edit"));
    QAction* undo =
        edit->addAction(tr("&Undo"), QKeySequence::Undo, m_document, &ExperimentDocument::undo);
    QAction* redo =
        edit->addAction(tr("&Redo"), QKeySequence::Redo, m_document, &ExperimentDocument::redo);
    const auto refreshUndo = [this, undo, redo] {
        undo->setEnabled(m_document->canUndo());
        redo->setEnabled(m_document->canRedo());
        undo->setText(tr("&Undo %1").arg(m_document->undoStack()->undoText()));
        redo->setText(tr("&Redo %1").arg(m_document->undoStack()->redoText()));
    };
    connect(m_document, &ExperimentDocument::undoRedoChanged, this, refreshUndo);
    refreshUndo();
    edit->addSeparator();
    edit->addAction(tr("Turn &Dropout On/Off"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_D),
                    this, [this] {
                        if (m_builder->dropoutToggle()->isEnabled()) {
                            m_builder->dropoutToggle()->click();
                        }
                    });

    QMenu* presets = menuBar()->addMenu(tr("&Presets"));
    for (const Preset& preset : loadPresets()) {
        presets->addAction(preset.title, this, [this, preset] {
            if (maybeSave()) {
                openPreset(preset);
            }
        });
    }
    if (presets->isEmpty()) {
        presets->addAction(tr("No presets were built in"))->setEnabled(false);
    }

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(m_controls->startAction());
    run->addAction(m_controls->pauseAction());
    run->addAction(m_controls->stopAction());
    run->addSeparator();
    run->addAction(tr("Dropout &A/B"), QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_B), this,
                   &MainWindow::startDropoutAb)
        ->setToolTip(tr("Train twice, dropout on and off, same seed, and compare"));

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (QDockWidget* dock : findChildren<QDockWidget*>()) {
        view->addAction(dock->toggleViewAction());
    }

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    help->addAction(tr("&About LayerLab"), this, [this] {
        QMessageBox::about(
            this, tr("About LayerLab"),
            tr("<b>LayerLab %1</b><br>A workbench for CNN experiments.<br><br>"
               "LibTorch %2 · Qt %3")
                .arg(QStringLiteral(LAYERLAB_VERSION_STRING),
                     QString::fromStdString(layerlab::libtorchVersion()), qVersion()));
    });

    QToolBar* toolbar = addToolBar(tr("Run"));
    toolbar->setObjectName("runToolbar");
    toolbar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    toolbar->addAction(m_controls->startAction());
    toolbar->addAction(m_controls->pauseAction());
    toolbar->addAction(m_controls->stopAction());
    toolbar->addSeparator();
    toolbar->addAction(undo);
    toolbar->addAction(redo);
    undo->setIconText(tr("Undo"));
    redo->setIconText(tr("Redo"));
}

void MainWindow::startRun() {
    const QString invalid = m_document->invalidReason();
    if (!invalid.isEmpty()) {
        showError(tr("Cannot start"), invalid);
        return;
    }
    m_banner->hide();
    m_worker->start(m_document->spec());
}

void MainWindow::runFinished(const layerlab::RunSummary& summary) {
    m_controls->runFinished(summary);
    if (summary.outcome == layerlab::RunOutcome::Failed) {
        const QString text = tr("Training failed: %1").arg(QString::fromStdString(summary.message));
        // A dataset that is not there: the banner offers the way to get it.
        const auto kind = layerlab::datasetKindFromId(m_document->spec().dataset);
        if (kind && !layerlab::findDataset(*kind, std::nullopt)) {
            m_banner->showError(text, tr("Set Up Data…"),
                                [this, kind = *kind] { showDatasetSetup(kind); });
        } else {
            m_banner->showError(text);
        }
    }
    statusBar()->showMessage(m_controls->statusText(), 10000);
}

void MainWindow::showDatasetSetup(layerlab::DatasetKind kind) {
    auto* dialog = new DatasetSetupDialog(kind, this);
    dialog->setAttribute(Qt::WA_DeleteOnClose);
    connect(dialog, &DatasetSetupDialog::datasetReady, this, [this](const QString& directory) {
        m_banner->hide();
        statusBar()->showMessage(tr("Data ready in %1: press Start").arg(directory), 10000);
    });
    // Window-modal and not blocking, like the error dialogs.
    dialog->open();
}

void MainWindow::showError(const QString& title, const QString& text) {
    qCWarning(lcUi) << title << text;
    // Window-modal and not blocking: nothing waits on the answer, and a test
    // or a running chart is not frozen behind a nested event loop.
    auto* box = new QMessageBox(QMessageBox::Warning, title, text, QMessageBox::Ok, this);
    box->setAttribute(Qt::WA_DeleteOnClose);
    box->open();
}

void MainWindow::closeEvent(QCloseEvent* event) {
    if (!maybeSave()) {
        event->ignore();
        return;
    }
    if (m_worker->isBusy()) {
        qCInfo(lcTrain) << "window closing mid-run: stopping the run";
    }
    m_worker->shutdown();
    saveWindowState();
    event->accept();
}
