#include "charts_panel.h"

#include <QButtonGroup>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenu>
#include <QResizeEvent>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>

#include "chart_export.h"
#include "format.h"
#include "metric_chart.h"
#include "picture_export.h"
#include "run_export.h"
#include "run_history.h"

namespace {
// Side by side from this width-to-height ratio up, stacked below it: at 1.5
// both arrangements give each chart the same distance from a 3:2 shape.
constexpr double kSideBySideAspect = 1.5;
// Training curves redraw at most 2.5 times a second. Redrawing is nearly all
// the window's work while a run trains, and that time is taken from the
// training threads, which keep every core busy: at each 5 Hz delivery the GUI
// thread used 3% of a core (layerlab-bench). Validation dots and a new run
// still draw at once.
constexpr qint64 kStepRedrawMs = 400;
}  // namespace

ChartsPanel::ChartsPanel(QWidget* parent) : QWidget(parent) {
    m_pendingRedraw = new QTimer(this);
    m_pendingRedraw->setSingleShot(true);
    connect(m_pendingRedraw, &QTimer::timeout, this, &ChartsPanel::redrawSteps);

    m_loss = new MetricChart(tr("Loss"), /*percent=*/false, this);
    m_accuracy = new MetricChart(tr("Accuracy"), /*percent=*/true, this);

    m_summary = new QLabel(tr("No run yet: press Start (F5)."), this);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Wrapped: unwrapped, a long epoch line set the window's minimum width
    // and pushed it past a 1366-pixel screen.
    m_summary->setWordWrap(true);

    m_rawButton = new QToolButton(this);
    m_rawButton->setText(tr("Raw"));
    m_rawButton->setToolTip(tr("Training curve: every step's batch value"));
    m_smoothedButton = new QToolButton(this);
    m_smoothedButton->setText(tr("Smoothed"));
    m_smoothedButton->setToolTip(tr("Training curve: moving average over ~20 steps"));
    auto* group = new QButtonGroup(this);
    for (QToolButton* button : {m_rawButton, m_smoothedButton}) {
        button->setCheckable(true);
        group->addButton(button);
    }
    m_smoothedButton->setChecked(true);
    connect(m_smoothedButton, &QToolButton::toggled, this, &ChartsPanel::setSmoothed);

    // Blog-sized pictures of the shown run's curves, as the bundle has them.
    m_exportButton = new QToolButton(this);
    m_exportButton->setText(tr("Export"));
    m_exportButton->setToolTip(tr("Save the loss or accuracy chart as PNG or SVG"));
    m_exportButton->setPopupMode(QToolButton::InstantPopup);
    m_exportButton->setEnabled(false);
    auto* exportMenu = new QMenu(m_exportButton);
    for (const bool accuracy : {false, true}) {
        exportMenu->addAction(
            accuracy ? tr("Accuracy chart…") : tr("Loss chart…"), this, [this, accuracy] {
                const QString file = askPictureFile(
                    this, accuracy ? tr("Export accuracy chart") : tr("Export loss chart"),
                    QFileInfo(m_runDirectory).fileName() + (accuracy ? "-accuracy" : "-loss"));
                if (!file.isEmpty()) {
                    savePictureOrSay(this, file,
                                     [this, accuracy](const QString& f, QString* error) {
                                         return exportChart(f, accuracy, error);
                                     });
                }
            });
    }
    m_exportButton->setMenu(exportMenu);

    auto* header = new QHBoxLayout;
    header->addWidget(m_summary, 1);
    header->addWidget(m_rawButton);
    header->addWidget(m_smoothedButton);
    header->addWidget(m_exportButton);

    m_charts = new QBoxLayout(QBoxLayout::LeftToRight);
    m_charts->addWidget(m_loss);
    m_charts->addWidget(m_accuracy);

    auto* column = new QVBoxLayout(this);
    column->setContentsMargins(6, 6, 6, 6);
    column->addLayout(header);
    column->addLayout(m_charts, 1);
}

QString ChartsPanel::summaryText() const {
    return m_summary->text();
}

void ChartsPanel::startRun(const layerlab::RunStart& start) {
    m_loss->reset(start.epochs, start.stepsPerEpoch);
    m_accuracy->reset(start.epochs, start.stepsPerEpoch);
    m_summary->setText(tr("%1 · %2 training / %3 validation images")
                           .arg(QString::fromStdString(start.deviceName),
                                fmt::grouped(start.trainSamples),
                                fmt::grouped(start.validationSamples)));
}

