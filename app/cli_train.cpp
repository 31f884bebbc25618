#include <csignal>
#include <iostream>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

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

// "training.seed (the run's 8, asked 3)" for each field of two objects that
// differs, either way round.
void fieldConflicts(const std::string& prefix, const nlohmann::json& own,
                    const nlohmann::json& asked, std::vector<std::string>& conflicts) {
    const auto shown = [](const nlohmann::json& object, const std::string& key) {
        return object.contains(key) ? object[key].dump() : std::string("none");
    };
    std::set<std::string> keys;
    for (const nlohmann::json* object : {&own, &asked}) {
        for (const auto& [key, value] : object->items()) {
            keys.insert(key);
        }
    }
    for (const std::string& key : keys) {
        if (!own.contains(key) || !asked.contains(key) || own[key] != asked[key]) {
            conflicts.push_back(prefix + key + " (the run's " + shown(own, key) + ", asked " +
                                shown(asked, key) + ")");
        }
    }
}

// The model's differences by layer, indexed as in the JSON file:
// "model.layers[2] (conv2): filters (the run's 64, asked 32)", or both
// layer lists when their lengths differ.
void modelConflicts(const nlohmann::json& own, const nlohmann::json& asked,
                    std::vector<std::string>& conflicts) {
    nlohmann::json ownRest = own;
    nlohmann::json askedRest = asked;
    ownRest.erase("layers");
    askedRest.erase("layers");
    fieldConflicts("model.", ownRest, askedRest, conflicts);
    const nlohmann::json& ownLayers = own["layers"];
    const nlohmann::json& askedLayers = asked["layers"];
    const auto label = [](const nlohmann::json& layer) {
        return layer.value("name", layer.value("type", std::string("layer")));
    };
    if (ownLayers.size() != askedLayers.size()) {
        const auto names = [&label](const nlohmann::json& layers) {
            std::string text;
            for (const nlohmann::json& layer : layers) {
                text += (text.empty() ? "" : ", ") + label(layer);
            }
            return text;
        };
        conflicts.push_back("model.layers (the run's " + std::to_string(ownLayers.size()) + ": " +
                            names(ownLayers) + "; asked " + std::to_string(askedLayers.size()) +
                            ": " + names(askedLayers) + ")");
        return;
    }
    for (size_t i = 0; i < ownLayers.size(); ++i) {
        fieldConflicts("model.layers[" + std::to_string(i) + "] (" + label(ownLayers[i]) + "): ",
                       ownLayers[i], askedLayers[i], conflicts);
    }
}

// What the run folder's own experiment and the one on the command line
// disagree on, by field, leaving out what a resumed run may change: more
// epochs, and the device and threads it runs on.
std::vector<std::string> resumeConflicts(const ExperimentSpec& own, const ExperimentSpec& asked) {
    const auto fields = [](const ExperimentSpec& spec) {
        nlohmann::json json = nlohmann::json::parse(experimentToJson(spec));
        for (const char* free : {"epochs", "device", "threads"}) {
            json["training"].erase(free);
        }
        return json;
    };
    const nlohmann::json a = fields(own);
    const nlohmann::json b = fields(asked);
    std::vector<std::string> conflicts;
    if (a["dataset"] != b["dataset"]) {
        conflicts.push_back("dataset (the run's " + a["dataset"].dump() + ", asked " +
                            b["dataset"].dump() + ")");
    }
    modelConflicts(a["model"], b["model"], conflicts);
    fieldConflicts("training.", a["training"], b["training"], conflicts);
    return conflicts;
}

fs::path resumeFile(const std::string& resume) {
    const fs::path path(resume);
    return fs::is_directory(path) ? path / "checkpoint.pt" : path;
}

}  // namespace

