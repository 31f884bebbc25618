// The subcommands of layerlab-cli. Each returns the process exit code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace layerlab::cli {

// Exit codes a script can tell apart.
constexpr int kExitOk = 0;
constexpr int kExitBadInput = 1;        // a bad experiment, dataset or checkpoint
constexpr int kExitUsage = 2;           // bad command-line arguments, as most tools
constexpr int kExitTrainingFailed = 3;  // the run started but failed (NaN loss, ...)
constexpr int kExitInterrupted = 130;   // Ctrl+C: stopped, results so far written

struct TrainArguments {
    std::string config;
    std::string dataDir;
    std::string outDir;
    std::optional<int> epochs;
    std::optional<int64_t> limitTrain;
    std::optional<std::string> device;
    std::optional<int> threads;
    std::optional<uint64_t> seed;
    std::string resume;
};

int runTrain(const TrainArguments& args);

struct ValidateArguments {
    std::string config;
};

int runValidate(const ValidateArguments& args);

struct BenchArguments {
    std::string config;
    std::string dataDir;
    std::string device = "auto";
    int threads = 0;
    int steps = 200;
    bool skipPython = false;
    std::string pythonScript;
    std::string jsonOut;
};

int runBench(const BenchArguments& args);

struct PredictArguments {
    std::string runDir;
    std::vector<std::string> images;
    bool json = false;
};

// Needs OpenCV (layerlab_vision); without it, says so and fails.
int runPredict(const PredictArguments& args);

struct ExportArguments {
    std::string run;          // a run folder: config.json and checkpoint.pt
    std::string to;           // weights for Python's torch.load
    std::string torchscript;  // a TorchScript module
    std::string predictions;  // CSV of predictions on the first test images
    int count = 100;
    std::string dataDir;
};

int runExport(const ExportArguments& args);

}  // namespace layerlab::cli
