#include "runs_panel.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QFileSystemWatcher>
#include <QGridLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLocale>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QTimer>
#include <QTreeWidget>
#include <QVBoxLayout>

#include "format.h"
#include "run_history.h"

namespace {
// What a post quotes first, so that a narrow dock shows it without scrolling.
enum Column { kName, kAccuracy, kEpochs, kEpochTime, kDate, kDataset, kColumns };
constexpr int kDirectoryRole = Qt::UserRole;
constexpr int kWhyNotResumableRole = Qt::UserRole + 1;

// A run writes its folder in bursts (config, then a row per step): list
// again once it has been quiet this long, not at every file event.
constexpr int kRefreshDelayMs = 500;
// While another process trains a run, the list looks again this often: its
// end (the writer letting go of the folder) and a killed writer change no
// file the watcher would report.
constexpr int kLivePollMs = 3000;

// "seed-dropout-20261204-195512" shows as "seed-dropout": the Date column
// has the time, the tooltip the whole folder name.
QString displayName(const QString& folderName) {
    static const QRegularExpression stamp("-\\d{8}-\\d{6}(-\\d+)?$");
    QString name = folderName;
    name.remove(stamp);
    return name.isEmpty() ? folderName : name;
}
}  // namespace

RunsPanel::RunsPanel(QWidget* parent) : QWidget(parent) {
    m_list = new QTreeWidget(this);
    m_list->setColumnCount(kColumns);
    m_list->setHeaderLabels(
        {tr("Run"), tr("Val. acc."), tr("Epochs"), tr("s/epoch"), tr("Date"), tr("Data")});
    m_list->setRootIsDecorated(false);
    m_list->setSelectionMode(QAbstractItemView::ExtendedSelection);
    // Every column as wide as its contents, the name in full; a narrow dock
    // scrolls sideways to the date and dataset.
    m_list->header()->setStretchLastSection(false);
    m_list->header()->setSectionResizeMode(kName, QHeaderView::ResizeToContents);
    for (int c = kName + 1; c < kColumns; ++c) {
        m_list->header()->setSectionResizeMode(c, QHeaderView::ResizeToContents);
    }
    m_list->setToolTip(tr("Tick runs to compare; double-click one to open it"));

    m_compare = new QPushButton(tr("Compare"), this);
    m_compare->setToolTip(tr("Overlay the ticked (or selected) runs' curves"));
    m_open = new QPushButton(tr("Open"), this);
    m_open->setToolTip(
        tr("Show the selected run's curves, confusion matrix and predictions, "
           "and draw digits for its network"));
    m_resume = new QPushButton(tr("Resume"), this);
    m_resume->setToolTip(
        tr("Continue a stopped or crashed run from its last checkpoint; its curves go on"));
    m_rename = new QPushButton(tr("Rename…"), this);
    m_delete = new QPushButton(tr("Delete…"), this);
    auto* open = new QPushButton(tr("Open Folder…"), this);
    open->setToolTip(tr("Open a run folder from anywhere, also one still being written"));

    auto* buttons = new QGridLayout;
    buttons->addWidget(m_open, 0, 0);
    buttons->addWidget(m_compare, 0, 1);
    buttons->addWidget(m_resume, 1, 0);
    buttons->addWidget(open, 1, 1);
    buttons->addWidget(m_rename, 2, 0);
    buttons->addWidget(m_delete, 2, 1);
    auto* column = new QVBoxLayout(this);
    column->setContentsMargins(4, 4, 4, 4);
    column->addWidget(m_list, 1);
    column->addLayout(buttons);

    connect(m_compare, &QPushButton::clicked, this,
            [this] { emit compareRequested(chosenDirectories()); });
    connect(m_rename, &QPushButton::clicked, this, &RunsPanel::renameChosen);
    connect(m_delete, &QPushButton::clicked, this, &RunsPanel::deleteChosen);
    connect(open, &QPushButton::clicked, this, &RunsPanel::openFolder);
    connect(m_list, &QTreeWidget::itemDoubleClicked, this, [this](QTreeWidgetItem* item) {
        emit openRequested(item->data(kName, kDirectoryRole).toString());
    });
    connect(m_open, &QPushButton::clicked, this, [this] {
        const QStringList chosen = actedOnDirectories();
        if (chosen.size() == 1) {
            emit openRequested(chosen.front());
        }
    });
    connect(m_resume, &QPushButton::clicked, this, [this] {
        const QStringList chosen = actedOnDirectories();
        if (chosen.size() == 1) {
            emit resumeRequested(chosen.front());
        }
    });
    connect(m_list, &QTreeWidget::itemSelectionChanged, this, &RunsPanel::updateButtons);
    connect(m_list, &QTreeWidget::itemChanged, this, &RunsPanel::updateButtons);

    m_refreshSoon = new QTimer(this);
    m_refreshSoon->setSingleShot(true);
    m_refreshSoon->setInterval(kRefreshDelayMs);
    connect(m_refreshSoon, &QTimer::timeout, this, &RunsPanel::refresh);
    m_livePoll = new QTimer(this);
    m_livePoll->setSingleShot(true);
    m_livePoll->setInterval(kLivePollMs);
    connect(m_livePoll, &QTimer::timeout, this, &RunsPanel::refresh);
    m_watcher = new QFileSystemWatcher(this);
    connect(m_watcher, &QFileSystemWatcher::directoryChanged, m_refreshSoon,
            qOverload<>(&QTimer::start));
    setDirectory(runsDirectory());
}

