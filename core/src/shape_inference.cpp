#include "layerlab/shape_inference.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <utility>

#include <unistd.h>

#include "layerlab/dataset.h"

namespace layerlab {
namespace {

constexpr int64_t kBytesPerFloat = 4;

std::string layerLabel(size_t index, const LayerSpec& layer) {
    return "layer " + std::to_string(index + 1) + " (" + toString(layer.kind) + ")";
}

int ceilDiv(int a, int b) {
    return (a + b - 1) / b;
}

// Output side of a sliding window, TensorFlow's rules.
int windowOutput(int input, int kernel, int stride, Padding padding) {
    return padding == Padding::Same ? ceilDiv(input, stride) : (input - kernel) / stride + 1;
}

std::string sizeText(int h, int w) {
    return std::to_string(h) + "x" + std::to_string(w);
}

// Fills `report` for one layer; returns false when the output shape cannot
// be known, which stops inference for the layers after it.
bool inferLayer(size_t index, const LayerSpec& layer, const TensorShape& in, LayerReport& report) {
    const std::string where = layerLabel(index, layer) + ": ";
    auto fail = [&](const std::string& field, const std::string& why) {
        report.problem = (field.empty() ? "" : "field '" + field + "': ") + why;
        report.error = where + report.problem;
        return false;
    };
    auto needsImage = [&]() {
        return fail("", "needs an image input (HxWxC) but gets a vector of " +
                            std::to_string(in.channels) +
                            " values; move it before the first dense or flatten layer");
    };
    report.input = in;
    TensorShape out = in;
    switch (layer.kind) {
        case LayerKind::Conv2d:
        case LayerKind::MaxPool2d:
        case LayerKind::AvgPool2d: {
            if (!in.isImage) {
                return needsImage();
            }
            const bool conv = layer.kind == LayerKind::Conv2d;
            if (conv && layer.filters < 1) {
                return fail("filters", "must be at least 1, got " + std::to_string(layer.filters));
            }
            if (layer.kernel < 1) {
                return fail("kernel", "must be at least 1, got " + std::to_string(layer.kernel));
            }
            if (layer.stride < 0) {
                return fail("stride", "must be at least 1, got " + std::to_string(layer.stride));
            }
            if (layer.kernel > in.height || layer.kernel > in.width) {
                return fail("kernel", sizeText(layer.kernel, layer.kernel) +
                                          " is larger than its " + sizeText(in.height, in.width) +
                                          " input");
            }
            const int stride = layer.stride > 0 ? layer.stride : (conv ? 1 : layer.kernel);
            out.height = windowOutput(in.height, layer.kernel, stride, layer.padding);
            out.width = windowOutput(in.width, layer.kernel, stride, layer.padding);
            const int64_t outputs = int64_t(out.height) * out.width;
            if (conv) {
                out.channels = layer.filters;
                const int64_t fanIn = int64_t(layer.kernel) * layer.kernel * in.channels;
                report.parameters = fanIn * layer.filters + layer.filters;
                report.flops = 2 * fanIn * layer.filters * outputs;
                if (layer.activation != Activation::Linear) {
                    report.flops += outputs * layer.filters;
                }
            } else {
                report.flops = outputs * in.channels * layer.kernel * layer.kernel;
            }
            break;
        }
        case LayerKind::BatchNorm:
            report.parameters = 2 * (in.isImage ? in.channels : in.size());
            report.flops = 2 * in.size();
            break;
        case LayerKind::Flatten:
            out = TensorShape{false, 0, 0, int(in.size())};
            break;
        case LayerKind::Dense:
            if (layer.units < 1) {
                return fail("units", "must be at least 1, got " + std::to_string(layer.units));
            }
            // Like TFlearn's fully_connected, a dense layer flattens an image input.
            out = TensorShape{false, 0, 0, layer.units};
            report.parameters = in.size() * layer.units + layer.units;
            report.flops = 2 * in.size() * layer.units;
            if (layer.activation != Activation::Linear) {
                report.flops += layer.units;
            }
            break;
        case LayerKind::Dropout:
            if (!(layer.rate >= 0.0 && layer.rate < 1.0)) {
                char text[64];
                std::snprintf(text, sizeof text, "%g", layer.rate);
                // The shape passes through unchanged: later layers stay known.
                report.output = in;
                report.activations = in.size();
                report.shapeKnown = true;
                return fail("rate",
                            std::string("must be in [0, 1) (the fraction dropped), got ") + text);
            }
            break;
        case LayerKind::Activation:
            report.flops = in.size();
            break;
    }
    report.output = out;
    report.activations = out.size();
    report.shapeKnown = true;
    return true;
}

}  // namespace

std::string TensorShape::toString() const {
    if (!isImage) {
        return std::to_string(channels);
    }
    return std::to_string(height) + "x" + std::to_string(width) + "x" + std::to_string(channels);
}

int ModelReport::firstInvalidLayer() const {
    for (size_t i = 0; i < layers.size(); ++i) {
        if (!layers[i].error.empty()) {
            return int(i);
        }
    }
    return -1;
}

ModelReport inspectModel(const ModelSpec& model, int numClasses, int batchSize) {
    ModelReport report;
    TensorShape shape{true, model.inputHeight, model.inputWidth, model.inputChannels};
    if (model.inputHeight < 1 || model.inputWidth < 1 || model.inputChannels < 1) {
        report.errors.push_back("model: field 'input' must be positive, got " + shape.toString());
    }
    if (model.layers.empty()) {
        report.errors.push_back("model: field 'layers' is empty; add at least one dense layer of " +
                                std::to_string(numClasses) + " units");
    }
    bool shapeKnown = report.errors.empty();
    int64_t activationValues = shape.size();
    for (size_t i = 0; i < model.layers.size(); ++i) {
        LayerReport layer;
        if (shapeKnown) {
            if (!inferLayer(i, model.layers[i], shape, layer)) {
                report.errors.push_back(layer.error);
            }
            shapeKnown = layer.shapeKnown;
            if (shapeKnown) {
                shape = layer.output;
            }
        }
        report.totalParameters += layer.parameters;
        report.totalFlops += layer.flops;
        activationValues += layer.activations;
        report.layers.push_back(layer);
    }
    if (shapeKnown && !model.layers.empty() && (shape.isImage || shape.channels != numClasses)) {
        const size_t last = model.layers.size() - 1;
        std::string error = layerLabel(last, model.layers[last]) + ": the network must end in " +
                            std::to_string(numClasses) + " values, one per class, but gives " +
                            shape.toString();
        if (model.layers[last].kind == LayerKind::Dense) {
            error += "; set field 'units' to " + std::to_string(numClasses);
        } else {
            error += "; end with a dense layer of " + std::to_string(numClasses) + " units";
        }
        report.layers[last].error = error;
        report.layers[last].problem = error.substr(error.find(": ") + 2);
        report.errors.push_back(error);
    }
    // Weights, their gradients and up to two optimizer slots; activations are
    // kept once for backward and once more as their gradients.
    report.estimatedTrainingBytes =
        report.totalParameters * kBytesPerFloat * 4 +
        activationValues * int64_t(std::max(batchSize, 1)) * kBytesPerFloat * 2;
    return report;
}

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

std::string groupedNumber(int64_t value);  // "3,230,954", below

// A network whose training needs more memory than the machine has: it
// would run until the system kills it, saying nothing. Names the layer with
// the most weights, usually the one to shrink.
std::string memoryError(const ModelSpec& model, const ModelReport& report, int batchSize) {
    const long pages = sysconf(_SC_PHYS_PAGES);
    const long pageSize = sysconf(_SC_PAGE_SIZE);
    if (!report.ok() || pages <= 0 || pageSize <= 0) {
        return {};
    }
    const double machineBytes = double(pages) * double(pageSize);
    if (double(report.estimatedTrainingBytes) <= machineBytes) {
        return {};
    }
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
                  double(report.estimatedTrainingBytes) / 1e6, batchSize, machineBytes / 1e6);
    std::string error = text;
    if (largest < model.layers.size() && report.layers[largest].parameters > 0) {
        error += "the largest is " + layerLabel(largest, model.layers[largest]) + " with " +
                 groupedNumber(report.layers[largest].parameters) + " weights";
    } else {
        error += "lower the batch size or the layers' sizes";
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

namespace {

std::string describeLayer(const LayerSpec& layer) {
    std::ostringstream text;
    text << toString(layer.kind);
    switch (layer.kind) {
        case LayerKind::Conv2d:
            text << " " << layer.filters << " " << layer.kernel << "x" << layer.kernel;
            if (layer.stride > 1) {
                text << "/" << layer.stride;
            }
            text << " " << toString(layer.padding) << " " << toString(layer.activation);
            break;
        case LayerKind::MaxPool2d:
        case LayerKind::AvgPool2d:
            text << " " << layer.kernel << "x" << layer.kernel;
            if (layer.stride > 0 && layer.stride != layer.kernel) {
                text << "/" << layer.stride;
            }
            text << " " << toString(layer.padding);
            break;
        case LayerKind::Dense:
            text << " " << layer.units << " " << toString(layer.activation);
            break;
        case LayerKind::Dropout:
            text << " " << describeDropoutRate(layer.rate) << (layer.enabled ? "" : " [off]");
            break;
        case LayerKind::Activation:
            text << " " << toString(layer.activation);
            break;
        case LayerKind::BatchNorm:
        case LayerKind::Flatten:
            break;
    }
    return text.str();
}

std::string groupedNumber(int64_t value) {
    std::string digits = std::to_string(value);
    for (int i = int(digits.size()) - 3; i > 0; i -= 3) {
        digits.insert(size_t(i), ",");
    }
    return digits;
}

std::string flopsText(int64_t flops) {
    char text[32];
    if (flops >= 1'000'000) {
        std::snprintf(text, sizeof text, "%.2f M", double(flops) / 1e6);
    } else if (flops >= 1000) {
        std::snprintf(text, sizeof text, "%.1f K", double(flops) / 1e3);
    } else {
        std::snprintf(text, sizeof text, "%lld", static_cast<long long>(flops));
    }
    return text;
}

}  // namespace

std::string formatLayerTable(const ModelSpec& model, const ModelReport& report) {
    char line[256];
    std::ostringstream table;
    std::snprintf(line, sizeof line, "%3s  %-40s %-12s %12s %12s\n", "#", "layer", "output",
                  "params", "FLOPs");
    table << line;
    const TensorShape input{true, model.inputHeight, model.inputWidth, model.inputChannels};
    std::snprintf(line, sizeof line, "%3s  %-40s %-12s\n", "", "input", input.toString().c_str());
    table << line;
    for (size_t i = 0; i < model.layers.size() && i < report.layers.size(); ++i) {
        const LayerReport& layer = report.layers[i];
        const bool known = layer.shapeKnown;
        std::snprintf(line, sizeof line, "%3zu  %-40s %-12s %12s %12s\n", i + 1,
                      describeLayer(model.layers[i]).c_str(),
                      known ? layer.output.toString().c_str() : "?",
                      known ? groupedNumber(layer.parameters).c_str() : "",
                      known ? flopsText(layer.flops).c_str() : "");
        table << line;
    }
    std::snprintf(line, sizeof line, "%3s  %-40s %-12s %12s %12s\n", "", "total", "",
                  groupedNumber(report.totalParameters).c_str(),
                  flopsText(report.totalFlops).c_str());
    table << line;
    std::snprintf(line, sizeof line, "     training memory for one batch: about %.0f MB\n",
                  double(report.estimatedTrainingBytes) / 1e6);
    table << line;
    return table.str();
}

}  // namespace layerlab
