// The LibTorch network built from specs: shapes, padding, initializers and
// dropout, checked on real tensors.
#include <ATen/CPUGeneratorImpl.h>
#include <torch/torch.h>
#include <limits>

#include <gtest/gtest.h>

#include "layerlab/errors.h"
#include "layerlab/shape_inference.h"
#include "max_pool.h"
#include "network.h"

namespace layerlab {
namespace {

const std::string kPresetDir = std::string(LAYERLAB_SOURCE_DIR) + "/resources/presets/";

ModelSpec seedModel() {
    return loadExperiment(kPresetDir + "seed-dropout.json").model;
}

TEST(Network, SeedNetworkGivesLogitsAndMatchesParameterCount) {
    torch::manual_seed(0);
    SpecNetwork network = buildNetwork(seedModel(), 10);
    const torch::Tensor logits = network->forward(torch::rand({3, 1, 28, 28}));
    EXPECT_EQ(logits.sizes(), (std::vector<int64_t>{3, 10}));
    int64_t parameters = 0;
    for (const torch::Tensor& p : network->parameters()) {
        parameters += p.numel();
    }
    EXPECT_EQ(parameters, inspectModel(seedModel(), 10).totalParameters);
    const torch::Tensor probabilities = network->probabilities(torch::rand({2, 1, 28, 28}));
    EXPECT_NEAR(probabilities.sum(1)[0].item<double>(), 1.0, 1e-5);
}

TEST(Network, SamePaddingWithEvenKernelPadsBottomAndRight) {
    // A 2x2 all-ones conv over a 3x3 image: with TensorFlow's padding the
    // last row and column see zeros below and to the right.
    ModelSpec spec;
    spec.inputHeight = spec.inputWidth = 3;
    LayerSpec conv = defaultLayer(LayerKind::Conv2d);
    conv.filters = 1;
    conv.kernel = 2;
    conv.activation = Activation::Linear;
    conv.weightInit = {InitializerKind::Zeros};
    LayerSpec flatten = defaultLayer(LayerKind::Flatten);
    spec.layers = {conv, flatten};
    SpecNetwork network = buildNetwork(spec, 9);
    {
        torch::NoGradGuard noGrad;
        network->parameters()[0].fill_(1.0);
    }
    const torch::Tensor image = torch::arange(1, 10, torch::kFloat).reshape({1, 1, 3, 3});
    const torch::Tensor out = network->forward(image).reshape({3, 3});
    // Top-left window: 1+2+4+5; bottom-right window: 9 alone.
    EXPECT_FLOAT_EQ(out[0][0].item<float>(), 12);
    EXPECT_FLOAT_EQ(out[2][2].item<float>(), 9);
    EXPECT_FLOAT_EQ(out[0][2].item<float>(), 3 + 6);
}

TEST(Network, SameAveragePoolingCountsRealPixelsOnly) {
    ModelSpec spec;
    spec.inputHeight = spec.inputWidth = 3;
    LayerSpec pool = defaultLayer(LayerKind::AvgPool2d);
    pool.kernel = 2;
    spec.layers = {pool, defaultLayer(LayerKind::Flatten)};
    SpecNetwork network = buildNetwork(spec, 4);
    const torch::Tensor image = torch::arange(1, 10, torch::kFloat).reshape({1, 1, 3, 3});
    const torch::Tensor out = network->forward(image).reshape({2, 2});
    EXPECT_FLOAT_EQ(out[0][0].item<float>(), (1 + 2 + 4 + 5) / 4.0f);
    EXPECT_FLOAT_EQ(out[1][1].item<float>(), 9);
    EXPECT_FLOAT_EQ(out[0][1].item<float>(), (3 + 6) / 2.0f);
}

TEST(Network, TflearnInitializersStayWithinTheirBounds) {
    torch::manual_seed(1);
    SpecNetwork network = buildNetwork(seedModel(), 10);
    const auto params = network->named_parameters();
    // conv1: U(±√(3/fan_in)), fan_in = 2·2·1.
    const torch::Tensor conv1 = params["0.weight"];
    EXPECT_LE(conv1.abs().max().item<double>(), std::sqrt(3.0 / 4.0));
    EXPECT_GT(conv1.abs().max().item<double>(), 0.7 * std::sqrt(3.0 / 4.0));
    // fc1: truncated normal, σ 0.02: nothing beyond 2σ, spread close to σ·0.88.
    const torch::Tensor fc1 = params["4.weight"];
    EXPECT_LE(fc1.abs().max().item<double>(), 0.04);
    EXPECT_NEAR(fc1.std().item<double>(), 0.02 * 0.88, 0.001);
    EXPECT_EQ(params["4.bias"].abs().sum().item<double>(), 0.0);
}

// Flatten, then dropout of half the units: a side x side single-channel input.
ModelSpec halfDropout(int side) {
    ModelSpec spec;
    spec.inputHeight = spec.inputWidth = side;
    LayerSpec dropout = defaultLayer(LayerKind::Dropout);
    dropout.rate = 0.5;
    spec.layers = {defaultLayer(LayerKind::Flatten), dropout};
    return spec;
}

TEST(Network, DropoutOnlyActsWhenEnabledAndTraining) {
    ModelSpec spec = halfDropout(10);
    const torch::Tensor ones = torch::ones({4, 1, 10, 10});

    SpecNetwork on = buildNetwork(spec, 100);
    on->train();
    const torch::Tensor dropped = on->forward(ones);
    EXPECT_GT((dropped == 0).sum().item<int64_t>(), 100);
    on->eval();
    EXPECT_TRUE(on->forward(ones).equal(ones.flatten(1)));

    spec.layers[1].enabled = false;
    SpecNetwork off = buildNetwork(spec, 100);
    off->train();
    EXPECT_TRUE(off->forward(ones).equal(ones.flatten(1)));
}

TEST(Network, DropoutMasksAreNotDrawnFromTheInitialWeightsStream) {
    const ModelSpec spec = halfDropout(64);
    const torch::Tensor ones = torch::ones({1, 1, 64, 64});
    constexpr uint64_t seed = 7;

    SpecNetwork network = buildNetwork(spec, 64 * 64, seed);
    network->train();
    const torch::Tensor kept = network->forward(ones) != 0;

    // The stream the initial weights came from: the global generator seeded alike.
    at::Generator initStream = at::make_generator<at::CPUGeneratorImpl>(seed);
    const torch::Tensor replayed = torch::empty({1, 64 * 64}).bernoulli_(0.5, initStream) != 0;
    EXPECT_FALSE(kept.equal(replayed));
    // Still a fair coin per unit.
    EXPECT_NEAR(kept.to(torch::kFloat).mean().item<double>(), 0.5, 0.05);
}

// The engine's own 2x2 pooling kernel against LibTorch's, values and
// gradients bit for bit: ReLU's zeros make ties (the first corner wins),
// -inf is what "same" padding adds, and NaN must come through.
TEST(Network, MaxPool2x2MatchesLibTorch) {
    torch::manual_seed(3);
    torch::Tensor input = torch::randn({3, 5, 8, 6}).relu();
    input.index_put_({0, 0, 7}, -std::numeric_limits<float>::infinity());
    input.index_put_({1, 2, 3, 4}, std::numeric_limits<float>::quiet_NaN());
    const torch::Tensor upstream = torch::randn({3, 5, 4, 3});

    const auto pooled = [&](bool own) {
        torch::Tensor x = input.clone().requires_grad_();
        torch::Tensor y = own ? maxPool2x2(x) : torch::max_pool2d(x, 2, 2);
        y.backward(upstream);
        return std::make_pair(y.detach(), x.grad());
    };
    const auto [ownValues, ownGradient] = pooled(true);
    const auto [torchValues, torchGradient] = pooled(false);
    EXPECT_TRUE(torch::isnan(ownValues).equal(torch::isnan(torchValues)));
    EXPECT_EQ(torch::isnan(ownValues).sum().item<int64_t>(), 1);
    EXPECT_TRUE(ownValues.nan_to_num(0).equal(torchValues.nan_to_num(0)));
    EXPECT_TRUE(ownGradient.equal(torchGradient));

    // Odd sizes and other types go to LibTorch.
    const torch::Tensor odd = torch::randn({2, 3, 7, 7});
    EXPECT_TRUE(maxPool2x2(odd).equal(torch::max_pool2d(odd, 2, 2)));
    const torch::Tensor wide = torch::randn({2, 3, 4, 4}, torch::kDouble);
    EXPECT_TRUE(maxPool2x2(wide).equal(torch::max_pool2d(wide, 2, 2)));
}

TEST(Network, RefusesAnInvalidSpec) {
    ModelSpec spec = seedModel();
    spec.layers.back().units = 7;
    EXPECT_THROW(buildNetwork(spec, 10), SpecError);
}

}  // namespace
}  // namespace layerlab
