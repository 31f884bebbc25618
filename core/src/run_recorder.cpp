#include "layerlab/run_recorder.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>

#include <nlohmann/json.hpp>

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

std::string formatMetric(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.6g", value);
    return text;
}

}  // namespace

void writeFileAtomically(const fs::path& file, const std::string& text) {
    const fs::path temporary = file.string() + ".tmp";
    {
        std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
        if (!out) {
            throw Error(temporary.string() +
                        ": cannot write here (does the folder exist, and is it writable?)");
        }
        out << text;
        out.flush();
        if (!out) {
            throw Error(temporary.string() + ": writing failed (disk full?)");
        }
    }
    std::error_code ec;
    fs::rename(temporary, file, ec);
    if (ec) {
        throw Error(file.string() + ": cannot replace it: " + ec.message());
    }
}

std::string newRunName(const ExperimentSpec& spec) {
    const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
    std::tm local{};
    localtime_r(&now, &local);
    char stamp[32];
    std::strftime(stamp, sizeof stamp, "%Y%m%d-%H%M%S", &local);
    return (spec.name.empty() ? std::string("run") : spec.name) + "-" + stamp;
}

RunRecorder::RunRecorder(fs::path directory, const ExperimentSpec& spec)
    : m_directory(std::move(directory)), m_spec(spec) {
    std::error_code ec;
    fs::create_directories(m_directory, ec);
    if (ec) {
        throw Error(m_directory.string() + ": cannot create the run folder: " + ec.message());
    }
    writeFileAtomically(m_directory / "config.json", experimentToJson(m_spec));
    m_metrics.open(m_directory / "metrics.csv", std::ios::trunc);
    if (!m_metrics) {
        throw Error((m_directory / "metrics.csv").string() + ": cannot write it");
    }
    m_metrics << "step,epoch,loss,acc,val_loss,val_acc,seconds\n";
}

void RunRecorder::setEnvironment(const std::string& key, const std::string& value) {
    m_environment[key] = value;
}

void RunRecorder::onStart(const RunStart& start) {
    m_start = start;
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
}

void RunRecorder::onFinish(const RunSummary& summary) {
    m_metrics.flush();
    json epochs = json::array();
    double epochSeconds = 0;
    double trainSamplesPerSecond = 0;
    for (const EpochMetrics& e : summary.epochs) {
        epochs.push_back({{"epoch", e.epoch},
                          {"loss", e.trainLoss},
                          {"accuracy", e.trainAccuracy},
                          {"val_loss", e.validationLoss},
                          {"val_accuracy", e.validationAccuracy},
                          {"seconds", e.epochSeconds},
                          {"train_seconds", e.trainSeconds},
                          {"samples_per_second", e.samplesPerSecond}});
        epochSeconds += e.epochSeconds;
        trainSamplesPerSecond += e.samplesPerSecond;
    }
    const size_t count = summary.epochs.size();
    json environment = {{"layerlab", LAYERLAB_VERSION_STRING},
                        {"libtorch", m_start.libtorchVersion},
                        {"device_name", m_start.deviceName},
                        {"threads", m_start.threads}};
    for (const auto& [key, value] : m_environment) {
        environment[key] = value;
    }
    json root{
        {"name", m_spec.name},
        {"outcome", outcomeName(summary.outcome)},
        {"message", summary.message},
        {"dataset", m_spec.dataset},
        {"epochs", count},
        {"device", m_start.device},
        {"seed", m_spec.training.seed},
        {"train_samples", m_start.trainSamples},
        {"validation_samples", m_start.validationSamples},
        {"seconds", summary.seconds},
        {"seconds_per_epoch", count ? epochSeconds / double(count) : 0.0},
        {"samples_per_second", count ? trainSamplesPerSecond / double(count) : 0.0},
        {"environment", environment},
        {"history", epochs},
    };
    if (count > 0) {
        root["val_accuracy"] = summary.epochs.back().validationAccuracy;
        root["val_loss"] = summary.epochs.back().validationLoss;
        const EpochMetrics& last = summary.epochs.back();
        json rows = json::array();
        for (int row = 0; row < last.numClasses; ++row) {
            rows.push_back(
                std::vector<int64_t>(last.confusion.begin() + row * last.numClasses,
                                     last.confusion.begin() + (row + 1) * last.numClasses));
        }
        root["confusion_matrix"] = rows;
    }
    writeFileAtomically(m_directory / "summary.json", root.dump(2) + "\n");
}

}  // namespace layerlab
