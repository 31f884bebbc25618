#pragma once

#include <QObject>
#include <QString>
#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "layerlab/experiment.h"
#include "layerlab/trainer.h"

class QTimer;

// Runs the core trainer on a thread of its own and hands its progress to the
// GUI as values.
//
// Threads: the training thread loads the dataset, builds the Trainer and runs
// it; its observer only appends to m_inbox under m_inboxMutex and returns. A
// GUI timer at 5 Hz takes the lock just long enough to swap the inbox out,
// then emits the signals below outside the lock. So the GUI thread never runs
// a step and never waits on one, and a slow chart never slows training.
//
// Lock rule: m_inbox is only touched under m_inboxMutex; m_trainer (the
// pointer, not the object) only under m_trainerMutex. Trainer::requestStop()
// and setPaused() are themselves thread-safe.
class TrainingWorker : public QObject {
    Q_OBJECT
public:
    enum class State { Idle, Loading, Running, Paused, Stopping };
    Q_ENUM(State)

    explicit TrainingWorker(QObject* parent = nullptr);
    // Stops a run and waits for its thread: the one place that blocks, so that
    // closing the window never leaves a thread training behind.
    ~TrainingWorker() override;

    // Starts a run of a copy of `spec`; false when one is already going on.
    bool start(const layerlab::ExperimentSpec& spec);
    // Continues a stopped or crashed run folder from its checkpoint, with
    // the folder's own experiment: its rows so far are sent first (as steps
    // and epochs), so the curves continue where they ended. False with
    // `error` set when a run is going on or the folder cannot be resumed.
    bool resumeRun(const QString& runDirectory, QString* error);
    void pause();
    void resume();
    void stop();
    // Stops and waits for the thread to end (window closing).
    void shutdown();

    State state() const { return m_state; }
    bool isBusy() const { return m_state != State::Idle; }

    // For live inference (the drawing canvas): the newest weight snapshot of
    // the current run, or the last snapshot of the run that ended; null
    // before the first. Snapshots come every kSnapshotEvery steps and at each
    // epoch's end. Safe from the GUI thread; never touches the trainer's model.
    std::shared_ptr<const layerlab::ModelWeights> latestWeights() const;
    // The spec of the current or last run (what latestWeights() fit).
    const layerlab::ExperimentSpec& runSpec() const { return m_runSpec; }
    // The dataset of the current or last run once loaded, else null: the
    // validation images the evaluation panels show.
    std::shared_ptr<const layerlab::Dataset> runDataset() const;

    // Every run is recorded as a run folder (config, metrics, summary with an
    // environment card, checkpoint) under this directory; runsDirectory() by
    // default. The folder of the current or last run:
    void setRunsDirectory(const QString& directory) { m_runsDirectory = directory; }
    QString lastRunDirectory() const { return m_lastRunDirectory; }

signals:
    void stateChanged(TrainingWorker::State state);
    void runStarted(const layerlab::RunStart& start);
    void stepsArrived(const std::vector<layerlab::StepMetrics>& steps);
    void epochFinished(const layerlab::EpochMetrics& epoch);
    void noticeRaised(const QString& message);
    void runFinished(const layerlab::RunSummary& summary);

private:
    // What the training thread has produced since the last drain.
    struct Inbox {
        std::optional<layerlab::RunStart> start;
        std::vector<layerlab::StepMetrics> steps;
        std::vector<layerlab::EpochMetrics> epochs;
        std::vector<std::string> notices;
        std::optional<layerlab::RunSummary> summary;
        bool loaded = false;
    };
    class Observer;

    void launch(const layerlab::ExperimentSpec& spec, const QString& runDirectory, bool resume);
    void trainOnThread(layerlab::ExperimentSpec spec, std::string runDirectory, bool resume);
    // Facts for the run's environment card beyond the trainer's own: Qt's
    // and OpenCV's versions, the dataset's files and their CRC-32s.
    static std::map<std::string, std::string> environmentCard(const layerlab::Dataset& data);
    std::shared_ptr<const layerlab::Dataset> dataset(layerlab::DatasetKind kind);
    void drain();
    void setState(State state);
    void finishThread();
    // Gives the memory a finished run freed back to the system.
    static void returnFreedMemory();

    std::thread m_thread;
    QTimer* m_drainTimer;
    State m_state = State::Idle;

    std::mutex m_inboxMutex;
    Inbox m_inbox;

    mutable std::mutex m_trainerMutex;
    layerlab::Trainer* m_trainer = nullptr;
    // Requests made before the trainer exists (while the dataset loads) are
    // applied when it does.
    std::atomic<bool> m_stopRequested{false};
    std::atomic<bool> m_pauseRequested{false};

    // Loaded datasets stay for the next run: loading MNIST takes about a
    // second, and an A/B pair of runs would pay it twice. Training thread only.
    std::map<layerlab::DatasetKind, std::shared_ptr<const layerlab::Dataset>> m_datasets;

    // Set on the training thread, read on the GUI thread: under m_resultsMutex.
    mutable std::mutex m_resultsMutex;
    std::shared_ptr<const layerlab::ModelWeights> m_finalWeights;
    std::shared_ptr<const layerlab::Dataset> m_runData;
    layerlab::ExperimentSpec m_runSpec;  // GUI thread only

    QString m_runsDirectory;
    QString m_lastRunDirectory;
};

Q_DECLARE_METATYPE(layerlab::RunStart)
Q_DECLARE_METATYPE(layerlab::EpochMetrics)
Q_DECLARE_METATYPE(layerlab::RunSummary)