void RunsPanel::setDirectory(const QString& directory) {
    if (!m_watcher->directories().isEmpty()) {
        m_watcher->removePaths(m_watcher->directories());
    }
    m_directory = directory;
    QDir().mkpath(directory);
    m_watcher->addPath(directory);
    refresh();
}

// A run written by another process (layerlab-cli, another window) rewrites
// its summary.json by renaming a new one into its folder at each epoch's end
// and when it finishes: watching the folders of runs still going on shows
// that without polling. The run this window trains is left out: the list is
// refreshed when it starts and ends, and a refresh re-reads every run's
// metrics on the GUI thread, which an epoch's end should not wait for.
void RunsPanel::watchLiveRuns(const QStringList& live) {
    QStringList stale;
    for (const QString& watched : m_watcher->directories()) {
        if (watched != m_directory && (!live.contains(watched) || watched == m_activeRun)) {
            stale << watched;
        }
    }
    if (!stale.isEmpty()) {
        m_watcher->removePaths(stale);
    }
    QStringList added;
    for (const QString& run : live) {
        if (run != m_activeRun && !m_watcher->directories().contains(run)) {
            added << run;
        }
    }
    if (!added.isEmpty()) {
        m_watcher->addPaths(added);
    }
}

void RunsPanel::refresh() {
    const QStringList ticked = directories(true);
    const QStringList selected = directories(false);
    const QSignalBlocker blocker(m_list);
    m_list->clear();
    QStringList live;
    for (const RunRecord& run : m_listing.list(m_directory)) {
        const bool running = run.outcome.isEmpty() || run.outcome == "running";
        if (running) {
            live << run.directory;
        }
        auto* item = new QTreeWidgetItem(m_list);
        item->setText(kName, displayName(run.name));
        item->setData(kName, kDirectoryRole, run.directory);
        item->setData(kName, kWhyNotResumableRole, run.whyNotResumable());
        item->setFlags(item->flags() | Qt::ItemIsUserCheckable);
        item->setCheckState(kName, ticked.contains(run.directory) ? Qt::Checked : Qt::Unchecked);
        item->setSelected(selected.contains(run.directory));
        item->setText(kDate, QLocale().toString(run.date, "d MMM hh:mm"));
        item->setToolTip(kDate, QLocale().toString(run.date, QLocale::LongFormat));
        item->setText(kDataset, run.dataset);
        item->setText(kAccuracy, run.validationAccuracy >= 0
                                     ? fmt::percent(run.validationAccuracy)
                                     : (running ? tr("running") : QStringLiteral("—")));
        // How far it got, and why it ended there unless it completed: a
        // run stopped at 2 of 5 must not read like a finished one. Said in
        // words: a "…" for a live run read as text cut short.
        const QString ending = running                      ? tr("running")
                               : run.outcome == "completed" ? QString()
                                                            : run.outcome;
        item->setText(kEpochs, QString("%1/%2%3")
                                   .arg(run.epochsDone)
                                   .arg(run.epochsPlanned)
                                   .arg(ending.isEmpty() ? QString() : " " + ending));
        item->setText(kEpochTime, run.secondsPerEpoch > 0
                                      ? QString::number(run.secondsPerEpoch, 'f', 1)
                                      : QStringLiteral("—"));
        item->setToolTip(
            kName, tr("%1\n%2 · %3 · %4 epoch(s) of %5")
                       .arg(run.directory, run.outcome.isEmpty() ? tr("running") : run.outcome,
                            run.dropoutText())
                       .arg(run.epochsDone)
                       .arg(run.epochsPlanned));
    }
    updateButtons();
    watchLiveRuns(live);
    live.removeAll(m_activeRun);  // this window's run: its end refreshes the list
    if (live.isEmpty()) {
        m_livePoll->stop();
    } else {
        m_livePoll->start();
    }
}

