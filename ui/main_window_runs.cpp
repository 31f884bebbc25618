// MainWindow's run history, comparison and dropout A/B docks (issue 5):
// runs_panel, compare_view and dropout_ab hold the behaviour; here they are
// docked and wired to the worker and the evaluation panels.
#include <QDir>
#include <QDockWidget>
#include <QScrollArea>
#include <QStatusBar>
#include <QTimer>

#include <memory>

#include "banner.h"
#include "charts_panel.h"
#include "compare_view.h"
#include "dropout_ab.h"
#include "evaluation_views.h"
#include "experiment_document.h"
#include "main_window.h"
#include "network_evaluation.h"
#include "run_history.h"
#include "runs_panel.h"
#include "training_controls_panel.h"
#include "training_worker.h"

namespace {
// How often an opened run that another process trains is read again: about
// as often as its charts could change visibly.
constexpr int kFollowOpenedRunMs = 1000;
}  // namespace

void MainWindow::buildRunsDocks() {
    m_runs = new RunsPanel(this);
    m_comparison = new CompareView(this);
    m_dropoutAb = new DropoutAb(m_worker, this);
    auto* runsDock = new QDockWidget(tr("Runs"), this);
    runsDock->setObjectName("runsDock");
    runsDock->setWidget(m_runs);
    addDockWidget(Qt::RightDockWidgetArea, runsDock);
    auto* compareDock = new QDockWidget(tr("Comparison"), this);
    compareDock->setObjectName("comparisonDock");
    // Scrolled rather than squeezing the window: on a laptop screen the
    // bottom row is short, and the two charts then stand one above the other.
    auto* compareScroll = new QScrollArea(compareDock);
    compareScroll->setWidget(m_comparison);
    compareScroll->setWidgetResizable(true);
    compareScroll->setFrameShape(QFrame::NoFrame);
    compareDock->setWidget(compareScroll);
    addDockWidget(Qt::BottomDockWidgetArea, compareDock);

    const auto notify = [this](const QString& text) { statusBar()->showMessage(text, 10000); };
    connect(m_runs, &RunsPanel::notice, this, notify);
    connect(m_comparison, &CompareView::notice, this, notify);
    connect(m_dropoutAb, &DropoutAb::progress, this, notify);
    connect(m_dropoutAb, &DropoutAb::abandoned, this, notify);
    connect(m_runs, &RunsPanel::compareRequested, this, [this, compareDock](const QStringList& d) {
        m_comparison->showRuns(d);
        compareDock->show();
        compareDock->raise();
    });
    // An opened run that another process still trains is followed: its
    // curves as they come, its matrix and predictions again from the
    // checkpoint each new epoch writes.
    auto* followTimer = new QTimer(this);
    followTimer->setInterval(kFollowOpenedRunMs);
    auto followed = std::make_shared<std::unique_ptr<RunReader>>();
    auto epochToValidate = std::make_shared<bool>(false);
    connect(followTimer, &QTimer::timeout, this, [this, followTimer, followed, epochToValidate] {
        RunReader* reader = followed->get();
        if (reader == nullptr || m_worker->isBusy()) {
            followTimer->stop();
            return;
        }
        const qsizetype epochsBefore = reader->record().validation.size();
        if (reader->update()) {
            m_charts->showRun(reader->record());
            *epochToValidate =
                *epochToValidate || reader->record().validation.size() > epochsBefore;
        }
        // A new epoch's checkpoint, once no validation pass is going on.
        if (*epochToValidate && !m_evaluation->evaluation()->isBusy()) {
            *epochToValidate = false;
            m_evaluation->openRun(reader->record().directory);
        }
        const QString& outcome = reader->record().outcome;
        if (!outcome.isEmpty() && outcome != "running" && !*epochToValidate) {
            followTimer->stop();
        }
    });
    connect(m_worker, &TrainingWorker::runStarted, followTimer, &QTimer::stop);

    // Opening one run shows its curves (in the charts and the comparison),
    // and from its checkpoint its matrix and predictions; the canvas then
    // reads drawings with its network.
    connect(m_runs, &RunsPanel::openRequested, this,
            [this, compareDock, followTimer, followed, epochToValidate](const QString& d) {
                m_comparison->showRuns({d});
                followTimer->stop();
                *epochToValidate = false;
                if (m_worker->isBusy()) {
                    // The charts keep following the run in progress; the opened
                    // run's curves are in the comparison.
                    compareDock->show();
                    compareDock->raise();
                } else {
                    *followed = std::make_unique<RunReader>(d);
                    (*followed)->update();
                    m_charts->showRun((*followed)->record());
                    const QString& outcome = (*followed)->record().outcome;
                    if (outcome.isEmpty() || outcome == "running") {
                        followTimer->start();
                    }
                }
                if (m_evaluation->openRun(d) && !m_worker->isBusy()) {
                    if (auto* predictions = findChild<QDockWidget*>("predictionsDock")) {
                        predictions->raise();
                    }
                }
            });
    connect(m_runs, &RunsPanel::resumeRequested, this, [this](const QString& d) {
        QString error;
        if (!m_worker->resumeRun(d, &error)) {
            showError(tr("Cannot resume the run"), error);
            return;
        }
        m_banner->hide();
        // resumeRun has read the run's experiment; the worker holds it.
        const QString name = QDir(d).dirName();
        m_controls->showResumedRun(name, m_worker->runSpec().training);
        statusBar()->showMessage(tr("Resuming %1 from its last checkpoint").arg(name), 10000);
    });
    connect(m_dropoutAb, &DropoutAb::finished, this, [this, compareDock](const QStringList& d) {
        m_runs->refresh();
        m_runs->choose(d);
        m_comparison->showRuns(d);
        compareDock->show();
        compareDock->raise();
        statusBar()->showMessage(tr("Dropout A/B done: compare the two runs below"), 10000);
    });
    // The folder being written is never renamed or deleted from the list.
    connect(m_worker, &TrainingWorker::runStarted, this,
            [this] { m_runs->setActiveRun(m_worker->lastRunDirectory()); });
    connect(m_worker, &TrainingWorker::runFinished, this,
            [this] { m_runs->setActiveRun(QString()); });
    // A new run appears in the list as soon as its folder does.
    connect(m_worker, &TrainingWorker::runStarted, m_runs, &RunsPanel::refresh);
    connect(m_worker, &TrainingWorker::runFinished, m_runs, &RunsPanel::refresh);
    // Its row follows its epochs too (the list watches only other writers).
    connect(m_worker, &TrainingWorker::epochFinished, m_runs, [this] { m_runs->refresh(); });
}

void MainWindow::startDropoutAb() {
    const QString invalid = m_document->invalidReason();
    QString error = invalid;
    if (invalid.isEmpty()) {
        m_banner->hide();
        if (m_dropoutAb->start(m_document->spec(), &error)) {
            return;
        }
    }
    showError(tr("Cannot start the dropout A/B"), error);
}
