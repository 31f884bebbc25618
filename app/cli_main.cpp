// layerlab-cli: train and check experiments without a window, e.g. on a
// rented GPU box. Every fault ends in a message on stderr and a non-zero
// exit code, never an uncaught exception.

#include <CLI/CLI.hpp>
#include <string>

#include <filesystem>
#include <iostream>

#include "cli_commands.h"
#include "layerlab/errors.h"

namespace {

// CLI::PositiveNumber's message spells its range out to the largest double
// (three hundred digits) and starts it at 0 while refusing 0.
const CLI::Validator kOneOrMore(
    [](std::string& value) -> std::string {
        try {
            size_t used = 0;
            if (std::stoll(value, &used) >= 1 && used == value.size()) {
                return {};
            }
        } catch (const std::exception&) {
        }
        return "Value " + value + " is not a whole number of 1 or more";
    },
    "INT>=1");

// A seed is any unsigned 64-bit number, as in the experiment file; CLI11
// alone clamped a longer one to the largest without a word.
const CLI::Validator kSeedValue(
    [](std::string& value) -> std::string {
        const bool digits = !value.empty() && value.size() <= 20 &&
                            value.find_first_not_of("0123456789") == std::string::npos;
        try {
            if (digits) {
                std::stoull(value);
                return {};
            }
        } catch (const std::out_of_range&) {
        }
        return "Value " + value + " is not a whole number from 0 to 18446744073709551615";
    },
    "UINT64");

// The seed preset `bench` times by default: the copy installed beside this
// program (<prefix>/bin/../share/layerlab/presets), so an install at any
// prefix works, else the source tree's for a build run in place.
std::string defaultBenchConfig() {
    namespace fs = std::filesystem;
    std::error_code error;
    const fs::path program = fs::read_symlink("/proc/self/exe", error);
    if (!error) {
        const fs::path installed = program.parent_path().parent_path() /
                                   LAYERLAB_PRESET_RELATIVE_DIR / "seed-dropout.json";
        if (fs::exists(installed, error)) {
            return installed.string();
        }
    }
    return LAYERLAB_SOURCE_DIR "/resources/presets/seed-dropout.json";
}

}  // namespace

