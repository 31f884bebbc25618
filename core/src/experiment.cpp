#include "layerlab/experiment.h"

#include <cmath>
#include <cstdio>

namespace layerlab {

std::string toString(LayerKind kind) {
    switch (kind) {
        case LayerKind::Conv2d:
            return "conv2d";
        case LayerKind::MaxPool2d:
            return "maxpool2d";
        case LayerKind::AvgPool2d:
            return "avgpool2d";
        case LayerKind::BatchNorm:
            return "batchnorm";
        case LayerKind::Flatten:
            return "flatten";
        case LayerKind::Dense:
            return "dense";
        case LayerKind::Dropout:
            return "dropout";
        case LayerKind::Activation:
            return "activation";
    }
    return "?";
}

std::string toString(Activation activation) {
    switch (activation) {
        case Activation::Linear:
            return "linear";
        case Activation::Relu:
            return "relu";
        case Activation::LeakyRelu:
            return "leaky_relu";
        case Activation::Elu:
            return "elu";
        case Activation::Gelu:
            return "gelu";
        case Activation::Sigmoid:
            return "sigmoid";
        case Activation::Tanh:
            return "tanh";
        case Activation::Softmax:
            return "softmax";
    }
    return "?";
}

std::string toString(Padding padding) {
    return padding == Padding::Same ? "same" : "valid";
}

std::string toString(InitializerKind kind) {
    switch (kind) {
        case InitializerKind::TorchDefault:
            return "torch_default";
        case InitializerKind::UniformScaling:
            return "uniform_scaling";
        case InitializerKind::TruncatedNormal:
            return "truncated_normal";
        case InitializerKind::Normal:
            return "normal";
        case InitializerKind::XavierUniform:
            return "xavier_uniform";
        case InitializerKind::XavierNormal:
            return "xavier_normal";
        case InitializerKind::KaimingUniform:
            return "kaiming_uniform";
        case InitializerKind::KaimingNormal:
            return "kaiming_normal";
        case InitializerKind::Zeros:
            return "zeros";
    }
    return "?";
}

std::string toString(OptimizerKind kind) {
    return kind == OptimizerKind::Sgd ? "sgd" : "adam";
}

std::string toString(DeviceChoice device) {
    switch (device) {
        case DeviceChoice::Auto:
            return "auto";
        case DeviceChoice::Cpu:
            return "cpu";
        case DeviceChoice::Cuda:
            return "cuda";
    }
    return "?";
}

std::string toString(ValidationSource source) {
    return source == ValidationSource::TestSet ? "test" : "train_tail";
}

const std::vector<LayerKind>& allLayerKinds() {
    static const std::vector<LayerKind> kinds{
        LayerKind::Conv2d,  LayerKind::MaxPool2d, LayerKind::AvgPool2d, LayerKind::BatchNorm,
        LayerKind::Flatten, LayerKind::Dense,     LayerKind::Dropout,   LayerKind::Activation};
    return kinds;
}

const std::vector<Activation>& allActivations() {
    static const std::vector<Activation> activations{
        Activation::Linear, Activation::Relu,    Activation::LeakyRelu, Activation::Elu,
        Activation::Gelu,   Activation::Sigmoid, Activation::Tanh,      Activation::Softmax};
    return activations;
}

const std::vector<InitializerKind>& allInitializerKinds() {
    static const std::vector<InitializerKind> kinds{InitializerKind::TorchDefault,
                                                    InitializerKind::UniformScaling,
                                                    InitializerKind::TruncatedNormal,
                                                    InitializerKind::Normal,
                                                    InitializerKind::XavierUniform,
                                                    InitializerKind::XavierNormal,
                                                    InitializerKind::KaimingUniform,
                                                    InitializerKind::KaimingNormal,
                                                    InitializerKind::Zeros};
    return kinds;
}

LayerSpec defaultLayer(LayerKind kind) {
    LayerSpec layer;
    layer.kind = kind;
    switch (kind) {
        case LayerKind::Conv2d:
            layer.filters = 32;
            layer.kernel = 3;
            layer.stride = 1;
            layer.activation = Activation::Relu;
            layer.weightInit = {InitializerKind::UniformScaling};
            break;
        case LayerKind::MaxPool2d:
        case LayerKind::AvgPool2d:
            layer.kernel = 2;
            layer.stride = 0;
            break;
        case LayerKind::Dense:
            layer.units = 128;
            layer.activation = Activation::Relu;
            layer.weightInit = {InitializerKind::TruncatedNormal, 0.02};
            break;
        case LayerKind::Dropout:
            layer.rate = 0.2;
            break;
        case LayerKind::Activation:
            layer.activation = Activation::Relu;
            break;
        case LayerKind::BatchNorm:
        case LayerKind::Flatten:
            break;
    }
    return layer;
}

std::string describeDropoutRate(double rate) {
    char text[96];
    std::snprintf(text, sizeof text, "drops %g%% (TFlearn keep %g)",
                  std::round(rate * 1000.0) / 10.0, std::round((1.0 - rate) * 1000.0) / 1000.0);
    return text;
}

int setAllDropout(ModelSpec& model, bool enabled) {
    int count = 0;
    for (LayerSpec& layer : model.layers) {
        if (layer.kind == LayerKind::Dropout) {
            layer.enabled = enabled;
            ++count;
        }
    }
    return count;
}

}  // namespace layerlab
