#pragma once

#include <QDialog>
#include <QElapsedTimer>
#include <QProcess>

#include "layerlab/dataset.h"

class QLabel;
class QProgressBar;
class QPushButton;
class QTimer;

// What the app shows when a dataset is not where it looks (on a first run, or
// when a run fails for it): the folders it searched, and two ways out. For
// MNIST it fetches the data with the set-up script (scripts/fetch-data,
// installed as libexec/layerlab/fetch-data) and shows that script's progress;
// for either dataset it lets the user pick a folder that holds the files.
class DatasetSetupDialog : public QDialog {
    Q_OBJECT
public:
    explicit DatasetSetupDialog(layerlab::DatasetKind kind, QWidget* parent = nullptr);
    // Kills a fetch still running: nothing is moved into place half-done,
    // since the script checks every file before it installs any.
    ~DatasetSetupDialog() override;

    // "LayerLab looked for MNIST in: ..." with one folder a line.
    QString searchedText() const;
    QString statusText() const;
    QProgressBar* progressBar() const { return m_progress; }
    QPushButton* fetchButton() const { return m_fetch; }

    // Starts the fetch script; false (with the reason in the status line)
    // when there is none to run.
    bool startFetch();
    // Uses `folder` if it (or its mnist/ or fashion-mnist/ subfolder) holds
    // the four files; otherwise says what is missing and returns false.
    bool useFolder(const QString& folder);

    // The fetch script: $LAYERLAB_FETCH_DATA, else the one installed beside
    // the executable (<prefix>/libexec/layerlab/fetch-data), else the source
    // tree's for a build that is run in place; empty when none exists.
    static QString fetchScript();
    // Points the data search at a folder the user picked, now
    // ($LAYERLAB_DATA) and on later starts (QSettings).
    static void rememberDataFolder(const QString& folder);
    // At start-up: sets $LAYERLAB_DATA to the remembered folder, unless the
    // user set it in the environment.
    static void restoreDataFolder();

signals:
    // The dataset is now where the search finds it.
    void datasetReady(const QString& directory);

private:
    void pickFolder();
    void readFetchOutput();
    void fetchFinished(int exitCode, QProcess::ExitStatus status);
    void showElapsed();
    void setBusy(bool busy);
    void setStatus(const QString& text);

    layerlab::DatasetKind m_kind;
    QLabel* m_searched;
    QLabel* m_status;
    QProgressBar* m_progress;
    QPushButton* m_fetch = nullptr;
    QPushButton* m_pick;
    QPushButton* m_close;
    QProcess* m_process = nullptr;
    QTimer* m_elapsedTimer;
    QElapsedTimer m_clock;
    QString m_step;       // the script's latest "[N/M] what" text
    QString m_errorText;  // what the script wrote to stderr
};
