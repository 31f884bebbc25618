#include "layerlab/experiment.h"

#include <gtest/gtest.h>

#include "layerlab/errors.h"
#include "test_support.h"

namespace layerlab {
namespace {

const std::string kPresetDir = std::string(LAYERLAB_SOURCE_DIR) + "/resources/presets/";

// The message parseExperiment throws for `json`, or "" when it parses.
std::string parseError(const std::string& json) {
    try {
        parseExperiment(json, "exp.json");
    } catch (const SpecError& e) {
        return e.what();
    }
    return "";
}

std::string withLayers(const std::string& layers, const std::string& training = "{}") {
    return R"({"dataset": "mnist", "model": {"input": [28, 28, 1], "layers": [)" + layers +
           R"(]}, "training": )" + training + "}";
}

TEST(Experiment, LoadsTheSeedPreset) {
    const ExperimentSpec spec = loadExperiment(kPresetDir + "seed-dropout.json");
    EXPECT_EQ(spec.name, "seed-dropout");
    EXPECT_EQ(spec.dataset, "mnist");
    ASSERT_EQ(spec.model.layers.size(), 7u);
    const LayerSpec& conv = spec.model.layers[0];
    EXPECT_EQ(conv.kind, LayerKind::Conv2d);
    EXPECT_EQ(conv.filters, 32);
    EXPECT_EQ(conv.kernel, 2);
    EXPECT_EQ(conv.padding, Padding::Same);
    EXPECT_EQ(conv.weightInit.kind, InitializerKind::UniformScaling);
    const LayerSpec& dropout = spec.model.layers[5];
    EXPECT_EQ(dropout.kind, LayerKind::Dropout);
    EXPECT_DOUBLE_EQ(dropout.rate, 0.2);
    EXPECT_TRUE(dropout.enabled);
    EXPECT_EQ(spec.model.layers[6].weightInit.kind, InitializerKind::TruncatedNormal);
    EXPECT_DOUBLE_EQ(spec.model.layers[6].weightInit.stddev, 0.02);
    EXPECT_EQ(spec.training.optimizer, OptimizerKind::Sgd);
    EXPECT_DOUBLE_EQ(spec.training.learningRate, 0.01);
    EXPECT_EQ(spec.training.batchSize, 64);
    EXPECT_EQ(spec.training.epochs, 5);
    EXPECT_EQ(spec.training.trainLimit, 55000);
    EXPECT_EQ(spec.training.validation, ValidationSource::TestSet);
}

TEST(Experiment, NoDropoutPresetIsTheSameNetworkWithoutDropout) {
    const ExperimentSpec with = loadExperiment(kPresetDir + "seed-dropout.json");
    const ExperimentSpec without = loadExperiment(kPresetDir + "seed-no-dropout.json");
    ASSERT_EQ(without.model.layers.size(), with.model.layers.size() - 1);
    for (const LayerSpec& layer : without.model.layers) {
        EXPECT_NE(layer.kind, LayerKind::Dropout);
    }
    EXPECT_EQ(experimentToJson(without).find("\"dropout\""), std::string::npos);
}

TEST(Experiment, RoundTripsThroughJson) {
    ExperimentSpec spec = loadExperiment(kPresetDir + "seed-dropout.json");
    spec.model.layers[5].enabled = false;
    spec.training.momentum = 0.9;
    spec.training.device = DeviceChoice::Cpu;
    const ExperimentSpec again = parseExperiment(experimentToJson(spec), "again");
    EXPECT_EQ(experimentToJson(again), experimentToJson(spec));
    EXPECT_FALSE(again.model.layers[5].enabled);
    EXPECT_DOUBLE_EQ(again.training.momentum, 0.9);
}

TEST(Experiment, SavesAtomicallyAndLoadsBack) {
    test::TempDir dir;
    ExperimentSpec spec = loadExperiment(kPresetDir + "seed-no-dropout.json");
    saveExperiment(spec, dir / "copy.json");
    EXPECT_FALSE(std::filesystem::exists(dir / "copy.json.tmp"));
    EXPECT_EQ(experimentToJson(loadExperiment(dir / "copy.json")), experimentToJson(spec));
}

TEST(Experiment, SyntaxErrorGivesLineAndColumn) {
    const std::string message = parseError("{\n  \"dataset\": \"mnist\",\n  \"model\": {,}\n}");
    EXPECT_NE(message.find("exp.json:3:"), std::string::npos) << message;
    EXPECT_NE(message.find("JSON syntax error"), std::string::npos) << message;
}

TEST(Experiment, EmptyAndBinaryFilesAreNamed) {
    EXPECT_NE(parseError("").find("the file is empty"), std::string::npos);
    EXPECT_NE(parseError("  \n").find("the file is empty"), std::string::npos);
    EXPECT_NE(parseError(std::string("\x89PNG\r\n\x1a\n\0\0\0", 11)).find("binary file"),
              std::string::npos);
    EXPECT_NE(parseError("[1, 2]").find("must be a JSON object"), std::string::npos);
}

TEST(Experiment, UnknownLayerKindNamesLayerAndChoices) {
    const std::string message = parseError(withLayers(R"({"type": "conv3d"})"));
    EXPECT_NE(message.find("layer 1: field 'type': unknown layer kind \"conv3d\""),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("conv2d, maxpool2d"), std::string::npos) << message;
}

TEST(Experiment, WrongTypesAndSizesNameLayerAndField) {
    const std::string message = parseError(withLayers(
        R"({"type": "conv2d", "filters": "32", "kernel": 2},
           {"type": "dense", "units": -5},
           {"type": "conv2d", "filters": 8, "kernel": 0})"));
    EXPECT_NE(message.find("3 errors"), std::string::npos) << message;
    EXPECT_NE(message.find("layer 1 (conv2d): field 'filters' must be an integer, got a string"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("layer 2 (dense): field 'units' must be at least 1, got -5"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("layer 3 (conv2d): field 'kernel' must be at least 1, got 0"),
              std::string::npos)
        << message;
}

TEST(Experiment, MisspeltFieldIsAnError) {
    const std::string message = parseError(withLayers(R"({"type": "dense", "unit": 10})"));
    EXPECT_NE(message.find("layer 1 (dense): unknown field 'unit'"), std::string::npos) << message;
}

TEST(Experiment, FieldGivenTwiceIsAnError) {
    // JSON would keep the last value silently: another network than written.
    std::string message = parseError(withLayers(
        R"({"type": "dense", "units": 32}, {"type": "dense", "units": 10, "units": 8})"));
    EXPECT_NE(message.find("layer 2: field 'units' is given twice"), std::string::npos) << message;
    message = parseError(withLayers(R"({"type": "dense", "units": 10})",
                                    R"({"batch_size": 32, "epochs": 2, "batch_size": 64})"));
    EXPECT_NE(message.find("field 'training.batch_size' is given twice"), std::string::npos)
        << message;
    // The same key in different objects is no duplicate.
    EXPECT_EQ(
        parseError(withLayers(R"({"type": "dense", "units": 32}, {"type": "dense", "units": 10})")),
        "");
}

TEST(Experiment, TflearnKeepProbabilityIsExplained) {
    const std::string message = parseError(withLayers(R"({"type": "dropout", "keep_prob": 0.8})"));
    EXPECT_NE(message.find("keep probability"), std::string::npos) << message;
    EXPECT_NE(message.find("1 - keep_prob"), std::string::npos) << message;
}

TEST(Experiment, TrainingFieldsAreChecked) {
    const std::string message = parseError(
        withLayers(R"({"type": "dense", "units": 10})",
                   R"({"batch_size": 0, "optimizer": "rmsprop", "learning_rate": "fast"})"));
    EXPECT_NE(message.find("training: field 'batch_size' must be at least 1"), std::string::npos)
        << message;
    EXPECT_NE(message.find("training: field 'optimizer' must be one of sgd, adam"),
              std::string::npos)
        << message;
    EXPECT_NE(message.find("training: field 'learning_rate' must be a number"), std::string::npos)
        << message;
}

TEST(Experiment, MissingFileIsNamed) {
    try {
        loadExperiment("/no/such/experiment.json");
        FAIL();
    } catch (const SpecError& e) {
        EXPECT_STREQ(e.what(), "/no/such/experiment.json: file not found");
    }
}

TEST(Experiment, DropoutRateIsDescribedBothWays) {
    EXPECT_EQ(describeDropoutRate(0.2), "drops 20% (TFlearn keep 0.8)");
    EXPECT_EQ(describeDropoutRate(0.5), "drops 50% (TFlearn keep 0.5)");
}

TEST(Experiment, GlobalDropoutToggleFlipsEveryDropoutLayer) {
    ExperimentSpec spec = loadExperiment(kPresetDir + "seed-dropout.json");
    spec.model.layers.push_back(defaultLayer(LayerKind::Dropout));
    EXPECT_EQ(setAllDropout(spec.model, false), 2);
    for (const LayerSpec& layer : spec.model.layers) {
        if (layer.kind == LayerKind::Dropout) {
            EXPECT_FALSE(layer.enabled);
        }
    }
}

}  // namespace
}  // namespace layerlab
