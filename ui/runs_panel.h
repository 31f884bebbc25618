#pragma once

#include <QStringList>
#include <QWidget>

#include "run_history.h"

class QFileSystemWatcher;
class QPushButton;
class QTimer;
class QTreeWidget;

// The run history: every run folder under the runs directory, newest
// first, with what a blog post quotes (date, dataset, validation accuracy,
// time per epoch). Tick runs and Compare them, or open a single one (its
// curves, confusion matrix and predictions); resume a stopped or crashed
// one; rename and delete (after asking); open a run folder from elsewhere,
// even one another process is still writing.
class RunsPanel : public QWidget {
    Q_OBJECT
public:
    explicit RunsPanel(QWidget* parent = nullptr);

    // Lists the runs again (also done when the folder changes).
    void refresh();
    void setDirectory(const QString& directory);
    QString directory() const { return m_directory; }

    QTreeWidget* list() const { return m_list; }
    QPushButton* compareButton() const { return m_compare; }
    // Compare takes the ticked runs, else the selected ones; Open, Resume,
    // Rename and Delete act on the highlighted (selected) rows, else the
    // ticked ones.
    QStringList chosenDirectories() const;
    QStringList actedOnDirectories() const;
    // The folder a run in this window is writing: never renamed or deleted
    // under it. Empty when none trains.
    void setActiveRun(const QString& directory);
    // Ticks exactly these runs (an A/B pair that just finished).
    void choose(const QStringList& directories);

    // Both ask nothing: the dialogs are in the buttons' handlers.
    bool renameRun(const QString& directory, const QString& newName, QString* error);
    bool deleteRun(const QString& directory, QString* error);

    QPushButton* openButton() const { return m_open; }
    QPushButton* resumeButton() const { return m_resume; }
    QPushButton* deleteButton() const { return m_delete; }

signals:
    void compareRequested(const QStringList& directories);
    // One run: show its curves, matrix and predictions (double-click, Open).
    void openRequested(const QString& directory);
    // Continue a stopped or crashed run from its checkpoint.
    void resumeRequested(const QString& directory);
    void notice(const QString& message);

private:
    void renameChosen();
    void deleteChosen();
    void openFolder();
    void updateButtons();
    void watchLiveRuns(const QStringList& live);

    QStringList directories(bool ticked) const;

    QString m_directory;
    RunListing m_listing;
    QString m_activeRun;
    QTreeWidget* m_list;
    QPushButton* m_compare;
    QPushButton* m_open;
    QPushButton* m_resume;
    QPushButton* m_rename;
    QPushButton* m_delete;
    QFileSystemWatcher* m_watcher;
    QTimer* m_refreshSoon;
    QTimer* m_livePoll;
};
