#include "layerlab/run_recorder.h"

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <fstream>

#include <nlohmann/json.hpp>

#include "layerlab/dataset.h"
#include "layerlab/errors.h"
#include "layerlab/version.h"

using nlohmann::json;
namespace fs = std::filesystem;

namespace layerlab {
namespace {

std::string outcomeName(RunOutcome outcome) {
    switch (outcome) {
        case RunOutcome::Completed:
            return "completed";
        case RunOutcome::Stopped:
            return "stopped";
        case RunOutcome::Failed:
            return "failed";
    }
    return "?";
}

constexpr const char* kMetricsHeader = "step,epoch,loss,acc,val_loss,val_acc,seconds";

std::string formatMetric(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

}  // namespace

void writeFileAtomically(const fs::path& file, const std::string& text) {
    const fs::path temporary = file.string() + ".tmp";
    std::error_code ec;
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) {
            throw Error(file.string() +
                        ": cannot write here (does the folder exist, and is it writable?)");
        }
        out << text;
        out.flush();
        if (!out) {
            out.close();
            fs::remove(temporary, ec);
            throw Error(file.string() + ": writing failed (disk full?)");
        }
    }
    fs::rename(temporary, file, ec);
    if (ec) {
        const std::string why = ec.message();
        fs::remove(temporary, ec);
        throw Error(file.string() + ": cannot replace it: " + why);
    }
}

std::string newRunName(const ExperimentSpec& spec) {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm local{};
    localtime_r(&now, &local);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
    // Separators and control characters become dashes; leading dots and
    // dashes go, so neither "..", a hidden folder nor an option-like name
    // can come of it.
    std::string name;
    for (const char c : spec.name) {
        const bool separator = c == '/' || c == '\\' || (static_cast<unsigned char>(c) < 0x20);
        name += separator ? '-' : c;
    }
    name.erase(0, name.find_first_not_of(".-"));
    return (name.empty() ? std::string("run") : name) + "-" + stamp;
}

fs::path defaultRunsDirectory() {
    const char* fromEnvironment = std::getenv("LAYERLAB_RUNS");
    if (fromEnvironment != nullptr && *fromEnvironment != '\0') {
        return fromEnvironment;
    }
    return userDataDirectory() / "runs";
}

RunRecorder::RunRecorder(fs::path directory, const ExperimentSpec& spec, Mode mode)
    : m_directory(std::move(directory)), m_spec(spec), m_mode(mode) {
    std::error_code ec;
    fs::create_directories(m_directory, ec);
    if (ec) {
        // "Not a directory" alone does not say which part of the path is a
        // file: name it.
        for (fs::path part = m_directory.parent_path(); !part.empty() && part != part.root_path();
             part = part.parent_path()) {
            std::error_code statError;
            if (fs::exists(part, statError) && !fs::is_directory(part, statError)) {
                throw Error(m_directory.string() + ": cannot create the run folder: " +
                            part.string() + " is a file, not a folder");
            }
        }
        throw Error(m_directory.string() + ": cannot create the run folder: " + ec.message());
    }
    // Held until this recorder goes: two writers would interleave their rows
    // and overwrite each other's checkpoint.
    m_lock.acquire(m_directory);
    // A resumed run's experiment (perhaps with more epochs) replaces the
    // folder's only once the checkpoint has loaded: see onStart.
    if (m_mode == Mode::Fresh) {
        writeFileAtomically(m_directory / "config.json", experimentToJson(m_spec));
        openMetrics();
    }
}

void RunRecorder::openMetrics() {
    const fs::path file = m_directory / "metrics.csv";
    if (m_mode == Mode::Fresh) {
        m_metrics.open(file, std::ios::trunc);
        m_metrics << kMetricsHeader << '\n';
    } else {
        m_metrics.open(file, std::ios::app);
    }
    if (!m_metrics) {
        throw Error(file.string() + ": cannot write it");
    }
}

void RunRecorder::setEnvironment(const std::string& key, const std::string& value) {
    m_environment[key] = value;
}

void RunRecorder::onStart(const RunStart& start) {
    m_start = start;
    if (m_mode != Mode::Resume || m_metrics.is_open()) {
        return;
    }
    writeFileAtomically(m_directory / "config.json", experimentToJson(m_spec));
    // Keep what the checkpoint covers: rows of epochs before firstEpoch.
    // Rows of an epoch the crash cut short are trained again, so they go.
    std::ifstream in(m_directory / "metrics.csv");
    std::string kept = std::string(kMetricsHeader) + "\n";
    std::string line;
    std::getline(in, line);  // the header
    while (std::getline(in, line)) {
        const size_t comma = line.find(',');
        const int epoch = comma == std::string::npos ? 0 : std::atoi(line.c_str() + comma + 1);
        if (epoch >= 1 && epoch < start.firstEpoch) {
            kept += line + "\n";
        }
    }
    in.close();
    writeFileAtomically(m_directory / "metrics.csv", kept);

    std::ifstream summaryFile(m_directory / "summary.json");
    if (summaryFile) {
        const json summary = json::parse(summaryFile, nullptr, /*allow_exceptions=*/false);
        if (summary.is_object() && summary.contains("history") && summary["history"].is_array()) {
            for (const json& row : summary["history"]) {
                if (row.value("epoch", 0) < start.firstEpoch) {
                    m_earlierHistory.push_back(row.dump());
                }
            }
        }
        // Until this process finishes an epoch, the matrix of the last one
        // the earlier process finished is the run's.
        if (summary.is_object() && summary.contains("confusion_matrix") &&
            !m_earlierHistory.empty() &&
            json::parse(m_earlierHistory.back()).value("epoch", 0) == start.firstEpoch - 1) {
            m_earlierConfusion = summary["confusion_matrix"].dump();
        }
    }
    openMetrics();
}

