#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace layerlab {

enum class LayerKind {
    Conv2d,
    MaxPool2d,
    AvgPool2d,
    BatchNorm,
    Flatten,
    Dense,
    Dropout,
    Activation
};

enum class Activation { Linear, Relu, LeakyRelu, Elu, Gelu, Sigmoid, Tanh, Softmax };

// "same" follows TensorFlow: output = ceil(input / stride); when the padding
// needed is odd, the extra row and column go at the bottom and right.
enum class Padding { Same, Valid };

enum class InitializerKind {
    TorchDefault,     // what torch.nn does for the layer
    UniformScaling,   // U(±scale·√(3/fan_in)), TFlearn's conv_2d default
    TruncatedNormal,  // N(0, stddev) cut at 2·stddev, TFlearn's fully_connected default
    Normal,           // N(0, stddev)
    XavierUniform,
    XavierNormal,
    KaimingUniform,
    KaimingNormal,
    Zeros,
};

struct Initializer {
    InitializerKind kind = InitializerKind::TorchDefault;
    double stddev = 0.02;  // TruncatedNormal, Normal
    double scale = 1.0;    // UniformScaling
};

// One layer as the user wrote it. Fields that a kind does not use keep their
// defaults and are neither read nor written for that kind.
struct LayerSpec {
    LayerKind kind = LayerKind::Dense;
    std::string name;  // optional label shown in tables

    // conv2d
    int filters = 32;
    // conv2d, maxpool2d, avgpool2d: square kernel
    int kernel = 2;
    // conv2d: default 1; pools: 0 means "same as kernel", as in TFlearn
    int stride = 0;
    Padding padding = Padding::Same;
    // dense
    int units = 10;
    // conv2d, dense, activation
    Activation activation = Activation::Linear;
    // dropout: the fraction of values dropped (PyTorch's meaning; TFlearn's
    // dropout(x, 0.8) keeps 0.8, so rate 0.2 here)
    double rate = 0.2;
    // dropout: off passes values through but keeps the layer in the network
    bool enabled = true;
    // conv2d, dense
    Initializer weightInit;
    Initializer biasInit{InitializerKind::Zeros};
};

struct ModelSpec {
    // Height, width, channels of one sample, as TFlearn writes it.
    int inputHeight = 28;
    int inputWidth = 28;
    int inputChannels = 1;
    std::vector<LayerSpec> layers;
};

enum class OptimizerKind { Sgd, Adam };
enum class DeviceChoice { Auto, Cpu, Cuda };
enum class ValidationSource { TestSet, TrainTail };

struct TrainingSpec {
    OptimizerKind optimizer = OptimizerKind::Sgd;
    double learningRate = 0.01;
    double momentum = 0.0;  // SGD only
    double weightDecay = 0.0;
    // Rescales all gradients together when their global L2 norm exceeds
    // this; 0 turns it off. TFlearn's DNN does this at 5.0 by default.
    double gradientClipNorm = 0.0;
    int batchSize = 64;
    int epochs = 5;
    uint64_t seed = 1;
    DeviceChoice device = DeviceChoice::Auto;
    int threads = 0;         // 0: choose for this machine
    int64_t trainLimit = 0;  // use the first N training images; 0: all
    // TestSet: the dataset's test images. TrainTail: the training images
    // after the first trainLimit (TFlearn's 55,000 / 5,000 split).
    ValidationSource validation = ValidationSource::TestSet;
    int64_t validationLimit = 0;  // 0: all of the validation source
};

struct ExperimentSpec {
    std::string name;
    std::string description;
    std::string dataset = "mnist";
    ModelSpec model;
    TrainingSpec training;
};

// Parsing and writing the JSON format of docs/experiment-format.md.
// `origin` names the file in messages. Throws SpecError with the line and
// column of a syntax error, or the layer index and field of a bad value.
ExperimentSpec parseExperiment(const std::string& jsonText, const std::string& origin);
ExperimentSpec loadExperiment(const std::filesystem::path& file);
std::string experimentToJson(const ExperimentSpec& spec);
// Written to a temporary file and renamed, so a crash never leaves half a file.
void saveExperiment(const ExperimentSpec& spec, const std::filesystem::path& file);

// Names as written in experiment files and shown to users.
std::string toString(LayerKind kind);
std::string toString(Activation activation);
std::string toString(Padding padding);
std::string toString(InitializerKind kind);
std::string toString(OptimizerKind kind);
std::string toString(DeviceChoice device);
std::string toString(ValidationSource source);
const std::vector<LayerKind>& allLayerKinds();
const std::vector<Activation>& allActivations();
const std::vector<InitializerKind>& allInitializerKinds();

// A layer of `kind` with the defaults a user expects when adding it.
LayerSpec defaultLayer(LayerKind kind);

// "drops 20% (TFlearn keep 0.8)": how every place shows a dropout rate.
std::string describeDropoutRate(double rate);

// Sets every dropout layer on or off; returns how many there were.
int setAllDropout(ModelSpec& model, bool enabled);

}  // namespace layerlab
