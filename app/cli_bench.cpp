// layerlab-cli bench: the performance figures docs/performance.md records,
// measured in one run on this machine.

#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include "cli_commands.h"
#include "layerlab/dataset.h"
#include "layerlab/errors.h"
#include "layerlab/trainer.h"

namespace fs = std::filesystem;

namespace layerlab::cli {
namespace {

using Clock = std::chrono::steady_clock;

// Steps before timing starts: the first steps pay for allocations and
// oneDNN's kernel selection.
constexpr int kWarmupSteps = 20;
// How often MNIST is loaded to take the fastest (the OS cache warmed).
constexpr int kLoadRepeats = 5;

// Times each step as the trainer reports it.
class StepClock : public TrainingObserver {
public:
    void onStart(const RunStart& start) override { device = start.deviceName; }
    void onSteps(const std::vector<StepMetrics>& steps) override {
        for (const StepMetrics& step : steps) {
            seconds.push_back(step.seconds);
        }
    }
    std::string device;
    std::vector<double> seconds;
};

double measureLoadSeconds(const std::optional<fs::path>& dataDir) {
    double best = 1e9;
    for (int i = 0; i < kLoadRepeats; ++i) {
        const auto start = Clock::now();
        const Dataset data = loadDataset(DatasetKind::Mnist, dataDir);
        best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
    }
    return best;
}

// Steady-state samples/s of the real trainer on the experiment's network.
double measureTraining(const ExperimentSpec& base, std::shared_ptr<const Dataset> data, int steps,
                       std::string& deviceName) {
    ExperimentSpec spec = base;
    spec.training.trainLimit = int64_t(spec.training.batchSize) * (kWarmupSteps + steps);
    spec.training.validationLimit = 500;
    spec.training.epochs = 1;
    StepClock observer;
    const RunSummary summary = Trainer(spec, data, {{}, {}, /*reportEvery=*/1}).run(observer);
    if (summary.outcome != RunOutcome::Completed) {
        throw Error("the benchmark run failed: " + summary.message);
    }
    deviceName = observer.device;
    const std::vector<double>& t = observer.seconds;
    return double(spec.training.batchSize) * double(steps) /
           (t.back() - t[size_t(kWarmupSteps - 1)]);
}

std::optional<double> measurePythonPeer(const fs::path& script, int steps, int threads,
                                        std::string& note) {
    if (!fs::exists(script)) {
        note = script.string() + " not found";
        return std::nullopt;
    }
    const std::string command = "/usr/bin/python3 '" + script.string() + "' bench --steps " +
                                std::to_string(steps) + " --threads " + std::to_string(threads) +
                                " 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    if (!pipe) {
        note = "cannot start /usr/bin/python3";
        return std::nullopt;
    }
    std::string output;
    char buffer[512];
    while (fgets(buffer, sizeof buffer, pipe.get()) != nullptr) {
        output += buffer;
    }
    const size_t at = output.find("\"samples_per_second\": ");
    if (at == std::string::npos) {
        note = "the Python peer failed (is python3-torch installed?): " + output;
        return std::nullopt;
    }
    return std::stod(output.substr(at + 22));
}

double peakResidentMegabytes() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0;  // Linux reports kilobytes
}

}  // namespace

int runBench(const BenchArguments& args) {
    ExperimentSpec spec = loadExperiment(args.config);
    spec.training.device = args.device == "cpu"    ? DeviceChoice::Cpu
                           : args.device == "cuda" ? DeviceChoice::Cuda
                                                   : DeviceChoice::Auto;
    const int threads = args.threads > 0 ? args.threads : defaultThreadCount();
    spec.training.threads = threads;
    const std::optional<fs::path> dataDir =
        args.dataDir.empty() ? std::nullopt : std::optional<fs::path>(args.dataDir);

    std::printf("LayerLab benchmark: %s, %d thread(s), batch %d\n", spec.name.c_str(), threads,
                spec.training.batchSize);
    const double loadSeconds = measureLoadSeconds(dataDir);
    std::printf("  MNIST load (70,000 images)          %8.1f ms\n", loadSeconds * 1e3);

    auto data = std::make_shared<const Dataset>(loadDataset(DatasetKind::Mnist, dataDir));
    std::string deviceName;
    const double samplesPerSecond = measureTraining(spec, data, args.steps, deviceName);
    std::printf("  training, %-24s %8.0f samples/s\n", deviceName.c_str(), samplesPerSecond);
    const double peakMb = peakResidentMegabytes();

    std::optional<double> python;
    std::string pythonNote;
    if (!args.skipPython) {
        python = measurePythonPeer(args.pythonScript, args.steps, threads, pythonNote);
    }
    if (python) {
        std::printf("  PyTorch eager from Python           %8.0f samples/s\n", *python);
        std::printf("  LayerLab / Python                   %8.2f x\n", samplesPerSecond / *python);
    } else if (!args.skipPython) {
        std::printf("  PyTorch eager from Python: not measured (%s)\n", pythonNote.c_str());
    }
    std::printf("  peak resident memory                %8.0f MB\n", peakMb);

    if (!args.jsonOut.empty()) {
        std::ostringstream json;
        json << "{\n  \"threads\": " << threads << ",\n  \"device\": \"" << deviceName
             << "\",\n  \"mnist_load_ms\": " << loadSeconds * 1e3
             << ",\n  \"train_samples_per_second\": " << samplesPerSecond;
        if (python) {
            json << ",\n  \"python_samples_per_second\": " << *python
                 << ",\n  \"ratio_to_python\": " << samplesPerSecond / *python;
        }
        json << ",\n  \"peak_rss_mb\": " << peakMb << "\n}\n";
        std::ofstream(args.jsonOut) << json.str();
    }
    return kExitOk;
}

}  // namespace layerlab::cli
