#pragma once

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "layerlab/trainer.h"

namespace layerlab {

// Writes a run directory as the run goes: config.json at once, metrics.csv
// line by line (flushed each epoch, so another process can follow it), and
// summary.json at the end. The checkpoint is the trainer's to write.
//
// metrics.csv has one row per step; val_loss and val_acc are filled on the
// last step of each epoch and empty elsewhere.
class RunRecorder : public TrainingObserver {
public:
    RunRecorder(std::filesystem::path directory, const ExperimentSpec& spec);

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
    std::filesystem::path m_directory;
    ExperimentSpec m_spec;
    RunStart m_start;
    std::ofstream m_metrics;
    std::map<std::string, std::string> m_environment;
};

// A name for a new run directory: "<experiment>-<yyyymmdd-hhmmss>".
std::string newRunName(const ExperimentSpec& spec);

// Writes `text` to a temporary file beside `file` and renames it over.
void writeFileAtomically(const std::filesystem::path& file, const std::string& text);

}  // namespace layerlab
