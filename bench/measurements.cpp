#include "measurements.h"

#include <nlohmann/json.hpp>

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <memory>

#include "layerlab/errors.h"
#include "layerlab/run_recorder.h"

namespace fs = std::filesystem;

namespace layerlab::bench {
namespace {

using Clock = std::chrono::steady_clock;

// How often MNIST is loaded to take the fastest.
constexpr int kLoadRepeats = 5;
// Validation images in a benchmark run: enough to exercise it, few enough
// not to dominate.
constexpr int kValidationImages = 500;

class StepRecorder : public TrainingObserver {
public:
    void onStart(const RunStart& start) override { device = start.deviceName; }
    void onSteps(const std::vector<StepMetrics>& s) override {
        steps.insert(steps.end(), s.begin(), s.end());
    }
    std::string device;
    std::vector<StepMetrics> steps;
};

}  // namespace

double mnistLoadSeconds(const std::optional<fs::path>& dataDir) {
    double best = 1e9;
    for (int i = 0; i < kLoadRepeats; ++i) {
        const auto start = Clock::now();
        const Dataset data = loadDataset(DatasetKind::Mnist, dataDir);
        best = std::min(best, std::chrono::duration<double>(Clock::now() - start).count());
    }
    return best;
}

ExperimentSpec benchmarkRun(ExperimentSpec spec, int steps) {
    spec.training.trainLimit = int64_t(spec.training.batchSize) * (kWarmupSteps + steps);
    spec.training.validation = ValidationSource::TestSet;
    spec.training.validationLimit = kValidationImages;
    spec.training.epochs = 1;
    return spec;
}

double steadySamplesPerSecond(const std::vector<StepMetrics>& steps, int batchSize) {
    if (steps.size() <= size_t(kWarmupSteps)) {
        throw Error("the benchmark run ended before its warm-up was over");
    }
    const double seconds = steps.back().seconds - steps[size_t(kWarmupSteps - 1)].seconds;
    return double(batchSize) * double(steps.size() - size_t(kWarmupSteps)) / seconds;
}

TrainingFigures measureHeadlessTraining(const ExperimentSpec& spec,
                                        std::shared_ptr<const Dataset> data, int steps) {
    StepRecorder recorder;
    const RunSummary summary =
        Trainer(benchmarkRun(spec, steps), std::move(data), {{}, {}, /*reportEvery=*/1})
            .run(recorder);
    if (summary.outcome != RunOutcome::Completed) {
        throw Error("the benchmark run failed: " + summary.message);
    }
    return {steadySamplesPerSecond(recorder.steps, spec.training.batchSize), recorder.device};
}

ThreadPlan peerThreadPlan(const ThreadPlan& layerlab) {
    if (!layerlab.halveBatches) {
        return layerlab;
    }
    ThreadPlan peer;
    peer.intraOp = 2;
    peer.blas = 1;
    return peer;
}

std::string describeThreadPlan(const ThreadPlan& plan) {
    return std::to_string(plan.intraOp) + " thread(s) + " + std::to_string(plan.blas) + " BLAS" +
           (plan.halveBatches ? ", batches halved between 2 threads" : "");
}

std::optional<double> pythonPeerSamplesPerSecond(const fs::path& script, int steps,
                                                 const ThreadPlan& layerlab, std::string& whyNot) {
    const ThreadPlan threads = peerThreadPlan(layerlab);
    if (!fs::exists(script)) {
        whyNot = script.string() + " not found";
        return std::nullopt;
    }
    // LibTorch's threads, and the BLAS pool's through OpenBLAS's own variable.
    const std::string command = "OPENBLAS_NUM_THREADS=" + std::to_string(threads.blas) +
                                " /usr/bin/python3 '" + script.string() + "' bench --steps " +
                                std::to_string(steps) + " --threads " +
                                std::to_string(threads.intraOp) + " 2>&1";
    std::unique_ptr<FILE, int (*)(FILE*)> pipe(popen(command.c_str(), "r"), pclose);
    if (!pipe) {
        whyNot = "cannot start /usr/bin/python3";
        return std::nullopt;
    }
    std::string output;
    char buffer[512];
    while (fgets(buffer, sizeof buffer, pipe.get()) != nullptr) {
        output += buffer;
    }
    const std::string key = "\"samples_per_second\": ";
    const size_t at = output.find(key);
    if (at == std::string::npos) {
        whyNot = "the Python peer failed (is python3-torch installed?): " + output;
        return std::nullopt;
    }
    return std::stod(output.substr(at + key.size()));
}

double peakResidentMegabytes() {
    rusage usage{};
    getrusage(RUSAGE_SELF, &usage);
    return double(usage.ru_maxrss) / 1024.0;  // Linux reports kilobytes
}

double residentMegabytes() {
    // The second field of /proc/self/statm: resident pages.
    std::ifstream statm("/proc/self/statm");
    long pages = 0;
    long resident = 0;
    statm >> pages >> resident;
    return double(resident) * double(sysconf(_SC_PAGESIZE)) / (1024.0 * 1024.0);
}

double quantile(std::vector<double> values, double q) {
    if (values.empty()) {
        return 0;
    }
    std::sort(values.begin(), values.end());
    const size_t rank = size_t(std::clamp(q, 0.0, 1.0) * double(values.size() - 1) + 0.5);
    return values[std::min(rank, values.size() - 1)];
}

fs::path defaultPythonPeer() {
    // Beside the running program first (<prefix>/bin/../share/layerlab/bench),
    // so an install moved to another prefix, or unpacked with dpkg -x, still
    // finds its own copy.
    std::error_code error;
    const fs::path program = fs::read_symlink("/proc/self/exe", error);
    if (!error) {
        const fs::path beside =
            program.parent_path().parent_path() / LAYERLAB_BENCH_RELATIVE_DIR / "pytorch_peer.py";
        if (fs::exists(beside, error)) {
            return beside;
        }
    }
    const fs::path installed = fs::path(LAYERLAB_INSTALLED_BENCH_DIR) / "pytorch_peer.py";
    if (fs::exists(installed)) {
        return installed;
    }
    return fs::path(LAYERLAB_SOURCE_DIR) / "bench" / "pytorch_peer.py";
}

void checkFiguresFile(const fs::path& file) {
    std::error_code ec;
    const fs::path folder = file.has_parent_path() ? file.parent_path() : fs::path(".");
    if (fs::is_directory(file, ec)) {
        throw Error(file.string() + ": is a folder; --json wants a file name");
    }
    if (!fs::is_directory(folder, ec)) {
        throw Error(file.string() + ": cannot be written: the folder " + folder.string() +
                    " does not exist");
    }
    if (::access(folder.c_str(), W_OK) != 0) {
        throw Error(file.string() + ": cannot be written: the folder " + folder.string() +
                    " is not writable");
    }
}

void writeFiguresFile(const fs::path& file, const std::map<std::string, double>& numbers,
                      const std::map<std::string, std::string>& texts) {
    nlohmann::json figures = nlohmann::json::object();
    for (const auto& [key, value] : numbers) {
        // Counts (threads, rounds) as whole numbers, not "2.0".
        const bool whole = value == std::floor(value) && std::abs(value) < 1e15;
        figures[key] = whole ? nlohmann::json(int64_t(value)) : nlohmann::json(value);
    }
    for (const auto& [key, text] : texts) {
        figures[key] = text;
    }
    writeFileAtomically(file, figures.dump(2) + "\n");
}

}  // namespace layerlab::bench
