#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "layerlab/trainer.h"

namespace layerlab {

// Writes a run directory as the run goes: config.json at once (a resumed
// run's once its checkpoint has loaded, at onStart), metrics.csv
// line by line (flushed each epoch, so another process can follow it), and
// summary.json at the end. The checkpoint is the trainer's to write.
//
// metrics.csv has one row per step; val_loss and val_acc are filled on the
// last step of each epoch and empty elsewhere. summary.json is rewritten at
// every epoch end too (outcome "running"), so a folder still being written,
// or one whose process was killed, says how far it got.
class RunRecorder : public TrainingObserver {
public:
    // Fresh: a new run; an existing metrics.csv is replaced.
    // Resume: the run continues from its checkpoint; onStart keeps the rows
    // and the summary history of the epochs before RunStart::firstEpoch (a
    // crash may have left rows of a half-done epoch) and appends after them.
    enum class Mode { Fresh, Resume };

    // Throws when another recorder, in this process or another, is writing
    // into `directory`.
    RunRecorder(std::filesystem::path directory, const ExperimentSpec& spec,
                Mode mode = Mode::Fresh);
    RunRecorder(const RunRecorder&) = delete;
    RunRecorder& operator=(const RunRecorder&) = delete;

    const std::filesystem::path& directory() const { return m_directory; }
    std::filesystem::path checkpointFile() const { return m_directory / "checkpoint.pt"; }

    // Extra facts for summary.json's "environment" object (app versions,
    // dataset path, ...).
    void setEnvironment(const std::string& key, const std::string& value);

    void onStart(const RunStart& start) override;
    void onSteps(const std::vector<StepMetrics>& steps) override;
    void onEpoch(const EpochMetrics& epoch) override;
    void onFinish(const RunSummary& summary) override;

private:
    void openMetrics();
    void writeSummary(const std::string& outcome, const std::string& message, double seconds);

    // The folder's lock (see runIsBeingWritten), dropped when the recorder
    // goes, also when its constructor throws.
    struct FolderLock {
        int fd = -1;
        // Throws when another writer holds it (run_lock.cpp).
        void acquire(const std::filesystem::path& directory);
        FolderLock() = default;
        FolderLock(const FolderLock&) = delete;
        FolderLock& operator=(const FolderLock&) = delete;
        ~FolderLock();
    };

    std::filesystem::path m_directory;
    FolderLock m_lock;
    ExperimentSpec m_spec;
    Mode m_mode;
    RunStart m_start;
    std::ofstream m_metrics;
    std::map<std::string, std::string> m_environment;
    // Epochs of this process, and (when resuming) the summary rows of the
    // epochs an earlier process trained, as JSON text.
    std::vector<EpochMetrics> m_epochs;
    std::vector<std::string> m_earlierHistory;
    std::string m_earlierConfusion;  // of the last earlier epoch, as JSON text
};

// Whether a run is being written into `directory` now. A RunRecorder holds
// a lock on the folder's ".lock" file while it lives, which the system drops
// when its process ends, however it ends, and writes its host and process id
// there (cleared at its end). So on the writer's machine a summary that still
// says "running" without the lock is a run that was killed; a folder whose
// lock file names another machine (mounted or synced from a GPU box) counts
// as written there, since that lock cannot be seen from here. `writer`, when
// given, receives who: "process 1234 on this machine".
bool runIsBeingWritten(const std::filesystem::path& directory, std::string* writer = nullptr);

// A name for a new run directory: "<experiment>-<yyyymmdd-hhmmss>". The
// experiment's name is made one harmless path component: a name such as
// "../../etc/x" must not put the run outside the runs directory.
std::string newRunName(const ExperimentSpec& spec);

// Where runs go unless told otherwise: $LAYERLAB_RUNS, else "runs" in the
// user's data directory. The window and the CLI share it.
std::filesystem::path defaultRunsDirectory();

// A run's training speed over `epochs`: every image trained over all the
// training time (a mean of the epochs' rates overstated a run with one fast
// epoch); 0 without training time. What summary.json, the CLI's last line
// and the window's Training panel report.
double samplesPerSecondOver(const std::vector<EpochMetrics>& epochs);

// Writes `text` to a temporary file beside `file` and renames it over.
void writeFileAtomically(const std::filesystem::path& file, const std::string& text);

}  // namespace layerlab
