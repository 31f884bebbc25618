#pragma once

#include <cstdint>
#include <map>
#include <tuple>

#include <QDateTime>
#include <QJsonObject>
#include <QString>
#include <QVector>
#include <cstdint>

#include "layerlab/experiment.h"

// Run folders as the Runs panel, the comparison and the exports read them:
// config.json, metrics.csv and summary.json, written by core's RunRecorder
// (from the GUI or from layerlab-cli, maybe on another machine).

// Where runs are kept: $LAYERLAB_RUNS, else <user data dir>/runs. Tests
// point LAYERLAB_RUNS at a temporary folder.
QString runsDirectory();

// True, saying by whom in `why`, when a process is writing the run folder
// now (see layerlab::runIsBeingWritten): it is then neither renamed nor
// deleted under that process's feet.
bool runWrittenElsewhere(const QString& directory, QString* why);

// One step row or one validation row of metrics.csv.
struct StepPoint {
    int64_t step = 0;
    int epoch = 0;
    double loss = 0;
    double accuracy = 0;
};
struct ValidationPoint {
    int epoch = 0;
    int64_t step = 0;
    double loss = 0;
    double accuracy = 0;
};

// What one run folder holds, as far as it has been written.
struct RunRecord {
    QString directory;
    QString name;  // the folder's name
    QDateTime date;
    QString dataset;
    // completed, stopped, failed, running (being written now: see
    // layerlab::runIsBeingWritten; empty before its first summary), or
    // interrupted (it says running, but no process writes it: killed).
    QString outcome;
    int epochsPlanned = 0;
    int epochsDone = 0;
    double validationAccuracy = -1;  // -1: none yet
    double validationLoss = -1;
    double secondsPerEpoch = 0;
    double samplesPerSecond = 0;
    bool hasCheckpoint = false;
    bool specValid = false;
    layerlab::ExperimentSpec spec;
    QJsonObject summary;

    QVector<StepPoint> steps;
    QVector<ValidationPoint> validation;
    // Steps per epoch, from the spec and the summary when known, else from
    // the rows (the step of the first validation row).
    int64_t stepsPerEpoch = 1;

    // "dropout on", "dropout off" or "no dropout": how A/B runs differ.
    QString dropoutText() const;
    // Empty for a run that was stopped, failed or interrupted with epochs
    // to go and a checkpoint to go on from;
    // else why it cannot be resumed, as "it has ...".
    QString whyNotResumable() const;
};

// Reads a run folder and keeps reading it: update() parses only what was
// appended to metrics.csv since the last call (whole lines only, so a row
// being written is read next time), and re-reads summary.json when it
// changed. A folder still being written by another process is followed this
// way at the cost of its new bytes.
class RunReader {
public:
    // What the record keeps of metrics.csv: every step for the charts, or
    // only the validation rows, enough for a list of runs.
    enum class Keep { EveryStep, ValidationOnly };

    explicit RunReader(const QString& directory, Keep keep = Keep::EveryStep);

    // True when something new arrived.
    bool update();
    const RunRecord& record() const { return m_record; }

private:
    void readConfig();
    bool readSummary();
    bool readMetrics();

    RunRecord m_record;
    Keep m_keep;
    bool m_sawSteps = false;
    qint64 m_metricsOffset = 0;
    // The summary.json last read: inode, modification time, size.
    using SummaryStamp = std::tuple<uint64_t, int64_t, int64_t, int64_t>;
    SummaryStamp m_summaryStamp{};
    QString m_writtenOutcome;  // as summary.json has it
};

// Lists the run folders under a directory (those holding a config.json),
// the newest first, keeping a reader per folder: listing again reads only
// what changed since. The runs panel lists at every run's start and end, on
// the GUI thread, and parsing a finished run's metrics.csv again each time
// cost about 2 ms a run (120 ms with 60 runs).
class RunListing {
public:
    QVector<RunRecord> list(const QString& directory);

private:
    std::map<QString, RunReader> m_readers;  // by folder; gone ones dropped
};

// The same, once.
QVector<RunRecord> listRuns(const QString& directory);