QStringList RunsPanel::directories(bool ticked) const {
    QStringList found;
    for (int i = 0; i < m_list->topLevelItemCount(); ++i) {
        const QTreeWidgetItem* item = m_list->topLevelItem(i);
        if (ticked ? item->checkState(kName) == Qt::Checked : item->isSelected()) {
            found << item->data(kName, kDirectoryRole).toString();
        }
    }
    return found;
}

QStringList RunsPanel::chosenDirectories() const {
    const QStringList ticked = directories(true);
    return ticked.isEmpty() ? directories(false) : ticked;
}

QStringList RunsPanel::actedOnDirectories() const {
    const QStringList selected = directories(false);
    return selected.isEmpty() ? directories(true) : selected;
}

void RunsPanel::setActiveRun(const QString& directory) {
    m_activeRun = directory;
    updateButtons();
}

void RunsPanel::choose(const QStringList& directories) {
    for (int i = 0; i < m_list->topLevelItemCount(); ++i) {
        QTreeWidgetItem* item = m_list->topLevelItem(i);
        const QString dir = item->data(kName, kDirectoryRole).toString();
        item->setCheckState(kName, directories.contains(dir) ? Qt::Checked : Qt::Unchecked);
    }
}

void RunsPanel::updateButtons() {
    const int compared = int(chosenDirectories().size());
    m_compare->setEnabled(compared >= 2);
    m_compare->setText(compared > 1 ? tr("Compare %1").arg(compared) : tr("Compare"));
    const QStringList acted = actedOnDirectories();
    const bool one = acted.size() == 1;
    const bool active = !m_activeRun.isEmpty() && acted.contains(m_activeRun);
    m_open->setEnabled(one);
    QString whyNotResume;
    for (int i = 0; one && i < m_list->topLevelItemCount(); ++i) {
        const QTreeWidgetItem* item = m_list->topLevelItem(i);
        if (item->data(kName, kDirectoryRole).toString() == acted.front()) {
            whyNotResume = item->data(kName, kWhyNotResumableRole).toString();
        }
    }
    if (active) {
        whyNotResume = tr("this run is training now");
    } else if (one && !m_activeRun.isEmpty() && whyNotResume.isEmpty()) {
        whyNotResume = tr("another run is training; stop it first");
    }
    m_resume->setEnabled(one && whyNotResume.isEmpty());
    // A disabled button still says why, in its tooltip.
    m_resume->setToolTip(
        one && !whyNotResume.isEmpty()
            ? tr("Cannot resume: %1").arg(whyNotResume)
            : tr("Continue a stopped or crashed run from its last checkpoint; its curves go on"));
    m_rename->setEnabled(one && !active);
    m_delete->setEnabled(!acted.isEmpty() && !active);
    m_delete->setToolTip(active ? tr("The run being trained cannot be deleted; stop it first")
                                : tr("Delete the selected runs (after asking)"));
}

