// The experiment file format (docs/experiment-format.md): JSON in, specs
// out, with every fault collected and named by layer index and field.

#include <cmath>
#include <fstream>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "json_field_reader.h"
#include "json_text.h"
#include "layerlab/errors.h"
#include "layerlab/experiment.h"
#include "layerlab/run_recorder.h"

using nlohmann::json;

namespace layerlab {
namespace {

using namespace json_fields;

// The format tag written into every file; files without one are accepted.
constexpr const char* kFormatTag = "layerlab-experiment/1";

void readInitializer(FieldReader& parent, const char* field, Initializer& out,
                     std::vector<std::string>& errors) {
    const json* value = parent.raw(field);
    if (value == nullptr) {
        return;
    }
    if (value->is_string()) {
        parent.choice(field, out.kind, allInitializerKinds());
        return;
    }
    if (!value->is_object()) {
        parent.error(field, "must be an initializer name or an object with a 'kind'");
        return;
    }
    FieldReader reader(*value, parent.context() + "field '" + field + "': ", errors);
    reader.choice("kind", out.kind, allInitializerKinds());
    if (!reader.has("kind")) {
        reader.error("kind", "is missing (one of " + choices(allInitializerKinds()) + ")");
    }
    reader.number("stddev", out.stddev);
    reader.number("scale", out.scale);
    reader.rejectUnknown();
}

LayerSpec readLayer(const json& value, size_t index, std::vector<std::string>& errors) {
    const std::string where = "layer " + std::to_string(index + 1);
    LayerSpec layer;
    if (!value.is_object()) {
        errors.push_back(where + ": must be an object with a 'type', got " + typeName(value));
        return layer;
    }
    const auto typeField = value.find("type");
    if (typeField == value.end() || !typeField->is_string()) {
        errors.push_back(where + ": field 'type' is missing (one of " + choices(allLayerKinds()) +
                         ")");
        return layer;
    }
    const auto kind = enumFromString(typeField->get<std::string>(), allLayerKinds());
    if (!kind) {
        errors.push_back(where + ": field 'type': unknown layer kind " + typeField->dump() +
                         " (one of " + choices(allLayerKinds()) + ")");
        return layer;
    }
    layer = defaultLayer(*kind);
    // In a file, a weight layer without an activation is linear, as TFlearn's
    // conv_2d and fully_connected are: a final "dense 10" must not turn
    // into ReLU. (The GUI's palette still adds ReLU layers.)
    if (*kind == LayerKind::Conv2d || *kind == LayerKind::Dense) {
        layer.activation = Activation::Linear;
    }
    FieldReader reader(value, where + " (" + toString(*kind) + "): ", errors);
    reader.text("name", layer.name);
    switch (*kind) {
        case LayerKind::Conv2d:
            reader.integer("filters", layer.filters, 1, true);
            reader.integer("kernel", layer.kernel, 1, true);
            reader.integer("stride", layer.stride, 1);
            reader.choice("padding", layer.padding, {Padding::Same, Padding::Valid});
            reader.choice("activation", layer.activation, allActivations());
            readInitializer(reader, "weight_init", layer.weightInit, errors);
            readInitializer(reader, "bias_init", layer.biasInit, errors);
            break;
        case LayerKind::MaxPool2d:
        case LayerKind::AvgPool2d:
            reader.integer("kernel", layer.kernel, 1, true);
            reader.integer("stride", layer.stride, 1);
            reader.choice("padding", layer.padding, {Padding::Same, Padding::Valid});
            break;
        case LayerKind::Dense:
            reader.integer("units", layer.units, 1, true);
            reader.choice("activation", layer.activation, allActivations());
            readInitializer(reader, "weight_init", layer.weightInit, errors);
            readInitializer(reader, "bias_init", layer.biasInit, errors);
            break;
        case LayerKind::Dropout:
            reader.number("rate", layer.rate);
            reader.boolean("enabled", layer.enabled);
            if (reader.has("keep_prob")) {
                reader.error("keep_prob",
                             "is TFlearn's keep probability; write \"rate\": 1 - keep_prob "
                             "(the fraction dropped) instead");
            }
            break;
        case LayerKind::Activation:
            reader.choice("activation", layer.activation, allActivations());
            break;
        case LayerKind::BatchNorm:
        case LayerKind::Flatten:
            break;
    }
    reader.rejectUnknown({"type", "keep_prob"});
    return layer;
}

void readModel(const json& value, ModelSpec& model, std::vector<std::string>& errors) {
    FieldReader reader(value, "model: ", errors);
    if (const json* input = reader.raw("input")) {
        if (!input->is_array() || input->size() != 3 ||
            !std::all_of(input->begin(), input->end(), [](const json& v) {
                return v.is_number_integer() && v.get<int64_t>() > 0 && v.get<int64_t>() < 100000;
            })) {
            reader.error("input", "must be [height, width, channels] of positive integers");
        } else {
            model.inputHeight = (*input)[0].get<int>();
            model.inputWidth = (*input)[1].get<int>();
            model.inputChannels = (*input)[2].get<int>();
        }
    }
    const json* layers = reader.raw("layers");
    if (layers == nullptr || !layers->is_array()) {
        reader.error("layers", "must be a list of layers");
    } else {
        for (size_t i = 0; i < layers->size(); ++i) {
            model.layers.push_back(readLayer((*layers)[i], i, errors));
        }
    }
    reader.rejectUnknown();
}

void readTraining(const json& value, TrainingSpec& training, std::vector<std::string>& errors) {
    FieldReader reader(value, "training: ", errors);
    reader.choice("optimizer", training.optimizer, {OptimizerKind::Sgd, OptimizerKind::Adam});
    reader.number("learning_rate", training.learningRate);
    reader.number("momentum", training.momentum);
    reader.number("weight_decay", training.weightDecay);
    reader.number("gradient_clip_norm", training.gradientClipNorm);
    reader.integer("batch_size", training.batchSize, 1);
    reader.integer("epochs", training.epochs, 1);
    reader.seed("seed", training.seed);
    reader.choice("device", training.device,
                  {DeviceChoice::Auto, DeviceChoice::Cpu, DeviceChoice::Cuda});
    reader.integer("threads", training.threads, 0);
    reader.integer64("train_limit", training.trainLimit, 0);
    reader.choice("validation", training.validation,
                  {ValidationSource::TestSet, ValidationSource::TrainTail});
    reader.integer64("validation_limit", training.validationLimit, 0);
    reader.rejectUnknown();
}

json initializerToJson(const Initializer& init) {
    json value{{"kind", toString(init.kind)}};
    if (init.kind == InitializerKind::TruncatedNormal || init.kind == InitializerKind::Normal) {
        value["stddev"] = init.stddev;
    }
    if (init.kind == InitializerKind::UniformScaling) {
        value["scale"] = init.scale;
    }
    return value;
}

json layerToJson(const LayerSpec& layer) {
    json value{{"type", toString(layer.kind)}};
    if (!layer.name.empty()) {
        value["name"] = layer.name;
    }
    switch (layer.kind) {
        case LayerKind::Conv2d:
            value["filters"] = layer.filters;
            value["kernel"] = layer.kernel;
            value["stride"] = layer.stride;
            value["padding"] = toString(layer.padding);
            value["activation"] = toString(layer.activation);
            value["weight_init"] = initializerToJson(layer.weightInit);
            value["bias_init"] = initializerToJson(layer.biasInit);
            break;
        case LayerKind::MaxPool2d:
        case LayerKind::AvgPool2d:
            value["kernel"] = layer.kernel;
            if (layer.stride > 0) {
                value["stride"] = layer.stride;
            }
            value["padding"] = toString(layer.padding);
            break;
        case LayerKind::Dense:
            value["units"] = layer.units;
            value["activation"] = toString(layer.activation);
            value["weight_init"] = initializerToJson(layer.weightInit);
            value["bias_init"] = initializerToJson(layer.biasInit);
            break;
        case LayerKind::Dropout:
            value["rate"] = layer.rate;
            value["enabled"] = layer.enabled;
            break;
        case LayerKind::Activation:
            value["activation"] = toString(layer.activation);
            break;
        case LayerKind::BatchNorm:
        case LayerKind::Flatten:
            break;
    }
    return value;
}

}  // namespace

ExperimentSpec parseExperiment(const std::string& jsonText, const std::string& origin) {
    const json root = parseExperimentText(jsonText, origin);
    if (!root.is_object()) {
        throw SpecError(origin + ": an experiment must be a JSON object, got " + typeName(root));
    }
    std::vector<std::string> errors;
    ExperimentSpec spec;
    FieldReader reader(root, "", errors);
    std::string format;
    reader.text("format", format);
    if (!format.empty() && format != kFormatTag) {
        reader.error("format", "is \"" + format + "\"; this LayerLab reads \"" + kFormatTag + "\"");
    }
    reader.text("name", spec.name);
    reader.text("description", spec.description);
    reader.text("dataset", spec.dataset);
    if (const json* model = reader.object("model", true)) {
        readModel(*model, spec.model, errors);
    }
    if (const json* training = reader.object("training", false)) {
        readTraining(*training, spec.training, errors);
    }
    reader.rejectUnknown();
    if (!errors.empty()) {
        std::string message = origin + ": " + std::to_string(errors.size()) +
                              (errors.size() == 1 ? " error" : " errors");
        for (const std::string& error : errors) {
            message += "\n  " + error;
        }
        throw SpecError(message);
    }
    return spec;
}

ExperimentSpec loadExperiment(const std::filesystem::path& file) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        throw SpecError(
            file.string() + ": " +
            (std::filesystem::exists(file, ec) ? "not a regular file" : "file not found"));
    }
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw SpecError(file.string() + ": cannot open it for reading");
    }
    std::ostringstream text;
    text << in.rdbuf();
    ExperimentSpec spec = parseExperiment(text.str(), file.string());
    if (spec.name.empty()) {
        spec.name = file.stem().string();
    }
    return spec;
}