int main(int argc, char** argv) {
    using namespace layerlab::cli;
    CLI::App app{"LayerLab command line: train and check CNN experiments", "layerlab-cli"};
    app.require_subcommand(1);
    app.set_version_flag("--version", std::string("layerlab-cli ") + LAYERLAB_VERSION);

    TrainArguments train;
    CLI::App* trainCommand =
        app.add_subcommand("train", "Train an experiment and write a run folder");
    trainCommand
        ->add_option("--config", train.config,
                     "Experiment JSON file (resuming a run folder: default, the run's own)")
        ->check(CLI::ExistingFile);
    trainCommand->add_option("--data", train.dataDir,
                             "Folder holding the dataset's IDX files (default: search the "
                             "usual places)");
    trainCommand->add_option("--out", train.outDir,
                             "Run folder to write (default: ~/.local/share/layerlab/runs/NAME)");
    trainCommand->add_option("--epochs", train.epochs, "Override training.epochs")
        ->check(kOneOrMore);
    trainCommand->add_option("--limit-train", train.limitTrain, "Train on the first N images only")
        ->check(kOneOrMore);
    trainCommand->add_option("--device", train.device, "auto, cpu or cuda")
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    trainCommand->add_option("--threads", train.threads, "CPU threads (0: automatic)")
        ->check(CLI::Range(0, 256));
    // Read as a signed number first: "-1" would otherwise wrap to 2^64 - 1.
    trainCommand->add_option("--seed", train.seed, "Override training.seed")->check(kSeedValue);
    trainCommand->add_option("--resume", train.resume,
                             "Continue from this checkpoint.pt (or a run folder holding one)");

    ValidateArguments validate;
    CLI::App* validateCommand =
        app.add_subcommand("validate", "Check an experiment and print its layer table");
    validateCommand->add_option("--config", validate.config, "Experiment JSON file")
        ->required()
        ->check(CLI::ExistingFile);

    BenchArguments bench;
    bench.config = defaultBenchConfig();
    CLI::App* benchCommand = app.add_subcommand(
        "bench", "Measure training speed against PyTorch from Python, load time and memory");
    benchCommand->add_option("--config", bench.config, "Experiment to time")
        ->capture_default_str()
        ->check(CLI::ExistingFile);
    benchCommand->add_option("--data", bench.dataDir, "Folder holding MNIST");
    benchCommand->add_option("--device", bench.device, "auto, cpu or cuda")
        ->capture_default_str()
        ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
    benchCommand->add_option("--threads", bench.threads, "CPU threads (0: automatic)")
        ->capture_default_str()
        ->check(CLI::Range(0, 256));
    benchCommand->add_option("--steps", bench.steps, "Timed training steps")
        ->capture_default_str()
        ->check(kOneOrMore);
    benchCommand->add_flag("--no-python", bench.skipPython, "Skip the Python PyTorch peer");
    benchCommand
        ->add_option("--python-script", bench.pythonScript,
                     "The Python peer (default: bench/pytorch_peer.py)")
        ->capture_default_str();
    benchCommand->add_option("--json", bench.jsonOut, "Also write the figures as JSON here");

    ExportArguments exportArgs;
    CLI::App* exportCommand = app.add_subcommand(
        "export", "Write a run's weights for PyTorch (see docs/pytorch-export.md)");
    exportCommand->add_option("--run", exportArgs.run, "Run folder (config.json, checkpoint.pt)")
        ->required()
        ->check(CLI::ExistingDirectory);
    exportCommand->add_option("--to", exportArgs.to, "Weights file for Python's torch.load");
    exportCommand->add_option("--torchscript", exportArgs.torchscript,
                              "TorchScript module for torch.jit.load");
    exportCommand->add_option("--predictions", exportArgs.predictions,
                              "CSV of LayerLab's predictions on the first test images");
    exportCommand->add_option("--count", exportArgs.count, "Test images for --predictions")
        ->capture_default_str()
        ->check(kOneOrMore);
    exportCommand->add_option("--data", exportArgs.dataDir, "Folder holding the dataset");

    PredictArguments predict;
    CLI::App* predictCommand = app.add_subcommand(
        "predict", "Classify images of single digits (PNG, JPG) with a finished run");
    predictCommand->add_option("--run", predict.runDir, "Run folder (config.json, checkpoint.pt)")
        ->required()
        ->check(CLI::ExistingDirectory);
    predictCommand->add_option("images", predict.images, "Image files")->required();
    predictCommand->add_flag("--json", predict.json, "Print a JSON array, one object per image");

    // CLI11 would only say that a subcommand is required.
    const auto named = [&](const CLI::App* command) { return command->get_name() == argv[1]; };
    if (argc > 1 && argv[1][0] != '-' && app.get_subcommands(named).empty()) {
        std::cerr << "error: unknown command '" << argv[1]
                  << "'; the commands are train, validate, predict, export and bench (see "
                     "--help)\n";
        return kExitUsage;
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        // CLI11 prints the message (or the help) and has its own codes,
        // 105-116, for each kind of mistake; one code is what scripts test.
        return app.exit(e) == kExitOk ? kExitOk : kExitUsage;
    }

    try {
        if (*trainCommand) {
            return runTrain(train);
        }
        if (*benchCommand) {
            return runBench(bench);
        }
        if (*predictCommand) {
            return runPredict(predict);
        }
        if (*exportCommand) {
            return runExport(exportArgs);
        }
        return runValidate(validate);
    } catch (const layerlab::Error& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitBadInput;
    } catch (const std::exception& e) {
        std::cerr << "error: " << e.what() << "\n";
        return kExitTrainingFailed;
    }
}
