#include "layerlab/shape_inference.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace layerlab {
namespace {

const std::string kPresetDir = std::string(LAYERLAB_SOURCE_DIR) + "/resources/presets/";

LayerSpec conv(int filters, int kernel, Padding padding = Padding::Same, int stride = 1) {
    LayerSpec layer = defaultLayer(LayerKind::Conv2d);
    layer.filters = filters;
    layer.kernel = kernel;
    layer.padding = padding;
    layer.stride = stride;
    return layer;
}

LayerSpec pool(int kernel, Padding padding = Padding::Same) {
    LayerSpec layer = defaultLayer(LayerKind::MaxPool2d);
    layer.kernel = kernel;
    layer.padding = padding;
    return layer;
}

LayerSpec dense(int units) {
    LayerSpec layer = defaultLayer(LayerKind::Dense);
    layer.units = units;
    return layer;
}

ModelSpec model(std::vector<LayerSpec> layers, int size = 28) {
    ModelSpec spec;
    spec.inputHeight = size;
    spec.inputWidth = size;
    spec.layers = std::move(layers);
    return spec;
}

bool anyErrorContains(const ModelReport& report, const std::string& text) {
    for (const std::string& error : report.errors) {
        if (error.find(text) != std::string::npos) {
            return true;
        }
    }
    return false;
}

TEST(ShapeInference, SeedNetworkShapesParametersAndFlops) {
    const ExperimentSpec spec = loadExperiment(kPresetDir + "seed-dropout.json");
    const ModelReport report = inspectModel(spec.model, 10);
    ASSERT_TRUE(report.ok());
    const std::vector<std::string> shapes{"28x28x32", "14x14x32", "14x14x64", "7x7x64",
                                          "1024",     "1024",     "10"};
    ASSERT_EQ(report.layers.size(), shapes.size());
    for (size_t i = 0; i < shapes.size(); ++i) {
        EXPECT_EQ(report.layers[i].output.toString(), shapes[i]) << "layer " << i + 1;
    }
    EXPECT_EQ(report.layers[0].parameters, 2 * 2 * 1 * 32 + 32);
    EXPECT_EQ(report.layers[2].parameters, 2 * 2 * 32 * 64 + 64);
    EXPECT_EQ(report.layers[4].parameters, 7 * 7 * 64 * 1024 + 1024);
    EXPECT_EQ(report.totalParameters, 3'230'954);
    // Multiply-adds of the two dense layers alone: 2·3136·1024 + 2·1024·10.
    EXPECT_EQ(report.layers[4].flops - 1024, 2 * 3136 * 1024);
    EXPECT_NEAR(double(report.totalFlops), 9.9e6, 0.1e6);
    EXPECT_GT(report.estimatedTrainingBytes, 4 * report.totalParameters);
}

TEST(ShapeInference, SamePaddingFollowsTensorflow) {
    // Even kernel, stride 1: the size is kept (28 stays 28, not 29 or 27).
    EXPECT_EQ(inspectModel(model({conv(8, 2), dense(10)}), 10).layers[0].output.toString(),
              "28x28x8");
    // Stride 2 "same": ceil(28 / 2) = 14; 7 / 2 -> 4.
    EXPECT_EQ(inspectModel(model({conv(8, 3, Padding::Same, 2), dense(10)}), 10)
                  .layers[0]
                  .output.toString(),
              "14x14x8");
    EXPECT_EQ(inspectModel(model({pool(2), dense(10)}, 7), 10).layers[0].output.toString(),
              "4x4x1");
}

TEST(ShapeInference, ValidPaddingShrinks) {
    EXPECT_EQ(inspectModel(model({conv(4, 5, Padding::Valid), dense(10)}), 10)
                  .layers[0]
                  .output.toString(),
              "24x24x4");
    EXPECT_EQ(inspectModel(model({pool(2, Padding::Valid), dense(10)}, 7), 10)
                  .layers[0]
                  .output.toString(),
              "3x3x1");
}

TEST(ShapeInference, KernelLargerThanInputNamesLayerAndField) {
    const ModelReport report =
        inspectModel(model({conv(8, 2), pool(2), pool(2), pool(2), conv(8, 5), dense(10)}), 10);
    EXPECT_FALSE(report.ok());
    EXPECT_EQ(report.firstInvalidLayer(), 4);
    EXPECT_TRUE(anyErrorContains(
        report, "layer 5 (conv2d): field 'kernel': 5x5 is larger than its 4x4 input"))
        << report.errors.front();
}

TEST(ShapeInference, ConvAfterDenseSaysWhy) {
    const ModelReport report = inspectModel(model({dense(64), conv(8, 2), dense(10)}), 10);
    EXPECT_EQ(report.firstInvalidLayer(), 1);
    EXPECT_TRUE(anyErrorContains(report, "layer 2 (conv2d): needs an image input"));
}

TEST(ShapeInference, DropoutRateMustBeAFraction) {
    LayerSpec dropout = defaultLayer(LayerKind::Dropout);
    dropout.rate = 1.0;
    const ModelReport report = inspectModel(model({dense(32), dropout, dense(10)}), 10);
    EXPECT_TRUE(anyErrorContains(report, "layer 2 (dropout): field 'rate': must be in [0, 1)"));
    dropout.rate = -0.1;
    EXPECT_FALSE(inspectModel(model({dense(32), dropout, dense(10)}), 10).ok());
}

TEST(ShapeInference, ShapesStayKnownPastAnErrorThatKeepsThem) {
    LayerSpec dropout = defaultLayer(LayerKind::Dropout);
    dropout.rate = 1.5;
    const ModelReport report = inspectModel(model({dense(32), dropout, dense(10)}), 10);
    ASSERT_EQ(report.errors.size(), 1u);
    EXPECT_EQ(report.layers[1].problem,
              "field 'rate': must be in [0, 1) (the fraction dropped), got 1.5");
    EXPECT_TRUE(report.layers[2].shapeKnown);
    EXPECT_EQ(report.layers[2].output.toString(), "10");
    EXPECT_EQ(report.totalParameters, 28 * 28 * 32 + 32 + 32 * 10 + 10);
    // A kernel too large leaves the shape unknown from there on.
    const ModelReport lost = inspectModel(model({conv(8, 40), dense(10)}), 10);
    EXPECT_FALSE(lost.layers[1].shapeKnown);
}

TEST(ShapeInference, LastLayerMustGiveOneValuePerClass) {
    const ModelReport report = inspectModel(model({conv(8, 2), dense(12)}), 10);
    EXPECT_TRUE(anyErrorContains(report, "layer 2 (dense): the network must end in 10 values"));
    EXPECT_TRUE(anyErrorContains(report, "set field 'units' to 10"));
    EXPECT_FALSE(inspectModel(model({conv(8, 2)}), 10).ok());
    EXPECT_FALSE(inspectModel(model({}), 10).ok());
}

TEST(ShapeInference, ReportsEveryErrorAtOnce) {
    LayerSpec dropout = defaultLayer(LayerKind::Dropout);
    dropout.rate = 2;
    ExperimentSpec spec;
    spec.model = model({dense(64), dropout, dense(10)});
    spec.training.learningRate = 0;
    spec.training.batchSize = 0;
    const std::vector<std::string> errors = validateExperiment(spec);
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_NE(errors[1].find("learning_rate"), std::string::npos);
    EXPECT_NE(errors[2].find("batch_size"), std::string::npos);
}

TEST(ShapeInference, LearningRateMustBeFinite) {
    TrainingSpec training;
    training.learningRate = std::numeric_limits<double>::infinity();
    ASSERT_EQ(validateTraining(training).size(), 1u);
    training.learningRate = std::nan("");
    ASSERT_EQ(validateTraining(training).size(), 1u);
}

TEST(ShapeInference, CaughtBeforeTrainingRatherThanByIt) {
    // Each of these passed validation and then failed the run's start.
    ExperimentSpec spec = loadExperiment(kPresetDir + "seed-dropout.json");
    spec.model.layers[4].weightInit.stddev = -1;  // dense 1024, truncated normal
    spec.model.layers[0].weightInit.scale = 0;    // conv, uniform scaling
    spec.training.validation = ValidationSource::TrainTail;
    spec.training.trainLimit = 0;  // all 60,000: no tail left
    const std::vector<std::string> errors = validateExperiment(spec);
    ASSERT_EQ(errors.size(), 3u);
    EXPECT_NE(errors[0].find("'validation' is train_tail"), std::string::npos) << errors[0];
    EXPECT_NE(errors[0].find("60000"), std::string::npos) << errors[0];
    EXPECT_NE(errors[1].find("layer 1 (conv2d): field 'weight_init': 'scale'"), std::string::npos)
        << errors[1];
    EXPECT_NE(errors[2].find("layer 5 (dense): field 'weight_init': 'stddev'"), std::string::npos)
        << errors[2];
    EXPECT_NE(errors[2].find("got -1"), std::string::npos) << errors[2];

    spec = loadExperiment(kPresetDir + "seed-dropout.json");
    spec.training.validation = ValidationSource::TrainTail;
    spec.training.trainLimit = 55000;  // the usual split: 5,000 to validate on
    EXPECT_TRUE(validateExperiment(spec).empty());
}

TEST(ShapeInference, NetworkLargerThanTheMachineIsRefused) {
    // It would otherwise train until the system kills it, without a word.
    ExperimentSpec spec = loadExperiment(kPresetDir + "seed-dropout.json");
    spec.model.layers[4].units = 1000000000;  // dense 1024 -> a billion: ~50 TB of weights
    const std::vector<std::string> errors = validateExperiment(spec);
    ASSERT_EQ(errors.size(), 1u);
    EXPECT_NE(errors[0].find("more than this machine's"), std::string::npos) << errors[0];
    EXPECT_NE(errors[0].find("layer 5 (dense)"), std::string::npos) << errors[0];

    // A batch too large is the batch's fault, not the largest layer's.
    spec = loadExperiment(kPresetDir + "seed-dropout.json");
    spec.training.batchSize = 2000000000;
    const std::vector<std::string> batchErrors = validateExperiment(spec);
    ASSERT_EQ(batchErrors.size(), 1u);
    EXPECT_NE(batchErrors[0].find("lower 'batch_size'"), std::string::npos) << batchErrors[0];
}

TEST(ShapeInference, LayerTableListsEveryLayerAndTotals) {
    const ExperimentSpec spec = loadExperiment(kPresetDir + "seed-dropout.json");
    const std::string table = formatLayerTable(spec.model, inspectModel(spec.model, 10));
    EXPECT_NE(table.find("conv2d 32 2x2 same relu"), std::string::npos) << table;
    EXPECT_NE(table.find("drops 20% (TFlearn keep 0.8)"), std::string::npos) << table;
    EXPECT_NE(table.find("3,230,954"), std::string::npos) << table;
}

}  // namespace
}  // namespace layerlab