void ChartsPanel::addSteps(const std::vector<layerlab::StepMetrics>& steps) {
    for (const layerlab::StepMetrics& step : steps) {
        m_loss->appendStep(step.step, step.loss);
        m_accuracy->appendStep(step.step, step.accuracy);
    }
    // Redrawn at most every kStepRedrawMs; the steps in between wait in the
    // series for the next redraw (see the constant).
    if (!m_sinceRedraw.isValid() || m_sinceRedraw.elapsed() >= kStepRedrawMs) {
        redrawSteps();
    } else if (!m_pendingRedraw->isActive()) {
        m_pendingRedraw->start(int(kStepRedrawMs - m_sinceRedraw.elapsed()));
    }
}

void ChartsPanel::redrawSteps() {
    m_pendingRedraw->stop();
    m_sinceRedraw.start();
    m_loss->refresh();
    m_accuracy->refresh();
}

void ChartsPanel::addEpoch(const layerlab::EpochMetrics& epoch) {
    m_loss->appendValidation(epoch.epoch, epoch.validationLoss);
    m_accuracy->appendValidation(epoch.epoch, epoch.validationAccuracy);
    redrawSteps();
    QString text = tr("<b>Epoch %1</b> · validation loss %2 · accuracy <b>%3</b>")
                       .arg(epoch.epoch)
                       .arg(epoch.validationLoss, 0, 'f', 4)
                       .arg(fmt::percent(epoch.validationAccuracy));
    // A resumed run's replayed epochs carry only the validation numbers.
    // The speed is the Training panel's to show: beside it here the line
    // wrapped on a 1366-pixel screen, taking a row from the charts.
    if (epoch.samplesPerSecond > 0) {
        text += tr(" · train loss %1").arg(epoch.trainLoss, 0, 'f', 4);
    }
    m_summary->setText(text);
}

void ChartsPanel::showRun(const RunRecord& run) {
    const int epochs = std::max(run.epochsPlanned, run.epochsDone);
    m_loss->reset(epochs, run.stepsPerEpoch);
    m_accuracy->reset(epochs, run.stepsPerEpoch);
    for (const StepPoint& step : run.steps) {
        m_loss->appendStep(step.step, step.loss);
        m_accuracy->appendStep(step.step, step.accuracy);
    }
    for (const ValidationPoint& point : run.validation) {
        m_loss->appendValidation(point.epoch, point.loss);
        m_accuracy->appendValidation(point.epoch, point.accuracy);
    }
    redrawSteps();
    setRunDirectory(run.directory);
    QString text = tr("<b>%1</b> · %2 of %3 epochs")
                       .arg(run.name.toHtmlEscaped())
                       .arg(run.epochsDone)
                       .arg(run.epochsPlanned);
    if (run.validationAccuracy >= 0) {
        text += tr(" · validation accuracy <b>%1</b>").arg(fmt::percent(run.validationAccuracy));
    }
    // How it ended, unless it simply finished: a stopped or interrupted run
    // is one to resume, not a result to quote.
    if (run.outcome.isEmpty() || run.outcome == QLatin1String("running")) {
        text += tr(" · <b>running</b>");
    } else if (run.outcome != QLatin1String("completed")) {
        text += tr(" · <b>%1</b>").arg(run.outcome.toHtmlEscaped());
    }
    m_summary->setText(text);
}

void ChartsPanel::setRunDirectory(const QString& directory) {
    m_runDirectory = directory;
    m_exportButton->setEnabled(!directory.isEmpty());
}

bool ChartsPanel::exportChart(const QString& file, bool accuracy, QString* error) const {
    if (m_runDirectory.isEmpty()) {
        if (error) {
            *error = tr("%1: there is no run to export yet").arg(file);
        }
        return false;
    }
    // From the folder, not the widgets: every step, at the export's size.
    RunReader reader(m_runDirectory);
    reader.update();
    const QVector<RunRecord> runs{reader.record()};
    return saveChartPng(accuracy ? accuracyPicture(runs) : lossPicture(runs), file, error);
}

void ChartsPanel::setSmoothed(bool smoothed) {
    m_loss->setSmoothed(smoothed);
    m_accuracy->setSmoothed(smoothed);
    redrawSteps();
}

void ChartsPanel::resizeEvent(QResizeEvent* event) {
    const QSize size = event->size();
    m_charts->setDirection(size.width() >= kSideBySideAspect * size.height()
                               ? QBoxLayout::LeftToRight
                               : QBoxLayout::TopToBottom);
    QWidget::resizeEvent(event);
}