int runTrain(const TrainArguments& args) {
    // --resume takes a run folder or a checkpoint file. A run folder resumed
    // in place goes on with its own experiment, which its config.json holds;
    // --config and the options must agree with it.
    std::error_code ec;
    if (!args.resume.empty() && !fs::exists(args.resume, ec)) {
        std::cerr << "error: --resume " << args.resume
                  << ": no such run folder or checkpoint file\n";
        return kExitBadInput;
    }
    const bool resumeInPlace =
        !args.resume.empty() && fs::is_directory(args.resume) &&
        (args.outDir.empty() || fs::equivalent(args.outDir, args.resume, ec));
    // The run folder a resumed checkpoint belongs to, and the experiment it
    // was trained with, when that is at hand.
    const fs::path resumedRun = args.resume.empty() ? fs::path()
                                : fs::is_directory(args.resume)
                                    ? fs::path(args.resume)
                                    : fs::path(args.resume).parent_path();
    const fs::path resumedConfig = args.resume.empty() ? fs::path() : resumedRun / "config.json";
    const bool ownConfigKnown = !resumedConfig.empty() && fs::is_regular_file(resumedConfig, ec);
    if (args.config.empty() && !ownConfigKnown) {
        std::cerr << "error: train needs --config FILE"
                  << (args.resume.empty() ? std::string()
                                          : " (" + resumedConfig.string() + " is not there)")
                  << "; --resume RUN_FOLDER alone takes the run's own config.json\n";
        // Without --resume it is a command line missing its one required option.
        return args.resume.empty() ? kExitUsage : kExitBadInput;
    }
    const fs::path configFile = args.config.empty() ? resumedConfig : fs::path(args.config);
    ExperimentSpec spec = loadExperiment(configFile);
    applyOverrides(args, spec);
    if (resumeInPlace) {
        const auto conflicts = resumeConflicts(loadExperiment(resumedConfig), spec);
        if (!conflicts.empty()) {
            std::cerr << "error: " << args.resume << " was trained with other settings than "
                      << (args.config.empty() ? "" : "--config and ")
                      << "the options ask for, and a resumed run keeps its own (only --epochs, "
                         "--device and --threads may change). Differing:\n";
            for (const std::string& conflict : conflicts) {
                std::cerr << "  " << conflict << "\n";
            }
            std::cerr << "Resume with the run's own " << resumedConfig.string()
                      << " (leave --config and those options out), or start a new run with "
                         "--out.\n";
            return kExitBadInput;
        }
    }
    if (const auto errors = validateExperiment(spec); !errors.empty()) {
        std::cerr << configFile.string() << ": " << errors.size()
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
    const fs::path runDir = resumeInPlace         ? fs::path(args.resume)
                            : args.outDir.empty() ? defaultRunsDirectory() / newRunName(spec)
                                                  : fs::path(args.outDir);
    // A run stopped (or failed) before its first epoch ended has no
    // checkpoint: nothing to resume, and its folder is not overwritten.
    const auto stoppedEarly = [&](const fs::path& dir) {
        return dir.string() +
               " holds a run that ended before its first epoch finished, so it has "
               "no checkpoint to resume from; choose another --out, or delete " +
               dir.string() + " to start it again there";
    };
    // A folder another process is training into now: none of the advice
    // below (delete it, resume it) applies until that run ends.
    for (const fs::path& dir : {fs::path(args.resume), runDir}) {
        std::string writer;
        if (!dir.empty() && runIsBeingWritten(dir, &writer)) {
            std::cerr << "error: " << dir.string() << " is being trained right now by " << writer
                      << "; wait for that run to end or stop it first\n";
            return kExitBadInput;
        }
    }
    if (!args.resume.empty() && fs::is_directory(args.resume) &&
        !fs::exists(fs::path(args.resume) / "checkpoint.pt", ec)) {
        std::cerr << "error: " << stoppedEarly(args.resume) << "\n";
        return kExitBadInput;
    }
    if (!resumeInPlace && fs::exists(runDir / "config.json", ec)) {
        std::cerr << "error: "
                  << (fs::exists(runDir / "checkpoint.pt", ec)
                          ? runDir.string() +
                                " already holds a run; choose another --out, or continue that "
                                "run with --resume " +
                                runDir.string()
                          : stoppedEarly(runDir))
                  << "\n";
        return kExitBadInput;
    }
    // A lock file alone is what a run that failed at its very start leaves.
    const auto holdsFiles = [&](const fs::path& dir) {
        for (const fs::directory_entry& entry : fs::directory_iterator(dir, ec)) {
            if (entry.path().filename() != ".lock") {
                return true;
            }
        }
        return false;
    };
    if (!resumeInPlace && fs::is_directory(runDir, ec) && holdsFiles(runDir)) {
        std::cerr << "error: " << runDir.string()
                  << " is not empty and holds no run: the run's files would mix with what is "
                     "there; choose a new or empty folder for --out\n";
        return kExitBadInput;
    }
    const bool folderExisted = fs::exists(runDir, ec);
    // Resumed from a run folder into a new one: the new folder carries the
    // run's curves and history up to its checkpoint, as a resume in place
    // does, instead of starting its curves at the checkpoint's epoch.
    const bool continuesRun =
        !args.resume.empty() && !resumeInPlace && fs::exists(resumedRun / "metrics.csv", ec);
    if (continuesRun) {
        fs::create_directories(runDir, ec);
        for (const char* file : {"metrics.csv", "summary.json"}) {
            if (fs::exists(resumedRun / file, ec)) {
                fs::copy_file(resumedRun / file, runDir / file,
                              fs::copy_options::overwrite_existing, ec);
            }
        }
    }
    RunRecorder recorder(
        runDir, spec,
        resumeInPlace || continuesRun ? RunRecorder::Mode::Resume : RunRecorder::Mode::Fresh);
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
        // Over this session's epochs: the mean epoch, and the speed.
        const EpochMetrics& last = summary.epochs.back();
        double seconds = 0;
        for (const EpochMetrics& e : summary.epochs) {
            seconds += e.epochSeconds;
        }
        const auto count = double(summary.epochs.size());
        std::printf(
            "val_acc %.4f  val_loss %.4f  after %d epoch%s  %.1f s/epoch  %.0f samples/s%s\n",
            last.validationAccuracy, last.validationLoss, last.epoch, last.epoch == 1 ? "" : "s",
            seconds / count, samplesPerSecondOver(summary.epochs),
            int(count) < last.epoch ? "  (means of this session's epochs)" : "");
    }
    if (printer.started()) {
        std::printf("run written to %s\n", runDir.string().c_str());
    } else if (summary.outcome == RunOutcome::Failed && !resumeInPlace) {
        // Refused before its first step (no GPU, a bad initializer): there is
        // nothing to keep, and the folder would block the same --out again.
        for (const char* file : {"config.json", "metrics.csv", "summary.json", ".lock"}) {
            fs::remove(runDir / file, ec);
        }
        if (!folderExisted) {
            fs::remove(runDir, ec);  // only if nothing else is in it
        }
    }
    switch (summary.outcome) {
        case RunOutcome::Completed:
            return kExitOk;
        case RunOutcome::Stopped:
            std::cerr << "stopped: " << summary.message << "\n";
            // What the folder can still give: a run resumes from the
            // checkpoint of its last whole epoch.
            if (fs::exists(runDir / "checkpoint.pt", ec)) {
                std::cerr << "the steps of the unfinished epoch are not kept; continue from the "
                             "last whole epoch with: layerlab-cli train --resume "
                          << runDir.string() << "\n";
            } else if (printer.started()) {
                std::cerr << "no epoch was finished, so there is no checkpoint to resume from; "
                             "the folder keeps the steps' curves\n";
            }
            return kExitInterrupted;
        case RunOutcome::Failed:
            std::cerr << "error: " << summary.message << "\n";
            // Refused before the first step: the input was bad. After it: the run failed.
            return printer.started() ? kExitTrainingFailed : kExitBadInput;
    }
    return kExitOk;
}

}  // namespace layerlab::cli
