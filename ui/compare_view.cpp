#include "compare_view.h"

#include <QAbstractAxis>
#include <QBoxLayout>
#include <QChart>
#include <QChartView>
#include <QFileDialog>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegend>
#include <QMessageBox>
#include <QPushButton>
#include <QTableWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <cmath>

#include "format.h"
#include "logging.h"
#include "run_export.h"

namespace {
// Once a second: a run writes a row per step, but a person reading the
// curves needs no more.
constexpr int kFollowIntervalMs = 1000;

// The pictures are laid out for an 800x500 export; at the size of a bottom
// dock on a laptop screen their fonts left the titles, the axis titles and
// the tick labels cut to "…".
QChart* fitForSmallView(QChart* chart) {
    constexpr qreal kTitlePoints = 9;
    constexpr qreal kTextPoints = 8;
    QFont title = chart->titleFont();
    title.setPointSizeF(kTitlePoints);
    chart->setTitleFont(title);
    for (QAbstractAxis* axis : chart->axes()) {
        QFont axisTitle = axis->titleFont();
        axisTitle.setPointSizeF(kTextPoints);
        axis->setTitleFont(axisTitle);
        QFont labels = axis->labelsFont();
        labels.setPointSizeF(kTextPoints);
        axis->setLabelsFont(labels);
    }
    QFont legend = chart->legend()->font();
    legend.setPointSizeF(kTextPoints);
    chart->legend()->setFont(legend);
    chart->setMargins(QMargins(2, 2, 2, 2));
    return chart;
}

void setChart(QChartView* view, QChart* chart) {
    QChart* old = view->chart();
    view->setChart(chart);  // the view releases the old chart without deleting it
    delete old;
}
}  // namespace

CompareView::CompareView(QWidget* parent) : QWidget(parent) {
    m_lossView = new QChartView(this);
    m_accuracyView = new QChartView(this);
    for (QChartView* view : {m_lossView, m_accuracyView}) {
        view->setRenderHint(QPainter::Antialiasing);
        view->setMinimumSize(260, 200);
    }
    m_table = new QTableWidget(0, 8, this);
    m_table->setHorizontalHeaderLabels({tr("Run"), tr("Dropout"), tr("Val. accuracy"),
                                        tr("Difference"), tr("Val. loss"), tr("Epochs"),
                                        tr("Time/epoch"), tr("Outcome")});
    m_table->horizontalHeader()->setSectionResizeMode(0, QHeaderView::Stretch);
    m_table->verticalHeader()->hide();
    m_table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_table->setMaximumHeight(160);

    m_status = new QLabel(tr("Pick runs in the Runs panel and press Compare."), this);
    m_status->setWordWrap(true);  // a long status must not widen the window
    m_exportButton = new QPushButton(tr("Export Blog Bundle…"), this);
    m_exportButton->setEnabled(false);
    connect(m_exportButton, &QPushButton::clicked, this, &CompareView::exportBundleTo);

    auto* header = new QHBoxLayout;
    header->addWidget(m_status, 1);
    header->addWidget(m_exportButton);
    m_charts = new QBoxLayout(QBoxLayout::LeftToRight);
    m_charts->addWidget(m_lossView);
    m_charts->addWidget(m_accuracyView);
    auto* column = new QVBoxLayout(this);
    column->setContentsMargins(6, 6, 6, 6);
    column->addLayout(header);
    column->addLayout(m_charts, 1);
    column->addWidget(m_table);

    m_followTimer = new QTimer(this);
    m_followTimer->setInterval(kFollowIntervalMs);
    connect(m_followTimer, &QTimer::timeout, this, &CompareView::poll);
    redraw();
}

CompareView::~CompareView() {
    // The validation thread reads run folders and LibTorch: let it finish
    // rather than be torn down under it.
    if (m_exportThread) {
        m_exportThread->wait();
    }
}

void CompareView::showRuns(const QStringList& directories) {
    m_readers.clear();
    for (const QString& directory : directories) {
        m_readers.push_back(std::make_unique<RunReader>(directory));
        m_readers.back()->update();
    }
    m_followTimer->start();
    redraw();
}

QStringList CompareView::directories() const {
    QStringList list;
    for (const auto& reader : m_readers) {
        list << reader->record().directory;
    }
    return list;
}

QVector<RunRecord> CompareView::records() const {
    QVector<RunRecord> runs;
    for (const auto& reader : m_readers) {
        runs.append(reader->record());
    }
    return runs;
}