bool RunsPanel::renameRun(const QString& directory, const QString& newName, QString* error) {
    if (!m_activeRun.isEmpty() && QFileInfo(directory) == QFileInfo(m_activeRun)) {
        *error = tr("%1 is being trained; stop the run first").arg(directory);
        return false;
    }
    // Renamed under a writer, the run's next checkpoint and summary would
    // go to a folder that is gone.
    if (runWrittenElsewhere(directory, error)) {
        return false;
    }
    const QString name = newName.trimmed();
    if (name.isEmpty() || name.contains('/') || name.startsWith('.')) {
        *error = tr("“%1” is not a folder name; use letters, digits, - and _").arg(name);
        return false;
    }
    const QString target = QFileInfo(directory).dir().filePath(name);
    if (QFileInfo::exists(target)) {
        *error = tr("a run called “%1” is already there").arg(name);
        return false;
    }
    if (!QDir().rename(directory, target)) {
        *error = tr("%1 could not be renamed (is it open elsewhere?)").arg(directory);
        return false;
    }
    refresh();
    return true;
}

bool RunsPanel::deleteRun(const QString& directory, QString* error) {
    if (!m_activeRun.isEmpty() && QFileInfo(directory) == QFileInfo(m_activeRun)) {
        *error = tr("%1 is being trained; stop the run first").arg(directory);
        return false;
    }
    if (runWrittenElsewhere(directory, error)) {
        return false;
    }
    // Only a folder that looks like a run: a slip must not delete anything else.
    if (!QFileInfo::exists(directory + "/config.json")) {
        *error = tr("%1 is not a run folder (no config.json); nothing was deleted").arg(directory);
        return false;
    }
    if (!QDir(directory).removeRecursively()) {
        *error = tr("%1 could not be deleted completely").arg(directory);
        refresh();
        return false;
    }
    refresh();
    return true;
}

void RunsPanel::renameChosen() {
    const QStringList chosen = actedOnDirectories();
    if (chosen.size() != 1) {
        return;
    }
    // Refused before asking for a name that could not be used.
    QString error;
    if (runWrittenElsewhere(chosen.front(), &error)) {
        QMessageBox::warning(this, tr("Cannot rename"), error);
        return;
    }
    bool ok = false;
    const QString name =
        QInputDialog::getText(this, tr("Rename run"), tr("New name:"), QLineEdit::Normal,
                              QFileInfo(chosen.front()).fileName(), &ok);
    if (ok && !renameRun(chosen.front(), name, &error)) {
        QMessageBox::warning(this, tr("Cannot rename"), error);
    }
}

void RunsPanel::deleteChosen() {
    const QStringList chosen = actedOnDirectories();
    if (chosen.isEmpty()) {
        return;
    }
    QStringList names;
    for (const QString& dir : chosen) {
        // Refused before asking, and before any of the others is deleted.
        QString error;
        if (runWrittenElsewhere(dir, &error)) {
            QMessageBox::warning(this, tr("Cannot delete"), error);
            return;
        }
        names << QFileInfo(dir).fileName();
    }
    const auto answer =
        QMessageBox::question(this, tr("Delete runs"),
                              tr("Delete %n run(s) with their metrics and checkpoints?\n\n%1",
                                 nullptr, int(chosen.size()))
                                  .arg(names.join("\n")),
                              QMessageBox::Yes | QMessageBox::Cancel, QMessageBox::Cancel);
    if (answer != QMessageBox::Yes) {
        return;
    }
    for (const QString& dir : chosen) {
        QString error;
        if (!deleteRun(dir, &error)) {
            QMessageBox::warning(this, tr("Cannot delete"), error);
            return;
        }
    }
    emit notice(tr("Deleted %n run(s)", nullptr, int(chosen.size())));
}

void RunsPanel::openFolder() {
    const QString dir = QFileDialog::getExistingDirectory(this, tr("Open run folder"), m_directory);
    if (dir.isEmpty()) {
        return;
    }
    if (!QFileInfo::exists(dir + "/config.json") && !QFileInfo::exists(dir + "/metrics.csv")) {
        QMessageBox::warning(this, tr("Not a run folder"),
                             tr("%1 holds no config.json or metrics.csv; pick the folder that "
                                "layerlab-cli train wrote (its --out)")
                                 .arg(dir));
        return;
    }
    emit openRequested(dir);
}