std::string experimentToJson(const ExperimentSpec& spec) {
    json layers = json::array();
    for (const LayerSpec& layer : spec.model.layers) {
        layers.push_back(layerToJson(layer));
    }
    const TrainingSpec& t = spec.training;
    json root{
        {"format", kFormatTag},
        {"name", spec.name},
        {"dataset", spec.dataset},
        {"model",
         {{"input", {spec.model.inputHeight, spec.model.inputWidth, spec.model.inputChannels}},
          {"layers", layers}}},
        {"training",
         {{"optimizer", toString(t.optimizer)},
          {"learning_rate", t.learningRate},
          {"momentum", t.momentum},
          {"weight_decay", t.weightDecay},
          {"gradient_clip_norm", t.gradientClipNorm},
          {"batch_size", t.batchSize},
          {"epochs", t.epochs},
          {"seed", t.seed},
          {"device", toString(t.device)},
          {"threads", t.threads},
          {"train_limit", t.trainLimit},
          {"validation", toString(t.validation)},
          {"validation_limit", t.validationLimit}}},
    };
    if (!spec.description.empty()) {
        root["description"] = spec.description;
    }
    return root.dump(2) + "\n";
}

void saveExperiment(const ExperimentSpec& spec, const std::filesystem::path& file) {
    writeFileAtomically(file, experimentToJson(spec));
}

}  // namespace layerlab
