// The experiment's checks beyond shapes: the training section, the
// initializers, the dataset's split and the machine's memory.
#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <utility>

#include <unistd.h>

#include "layerlab/dataset.h"
#include "layerlab/shape_inference.h"
#include "spec_text.h"

namespace layerlab {

std::vector<std::string> validateTraining(const TrainingSpec& t) {
    std::vector<std::string> errors;
    auto add = [&](const char* field, const std::string& why) {
        errors.push_back(std::string("training: field '") + field + "' " + why);
    };
    // Weights are 32-bit floats: a rate beyond their range cannot be applied.
    if (!std::isfinite(t.learningRate) || t.learningRate <= 0 ||
        t.learningRate > std::numeric_limits<float>::max()) {
        add("learning_rate", "must be a finite number above 0 (and within 32-bit float range)");
    }
    if (!std::isfinite(t.momentum) || t.momentum < 0 || t.momentum >= 1) {
        add("momentum", "must be in [0, 1)");
    }
    if (!std::isfinite(t.weightDecay) || t.weightDecay < 0) {
        add("weight_decay", "must be a finite number of at least 0");
    }
    if (!std::isfinite(t.gradientClipNorm) || t.gradientClipNorm < 0) {
        add("gradient_clip_norm", "must be 0 (off) or a positive number");
    }
    if (t.batchSize < 1) {
        add("batch_size", "must be at least 1");
    }
    if (t.epochs < 1) {
        add("epochs", "must be at least 1");
    }
    // More threads than any machine has only oversubscribes the cores (each
    // OpenMP and BLAS thread spins); a typo like 500 is caught here.
    constexpr int kMaxThreads = 256;
    if (t.threads < 0 || t.threads > kMaxThreads) {
        add("threads", "is " + std::to_string(t.threads) + "; it must be 0 (automatic) up to " +
                           std::to_string(kMaxThreads));
    }
    if (t.trainLimit < 0 || t.validationLimit < 0) {
        add(t.trainLimit < 0 ? "train_limit" : "validation_limit", "must be 0 (all) or more");
    }
    return errors;
}

namespace {

// An initializer's parameter that LibTorch would refuse only when the
// network is built, with a message that names no layer.
std::vector<std::string> validateInitializers(const ModelSpec& model) {
    std::vector<std::string> errors;
    for (size_t i = 0; i < model.layers.size(); ++i) {
        const LayerSpec& layer = model.layers[i];
        for (const auto& [field, init] : {std::pair{"weight_init", &layer.weightInit},
                                          std::pair{"bias_init", &layer.biasInit}}) {
            const bool usesStddev = init->kind == InitializerKind::Normal ||
                                    init->kind == InitializerKind::TruncatedNormal;
            const bool usesScale = init->kind == InitializerKind::UniformScaling;
            const double value = usesStddev ? init->stddev : init->scale;
            if ((usesStddev || usesScale) && !(std::isfinite(value) && value > 0)) {
                std::ostringstream why;
                why << layerLabel(i, layer) << ": field '" << field << "': '"
                    << (usesStddev ? "stddev" : "scale") << "' of " << toString(init->kind)
                    << " must be a finite number above 0, got " << value;
                errors.push_back(why.str());
            }
        }
    }
    return errors;
}

// A network whose training needs more memory than the machine has: it
// would run until the system kills it, saying nothing. Says what to shrink:
// the batch when the activations of one batch are most of it, else the layer
// with the most weights.
std::string memoryError(const ModelSpec& model, const ModelReport& report, int batchSize) {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGE_SIZE);
    if (!report.ok() || pages <= 0 || pageSize <= 0) {
        return {};
    }
    const double machineBytes = double(pages) * double(pageSize);
    const double needed = double(report.estimatedTrainingBytes);
    if (needed <= machineBytes) {
        return {};
    }
    // Weights, gradients and optimizer state: 16 bytes a parameter (see
    // inspectModel); the rest is the batch's activations.
    const double weightBytes = double(report.totalParameters) * 16.0;
    size_t largest = 0;
    for (size_t i = 0; i < report.layers.size(); ++i) {
        if (report.layers[i].parameters > report.layers[largest].parameters) {
            largest = i;
        }
    }
    char text[160];
    std::snprintf(text, sizeof text,
                  "model: training needs about %.0f MB for a batch of %d, more than this "
                  "machine's %.0f MB of memory; ",
                  needed / 1e6, batchSize, machineBytes / 1e6);
    std::string error = text;
    if (weightBytes < needed - weightBytes || largest >= model.layers.size()) {
        error += "most of it is the batch's activations: lower 'batch_size'";
    } else {
        error += "the largest is " + layerLabel(largest, model.layers[largest]) + " with " +
                 groupedNumber(report.layers[largest].parameters) + " weights";
    }
    return error;
}

}  // namespace

std::vector<std::string> validateExperiment(const ExperimentSpec& spec) {
    std::vector<std::string> errors;
    const auto kind = datasetKindFromId(spec.dataset);
    int numClasses = 10;
    if (!kind) {
        errors.push_back("dataset: unknown dataset \"" + spec.dataset +
                         "\" (one of mnist, fashion-mnist)");
    } else {
        numClasses = int(datasetInfo(*kind).classNames.size());
        if (spec.model.inputHeight != 28 || spec.model.inputWidth != 28 ||
            spec.model.inputChannels != 1) {
            errors.push_back("model: field 'input' is " + std::to_string(spec.model.inputHeight) +
                             "x" + std::to_string(spec.model.inputWidth) + "x" +
                             std::to_string(spec.model.inputChannels) + " but " +
                             datasetInfo(*kind).displayName + " images are 28x28x1");
        }
        // Validation on the training split's tail needs a tail.
        const int64_t trainImages = datasetInfo(*kind).trainCount;
        const TrainingSpec& t = spec.training;
        if (t.validation == ValidationSource::TrainTail &&
            (t.trainLimit == 0 || t.trainLimit >= trainImages)) {
            errors.push_back("training: field 'validation' is train_tail, but 'train_limit' (" +
                             std::to_string(t.trainLimit) + ") trains on all " +
                             std::to_string(trainImages) + " " + datasetInfo(*kind).displayName +
                             " training images and leaves none to validate on; lower "
                             "'train_limit' or validate on the test set");
        }
    }
    for (std::string& error : validateInitializers(spec.model)) {
        errors.push_back(std::move(error));
    }
    const ModelReport report = inspectModel(spec.model, numClasses, spec.training.batchSize);
    for (const std::string& error : report.errors) {
        errors.push_back(error);
    }
    if (std::string tooBig = memoryError(spec.model, report, spec.training.batchSize);
        !tooBig.empty()) {
        errors.push_back(std::move(tooBig));
    }
    for (std::string& error : validateTraining(spec.training)) {
        errors.push_back(std::move(error));
    }
    return errors;
}

}  // namespace layerlab
