// layerlab-cli bench: the headless performance figures, for any machine
// that trains (a GPU box has no Qt). `layerlab-bench` adds the GUI's.

#include <cstdio>
#include <map>

#include "cli_commands.h"
#include "layerlab/dataset.h"
#include "measurements.h"

namespace fs = std::filesystem;

namespace layerlab::cli {

int runBench(const BenchArguments& args) {
    ExperimentSpec spec = loadExperiment(args.config);
    spec.training.device = args.device == "cpu"    ? DeviceChoice::Cpu
                           : args.device == "cuda" ? DeviceChoice::Cuda
                                                   : DeviceChoice::Auto;
    const ThreadPlan threads = threadPlan(args.threads);
    spec.training.threads = args.threads;  // 0: the trainer picks the same plan
    if (!args.jsonOut.empty()) {
        bench::checkFiguresFile(args.jsonOut);
    }
    const std::optional<fs::path> dataDir =
        args.dataDir.empty() ? std::nullopt : std::optional<fs::path>(args.dataDir);

    std::printf("LayerLab benchmark: %s, %s, batch %d\n", spec.name.c_str(),
                bench::describeThreadPlan(threads).c_str(), spec.training.batchSize);
    const double loadSeconds = bench::mnistLoadSeconds(dataDir);
    std::printf("  MNIST load (70,000 images)          %8.1f ms\n", loadSeconds * 1e3);

    auto data = std::make_shared<const Dataset>(loadDataset(DatasetKind::Mnist, dataDir));
    const bench::TrainingFigures training = bench::measureHeadlessTraining(spec, data, args.steps);
    std::printf("  training, %-24s %8.0f samples/s\n", training.device.c_str(),
                training.samplesPerSecond);
    const double peakMb = bench::peakResidentMegabytes();

    std::optional<double> python;
    std::string whyNot;
    if (!args.skipPython) {
        const fs::path script =
            args.pythonScript.empty() ? bench::defaultPythonPeer() : fs::path(args.pythonScript);
        python = bench::pythonPeerSamplesPerSecond(script, args.steps, threads, whyNot);
        if (python) {
            std::printf("  PyTorch eager from Python           %8.0f samples/s (%s)\n", *python,
                        bench::describeThreadPlan(bench::peerThreadPlan(threads)).c_str());
            std::printf("  LayerLab / Python                   %8.2f x\n",
                        training.samplesPerSecond / *python);
        } else {
            std::printf("  PyTorch eager from Python: not measured (%s)\n", whyNot.c_str());
        }
    }
    std::printf("  peak resident memory                %8.0f MB\n", peakMb);

    if (!args.jsonOut.empty()) {
        std::map<std::string, double> numbers{
            {"threads", threads.intraOp},
            {"blas_threads", threads.blas},
            {"mnist_load_ms", loadSeconds * 1e3},
            {"train_samples_per_second", training.samplesPerSecond},
            {"peak_rss_mb", peakMb}};
        if (python) {
            numbers["python_samples_per_second"] = *python;
            numbers["ratio_to_python"] = training.samplesPerSecond / *python;
        }
        bench::writeFiguresFile(args.jsonOut, numbers, {{"device", training.device}});
    }
    return kExitOk;
}

}  // namespace layerlab::cli
