// layerlab-cli export: a run's weights for Python users (docs/pytorch-export.md).

#include <cstdio>
#include <fstream>
#include <iostream>

#include "cli_commands.h"
#include "layerlab/dataset.h"
#include "layerlab/errors.h"
#include "layerlab/predictor.h"
#include "layerlab/weights_export.h"

namespace fs = std::filesystem;

namespace layerlab::cli {
namespace {

// LayerLab's own predictions for the first `count` test images, as CSV:
// what a port to Python is checked against.
void writePredictions(const ExportArguments& args) {
    Predictor predictor = Predictor::fromRun(args.run);
    const ExperimentSpec& spec = predictor.spec();
    const std::optional<DatasetKind> kind = datasetKindFromId(spec.dataset);
    if (!kind) {
        throw SpecError(args.run + ": unknown dataset \"" + spec.dataset + "\"");
    }
    const std::optional<fs::path> dataDir =
        args.dataDir.empty() ? std::nullopt : std::optional<fs::path>(args.dataDir);
    const Dataset data = loadDataset(*kind, dataDir);
    const IdxImages& images = data.test.images;
    const int count = int(std::min<int64_t>(args.count, images.count));
    const int64_t size = int64_t(images.rows) * images.cols;
    std::vector<float> pixels(size_t(count * size));
    for (size_t i = 0; i < pixels.size(); ++i) {
        pixels[i] = float(images.pixels[i]) / 255.0f;
    }
    const std::vector<Prediction> predictions = predictor.predict(pixels, count);

    std::ofstream out(args.predictions, std::ios::trunc);
    out << "index,label,probability\n";
    for (int i = 0; i < count; ++i) {
        char probability[32];
        std::snprintf(probability, sizeof probability, "%.7g", predictions[size_t(i)].probability);
        out << i << ',' << predictions[size_t(i)].label << ',' << probability << '\n';
    }
    if (!out.flush()) {
        throw Error(args.predictions + ": cannot write it");
    }
    std::printf("predictions for %d test images written to %s\n", count, args.predictions.c_str());
}

}  // namespace

int runExport(const ExportArguments& args) {
    if (args.to.empty() && args.torchscript.empty() && args.predictions.empty()) {
        std::cerr << "export: say what to write: --to, --torchscript or --predictions\n";
        return kExitBadInput;
    }
    if (!args.to.empty()) {
        exportWeightsForPyTorch(args.run, args.to);
        std::printf("weights for torch.load written to %s\n", args.to.c_str());
    }
    if (!args.torchscript.empty()) {
        exportTorchScript(args.run, args.torchscript);
        std::printf("TorchScript module written to %s\n", args.torchscript.c_str());
    }
    if (!args.predictions.empty()) {
        writePredictions(args);
    }
    return kExitOk;
}

}  // namespace layerlab::cli
