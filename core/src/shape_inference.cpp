#include "layerlab/shape_inference.h"

#include <cmath>
#include <cstdio>
#include <limits>
#include <sstream>
#include <utility>

#include "layerlab/dataset.h"
#include "spec_text.h"

namespace layerlab {
namespace {

constexpr int64_t kBytesPerFloat = 4;

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
    // In double, capped: absurd sizes (two dense layers of 2^30 units) would
    // overflow 64 bits.
    const double bytes = double(report.totalParameters) * kBytesPerFloat * 4 +
                         double(activationValues) * std::max(batchSize, 1) * kBytesPerFloat * 2;
    report.estimatedTrainingBytes =
        bytes >= 9.2e18 ? std::numeric_limits<int64_t>::max() : int64_t(bytes);
    return report;
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

std::string layerLabel(size_t index, const LayerSpec& layer) {
    return "layer " + std::to_string(index + 1) + " (" + toString(layer.kind) + ")";
}

std::string groupedNumber(int64_t value) {
    std::string digits = std::to_string(value);
    for (int i = int(digits.size()) - 3; i > 0; i -= 3) {
        digits.insert(size_t(i), ",");
    }
    return digits;
}

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
