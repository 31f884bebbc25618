#include <csignal>
#include <iostream>

#include "cli_commands.h"
#ifdef LAYERLAB_HAVE_VISION
#include "layerlab/digit_preprocessing.h"
#endif
#include "layerlab/dataset.h"
#include "layerlab/errors.h"
#include "layerlab/run_recorder.h"
#include "layerlab/shape_inference.h"
#include "progress_printer.h"

namespace fs = std::filesystem;

namespace layerlab::cli {
namespace {

std::atomic<bool> g_interrupted{false};

extern "C" void onInterrupt(int) {
    g_interrupted = true;
}

// Forwards every event to two observers: the printer and the run recorder.
class TeeObserver : public TrainingObserver {
public:
    TeeObserver(TrainingObserver& first, TrainingObserver& second) : m_a(first), m_b(second) {}
    void onStart(const RunStart& s) override { m_a.onStart(s), m_b.onStart(s); }
    void onSteps(const std::vector<StepMetrics>& s) override { m_a.onSteps(s), m_b.onSteps(s); }
    void onEpoch(const EpochMetrics& e) override { m_a.onEpoch(e), m_b.onEpoch(e); }
    void onNotice(const std::string& m) override { m_a.onNotice(m), m_b.onNotice(m); }
    void onFinish(const RunSummary& s) override { m_a.onFinish(s), m_b.onFinish(s); }

private:
    TrainingObserver& m_a;
    TrainingObserver& m_b;
};

void applyOverrides(const TrainArguments& args, ExperimentSpec& spec) {
    TrainingSpec& t = spec.training;
    if (args.epochs)
        t.epochs = *args.epochs;
    if (args.limitTrain)
        t.trainLimit = *args.limitTrain;
    if (args.threads)
        t.threads = *args.threads;
    if (args.seed)
        t.seed = *args.seed;
    if (args.device) {
        t.device = *args.device == "cpu"    ? DeviceChoice::Cpu
                   : *args.device == "cuda" ? DeviceChoice::Cuda
                                            : DeviceChoice::Auto;
    }
}

fs::path resumeFile(const std::string& resume) {
    const fs::path path(resume);
    return fs::is_directory(path) ? path / "checkpoint.pt" : path;
}

}  // namespace

int runTrain(const TrainArguments& args) {
    ExperimentSpec spec = loadExperiment(args.config);
    applyOverrides(args, spec);
    if (const auto errors = validateExperiment(spec); !errors.empty()) {
        std::cerr << args.config << ": " << errors.size()
                  << (errors.size() == 1 ? " error" : " errors") << "\n";
        for (const std::string& error : errors) {
            std::cerr << "  " << error << "\n";
        }
        return kExitBadInput;
    }
    const DatasetKind kind = *datasetKindFromId(spec.dataset);
    const std::optional<fs::path> dataDir =
        args.dataDir.empty() ? std::nullopt : std::optional<fs::path>(args.dataDir);
    auto data = std::make_shared<const Dataset>(loadDataset(kind, dataDir));

    // Resuming a run folder continues that folder: its curves go on.
    std::error_code ec;
    const bool resumeInPlace =
        !args.resume.empty() && fs::is_directory(args.resume) &&
        (args.outDir.empty() || fs::equivalent(args.outDir, args.resume, ec));
    const fs::path runDir = resumeInPlace         ? fs::path(args.resume)
                            : args.outDir.empty() ? userDataDirectory() / "runs" / newRunName(spec)
                                                  : fs::path(args.outDir);
    if (!resumeInPlace && fs::exists(runDir / "config.json", ec)) {
        std::cerr << "error: " << runDir.string()
                  << " already holds a run; choose another --out, or continue that run with "
                     "--resume "
                  << runDir.string() << "\n";
        return kExitBadInput;
    }
    RunRecorder recorder(runDir, spec,
                         resumeInPlace ? RunRecorder::Mode::Resume : RunRecorder::Mode::Fresh);
    recorder.setEnvironment("dataset_path", data->directory.string());
    recorder.setEnvironment("dataset_checksums", datasetChecksums(data->directory));
#ifdef LAYERLAB_HAVE_VISION
    recorder.setEnvironment("opencv", vision::openCvVersion());
#endif

    TrainerOptions options;
    options.checkpointFile = recorder.checkpointFile();
    if (!args.resume.empty()) {
        options.resumeFrom = resumeFile(args.resume);
    }
    Trainer trainer(spec, data, options);
    ProgressPrinter printer(trainer, g_interrupted);
    TeeObserver observer(printer, recorder);
    std::signal(SIGINT, onInterrupt);
    std::signal(SIGTERM, onInterrupt);
    const RunSummary summary = trainer.run(observer);

    if (!summary.epochs.empty()) {
        const EpochMetrics& last = summary.epochs.back();
        double seconds = 0;
        for (const EpochMetrics& e : summary.epochs) {
            seconds += e.epochSeconds;
        }
        std::printf("val_acc %.4f  val_loss %.4f  after %d epochs  %.1f s/epoch  %.0f samples/s\n",
                    last.validationAccuracy, last.validationLoss, last.epoch,
                    seconds / double(summary.epochs.size()), last.samplesPerSecond);
    }
    if (printer.started()) {
        std::printf("run written to %s\n", runDir.string().c_str());
    }
    switch (summary.outcome) {
        case RunOutcome::Completed:
            return kExitOk;
        case RunOutcome::Stopped:
            std::cerr << "stopped: " << summary.message << "\n";
            return kExitInterrupted;
        case RunOutcome::Failed:
            std::cerr << "error: " << summary.message << "\n";
            // Refused before the first step: the input was bad. After it: the run failed.
            return printer.started() ? kExitTrainingFailed : kExitBadInput;
    }
    return kExitOk;
}

}  // namespace layerlab::cli