void CompareView::poll() {
    bool changed = false;
    for (const auto& reader : m_readers) {
        changed = reader->update() || changed;
    }
    if (changed) {
        redraw();
    }
}

void CompareView::redraw() {
    const QVector<RunRecord> runs = records();
    setChart(m_lossView, fitForSmallView(buildChart(lossPicture(runs))));
    setChart(m_accuracyView, fitForSmallView(buildChart(accuracyPicture(runs))));
    m_exportButton->setEnabled(!runs.isEmpty() && !m_exportThread);

    m_table->setRowCount(int(runs.size()));
    const double reference = runs.isEmpty() ? -1 : runs.front().validationAccuracy;
    bool live = false;
    for (int i = 0; i < runs.size(); ++i) {
        const RunRecord& r = runs[i];
        live = live || r.outcome.isEmpty() || r.outcome == "running";
        const bool has = r.validationAccuracy >= 0;
        QString difference = i == 0 ? tr("reference") : QStringLiteral("—");
        if (i > 0 && has && reference >= 0) {
            difference = QString("%1%2 pt")
                             .arg(r.validationAccuracy >= reference ? "+" : "−")
                             .arg(std::abs(r.validationAccuracy - reference) * 100.0, 0, 'f', 2);
        }
        const QStringList cells{r.name,
                                r.dropoutText(),
                                has ? fmt::percent(r.validationAccuracy) : "—",
                                difference,
                                has ? QString::number(r.validationLoss, 'f', 4) : "—",
                                QString("%1/%2").arg(r.epochsDone).arg(r.epochsPlanned),
                                r.secondsPerEpoch > 0 ? fmt::duration(r.secondsPerEpoch) : "—",
                                r.outcome.isEmpty() ? tr("running") : r.outcome};
        for (int c = 0; c < cells.size(); ++c) {
            auto* item = new QTableWidgetItem(cells[c]);
            if (c == 0) {
                item->setForeground(runColor(runs.size() == 1 ? 0 : i));
                item->setToolTip(r.directory);
            }
            m_table->setItem(i, c, item);
        }
    }
    if (runs.isEmpty()) {
        m_status->setText(tr("Pick runs in the Runs panel and press Compare."));
    } else {
        m_status->setText(live ? tr("%n run(s) · following the ones still being written", nullptr,
                                    int(runs.size()))
                               : tr("%n run(s)", nullptr, int(runs.size())));
    }
}

void CompareView::exportBundleTo() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Export blog bundle into"));
    if (dir.isEmpty()) {
        return;
    }
    exportBundleInto(dir);
}

bool CompareView::exportBundleInto(const QString& directory) {
    if (m_exportThread) {
        return false;
    }
    const QVector<RunRecord> runs = records();
    m_exportButton->setEnabled(false);
    emit notice(tr("Validating %n run(s) for the blog bundle…", nullptr, int(runs.size())));
    auto validations = std::make_shared<QVector<BundleValidation>>();
    m_exportThread =
        QThread::create([runs, validations] { *validations = validateForBundle(runs); });
    m_exportThread->setParent(this);
    connect(m_exportThread, &QThread::finished, this, [this, runs, validations, directory] {
        m_exportThread->deleteLater();
        m_exportThread = nullptr;
        m_exportButton->setEnabled(!m_readers.empty());
        QString error;
        QStringList skipped;
        const bool written = exportBundle(runs, *validations, directory, &error, &skipped);
        if (written) {
            emit notice(
                skipped.isEmpty()
                    ? tr("Blog bundle written to %1").arg(directory)
                    : tr("Blog bundle written to %1; %2").arg(directory, skipped.join("; ")));
        } else {
            qCWarning(lcUi) << "export failed:" << error;
            emit notice(tr("Export failed: %1").arg(error));
            // Not only in the status bar, which is easy to miss; and not
            // modal, so nothing waits on it.
            auto* box = new QMessageBox(QMessageBox::Warning, tr("Cannot export the blog bundle"),
                                        error, QMessageBox::Ok, this);
            box->setAttribute(Qt::WA_DeleteOnClose);
            box->open();
        }
        emit bundleExported(written);
    });
    m_exportThread->start();
    return true;
}

void CompareView::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    m_charts->setDirection(width() >= 2 * m_lossView->minimumWidth() + 40
                               ? QBoxLayout::LeftToRight
                               : QBoxLayout::TopToBottom);
}
