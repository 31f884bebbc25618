// Internal to layerlab_engine: the LibTorch module built from a ModelSpec.
// Only the engine's translation units include this (and so LibTorch).
#pragma once

#include <torch/torch.h>

#include <cstdint>
#include <optional>
#include <vector>

#include "layerlab/experiment.h"

namespace layerlab {

// One layer of the spec as the forward pass runs it. Layers with weights
// own a registered submodule, named by the layer's index.
struct NetworkStep {
    LayerKind kind;
    Activation activation = Activation::Linear;
    // conv2d/pools: TensorFlow "same" padding, split top/bottom, left/right.
    int padTop = 0, padBottom = 0, padLeft = 0, padRight = 0;
    int kernel = 1;
    int stride = 1;
    double dropoutRate = 0;
    bool dropoutEnabled = true;
    // conv2d: the next step is a 2x2 max pool that runs with it
    // (convolveThenPool), and is then skipped.
    bool fusedWithPool = false;
    torch::nn::AnyModule module;
};

// A network that runs the spec's layers in order. forward() returns logits:
// a final softmax is left to the loss (log-softmax inside cross-entropy is
// the numerically stable form) and to probabilities().
class SpecNetworkImpl : public torch::nn::Module {
public:
    // Throws SpecError when the spec is not a valid network for numClasses.
    SpecNetworkImpl(const ModelSpec& spec, int numClasses);

    // x: [batch, channels, height, width], float in [0, 1].
    torch::Tensor forward(torch::Tensor x);
    torch::Tensor probabilities(torch::Tensor x);

    // Dropout on the CPU draws from this network's own generator, not
    // LibTorch's global one: anything else in the process that draws
    // random numbers (every torch::nn module's constructor does, so every
    // Predictor the GUI builds) then cannot change a seeded run's masks.
    // Its state is what a checkpoint keeps. On a GPU dropout uses the
    // device's generator, which only training draws from.
    void seedDropout(uint64_t seed);
    torch::Tensor dropoutGeneratorState();
    void setDropoutGeneratorState(const torch::Tensor& state);

private:
    void markPoolFusions();
    torch::Tensor convolveThenPool(NetworkStep& conv, const torch::Tensor& x);
    torch::Tensor convolve(NetworkStep& conv, torch::Tensor x);
    torch::Tensor dense(NetworkStep& step, const torch::Tensor& x);
    torch::Tensor applyStep(NetworkStep& step, torch::Tensor x);
    torch::Tensor dropout(const torch::Tensor& x, double rate);

    std::vector<NetworkStep> m_steps;
    at::Generator m_dropoutGenerator;
};
TORCH_MODULE(SpecNetwork);

// Builds the network and initialises its weights as the spec says, from
// `seed` when given (the weights, then the dropout generator). Building
// draws from LibTorch's global generator, so every build in the process
// holds one lock: a network built on another thread (the drawing canvas's,
// a validation pass's) never interleaves with a seeded one.
SpecNetwork buildNetwork(const ModelSpec& spec, int numClasses,
                         std::optional<uint64_t> seed = std::nullopt);

struct Evaluation {
    double loss = 0;
    double accuracy = 0;
    std::vector<int64_t> confusion;  // [true * classes + predicted]
    std::vector<uint8_t> predictedLabels;
    std::vector<float> predictedProbabilities;
};

// Loss, accuracy and confusion matrix over a whole set, in eval mode and
// without gradients. images: uint8 [N, C, H, W]; labels: int64 [N].
Evaluation evaluate(SpecNetwork& network, const torch::Tensor& images, const torch::Tensor& labels,
                    int numClasses);

// uint8 pixels to the network's float input, as in training.
torch::Tensor toNetworkInput(const torch::Tensor& pixels);

}  // namespace layerlab
