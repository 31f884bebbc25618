// layerlab-cli predict: classify photos, scans or drawings of single digits
// with a finished run, preprocessed exactly as the GUI's canvas does.

#include <iomanip>
#include <iostream>

#include "cli_commands.h"

#ifdef LAYERLAB_HAVE_VISION

#include <nlohmann/json.hpp>

#include "layerlab/dataset.h"
#include "layerlab/digit_preprocessing.h"
#include "layerlab/predictor.h"

namespace layerlab::cli {

namespace {

std::string className(const ExperimentSpec& spec, int label) {
    const auto kind = datasetKindFromId(spec.dataset);
    const auto& names = kind ? datasetInfo(*kind).classNames : std::vector<std::string>{};
    return label >= 0 && size_t(label) < names.size() ? names[size_t(label)]
                                                      : std::to_string(label);
}

}  // namespace

int runPredict(const PredictArguments& args) {
    Predictor predictor = Predictor::fromRun(args.runDir);
    const ExperimentSpec& spec = predictor.spec();
    if (spec.model.inputHeight != vision::kDigitSide ||
        spec.model.inputWidth != vision::kDigitSide || spec.model.inputChannels != 1) {
        std::cerr << "error: " << args.runDir << " takes " << spec.model.inputHeight << "x"
                  << spec.model.inputWidth << "x" << spec.model.inputChannels
                  << " input; predict handles 28x28x1 (MNIST-like) networks only\n";
        return kExitBadInput;
    }

    nlohmann::json results = nlohmann::json::array();
    int failures = 0;
    for (const std::string& image : args.images) {
        nlohmann::json entry{{"image", image}};
        try {
            const vision::DigitImage digit = vision::preprocessDigitFile(image);
            if (digit.empty) {
                entry["label"] = nullptr;
                entry["probability"] = nullptr;
                entry["empty"] = true;
                if (!args.json) {
                    std::cout << image << ": empty (no ink found)\n";
                }
            } else {
                const Prediction p = predictor.predictOne(digit.pixels);
                entry["label"] = p.label;
                entry["class"] = className(spec, p.label);
                entry["probability"] = p.probability;
                entry["probabilities"] = p.probabilities;
                entry["empty"] = false;
                entry["ink"] = vision::inkSourceName(digit.source);
                if (!args.json) {
                    std::cout << image << ": " << className(spec, p.label) << " (" << std::fixed
                              << std::setprecision(1) << 100.0 * p.probability << "%)\n";
                }
            }
        } catch (const std::exception& e) {
            // One unreadable file does not hide the answers for the others.
            ++failures;
            entry["error"] = e.what();
            std::cerr << "error: " << e.what() << "\n";
        }
        results.push_back(entry);
    }
    if (args.json) {
        std::cout << results.dump(2) << "\n";
    }
    return failures > 0 ? kExitBadInput : kExitOk;
}

}  // namespace layerlab::cli

#else

namespace layerlab::cli {

int runPredict(const PredictArguments&) {
    std::cerr << "error: this layerlab-cli was built without OpenCV, which predict needs to read "
                 "and preprocess images; install OpenCV (libopencv-dev) and rebuild\n";
    return kExitBadInput;
}

}  // namespace layerlab::cli

#endif