void RunRecorder::onSteps(const std::vector<StepMetrics>& steps) {
    for (const StepMetrics& s : steps) {
        m_metrics << s.step << ',' << s.epoch << ',' << formatMetric(s.loss) << ','
                  << formatMetric(s.accuracy) << ",,," << formatMetric(s.seconds) << '\n';
    }
}

void RunRecorder::onEpoch(const EpochMetrics& e) {
    // The epoch's validation lands on a row of its own at the epoch's last
    // step, so the per-step rows stay one line per step.
    m_metrics << e.step << ',' << e.epoch << ",,," << formatMetric(e.validationLoss) << ','
              << formatMetric(e.validationAccuracy) << ',' << formatMetric(e.seconds) << '\n';
    m_metrics.flush();
    m_epochs.push_back(e);
    writeSummary("running", "", e.seconds);
}

void RunRecorder::onFinish(const RunSummary& summary) {
    if (m_mode == Mode::Resume && !m_metrics.is_open()) {
        // The resume failed before it started (a checkpoint of another
        // network, say): the run folder stays as the earlier process left it.
        return;
    }
    m_metrics.flush();
    m_epochs = summary.epochs;
    writeSummary(outcomeName(summary.outcome), summary.message, summary.seconds);
}

double samplesPerSecondOver(const std::vector<EpochMetrics>& epochs) {
    double samples = 0;
    double trainSeconds = 0;
    for (const EpochMetrics& e : epochs) {
        samples += e.samplesPerSecond * e.trainSeconds;
        trainSeconds += e.trainSeconds;
    }
    return trainSeconds > 0 ? samples / trainSeconds : 0.0;
}

void RunRecorder::writeSummary(const std::string& outcome, const std::string& message,
                               double seconds) {
    json epochs = json::array();
    for (const std::string& row : m_earlierHistory) {
        epochs.push_back(json::parse(row));
    }
    for (const EpochMetrics& e : m_epochs) {
        epochs.push_back({{"epoch", e.epoch},
                          {"loss", e.trainLoss},
                          {"accuracy", e.trainAccuracy},
                          {"val_loss", e.validationLoss},
                          {"val_accuracy", e.validationAccuracy},
                          {"seconds", e.epochSeconds},
                          {"train_seconds", e.trainSeconds},
                          {"samples_per_second", e.samplesPerSecond}});
    }
    // Over every epoch of the run, a resumed run's earlier ones included.
    double epochSeconds = 0;
    std::vector<EpochMetrics> timings;
    for (const json& row : epochs) {
        epochSeconds += row.value("seconds", 0.0);
        EpochMetrics timing;
        timing.trainSeconds = row.value("train_seconds", 0.0);
        timing.samplesPerSecond = row.value("samples_per_second", 0.0);
        timings.push_back(timing);
    }
    const size_t count = epochs.size();
    json environment = {{"layerlab", LAYERLAB_VERSION_STRING},
                        {"libtorch", m_start.libtorchVersion},
                        {"device_name", m_start.deviceName},
                        {"threads", m_start.threads}};
    for (const auto& [key, value] : m_environment) {
        environment[key] = value;
    }
    json root{
        {"name", m_spec.name},
        {"outcome", outcome},
        {"message", message},
        {"dataset", m_spec.dataset},
        {"epochs", count},
        {"device", m_start.device},
        {"seed", m_spec.training.seed},
        {"train_samples", m_start.trainSamples},
        {"validation_samples", m_start.validationSamples},
        // The trainer's clock, which a resumed run continues from its checkpoint.
        {"seconds", seconds},
        {"seconds_per_epoch", count ? epochSeconds / double(count) : 0.0},
        {"samples_per_second", samplesPerSecondOver(timings)},
        {"environment", environment},
        {"history", epochs},
    };
    if (count > 0) {
        root["val_accuracy"] = epochs.back().value("val_accuracy", 0.0);
        root["val_loss"] = epochs.back().value("val_loss", 0.0);
    }
    if (!m_epochs.empty()) {
        const EpochMetrics& last = m_epochs.back();
        json rows = json::array();
        for (int row = 0; row < last.numClasses; ++row) {
            rows.push_back(
                std::vector<int64_t>(last.confusion.begin() + row * last.numClasses,
                                     last.confusion.begin() + (row + 1) * last.numClasses));
        }
        root["confusion_matrix"] = rows;
    } else if (!m_earlierConfusion.empty()) {
        root["confusion_matrix"] = json::parse(m_earlierConfusion);
    }
    writeFileAtomically(m_directory / "summary.json", root.dump(2) + "\n");
}

}  // namespace layerlab
