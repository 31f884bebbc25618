// The engine's own CPU operations against the LibTorch compositions they
// replace: the fused first convolution block, pooling with the ReLU folded
// in, and convolutions and dense layers computed in two halves of a batch.
#include <torch/torch.h>

#include <atomic>
#include <limits>
#include <stdexcept>
#include <vector>

#include <gtest/gtest.h>

#include "batch_halves.h"
#include "conv_pool.h"
#include "max_pool.h"

namespace layerlab {
namespace {

// Turns batch halving on for one test and restores it after.
class HalvingOn {
public:
    HalvingOn() : m_was(batchHalving()) { setBatchHalving(true); }
    ~HalvingOn() { setBatchHalving(m_was); }
    HalvingOn(const HalvingOn&) = delete;
    HalvingOn& operator=(const HalvingOn&) = delete;

private:
    bool m_was;
};

struct Gradients {
    torch::Tensor output, weight, bias;
};

// Output and parameter gradients of `block` for a fixed upstream gradient.
template <typename Block>
Gradients runBlock(const torch::Tensor& weight, const torch::Tensor& bias, Block block,
                   const torch::Tensor& upstream) {
    torch::Tensor w = weight.clone().requires_grad_();
    torch::Tensor b = bias.clone().requires_grad_();
    torch::Tensor y = block(w, b);
    y.backward(upstream);
    return {y.detach(), w.grad(), b.grad()};
}

void expectClose(const Gradients& own, const Gradients& reference) {
    EXPECT_TRUE(torch::allclose(own.output, reference.output, 1e-5, 1e-5));
    EXPECT_TRUE(torch::allclose(own.weight, reference.weight, 1e-4, 1e-4))
        << (own.weight - reference.weight).abs().max().item<float>();
    EXPECT_TRUE(torch::allclose(own.bias, reference.bias, 1e-4, 1e-4));
}

struct ConvCase {
    int64_t channels, kernel;
    ConvPadding padding;
    bool relu;
};

TEST(FusedOps, ConvPoolMatchesConvolutionReluAndPooling) {
    for (const ConvCase& c : {ConvCase{1, 2, {0, 1, 0, 1}, true}, ConvCase{1, 3, {}, true},
                              ConvCase{3, 2, {0, 1, 0, 1}, false},
                              ConvCase{1, 3, {1, 1, 1, 1}, true}, ConvCase{1, 1, {}, true}}) {
        SCOPED_TRACE("channels " + std::to_string(c.channels) + ", kernel " +
                     std::to_string(c.kernel));
        torch::manual_seed(11);
        const torch::Tensor input = torch::rand({5, c.channels, 28, 28});
        const torch::Tensor weight = torch::randn({8, c.channels, c.kernel, c.kernel}) * 0.5;
        const torch::Tensor bias = torch::randn({8}) * 0.1;
        const ConvPadding& p = c.padding;
        ASSERT_TRUE(canFuseConvPool(input, c.kernel, p));
        const torch::Tensor padded =
            torch::constant_pad_nd(input, {p.left, p.right, p.top, p.bottom});
        const int64_t pooledSize = (padded.size(2) - c.kernel + 1) / 2;
        const torch::Tensor upstream = torch::randn({5, 8, pooledSize, pooledSize});

        const Gradients own = runBlock(
            weight, bias, [&](auto& w, auto& b) { return convPool2x2(input, w, b, p, c.relu); },
            upstream);
        const Gradients reference = runBlock(
            weight, bias,
            [&](auto& w, auto& b) {
                torch::Tensor conv = torch::conv2d(padded, w, b);
                return torch::max_pool2d(c.relu ? torch::relu(conv) : conv, 2, 2);
            },
            upstream);
        expectClose(own, reference);
    }
}

TEST(FusedOps, ConvPoolPassesNaNThrough) {
    torch::Tensor input = torch::rand({2, 1, 8, 8});
    input.index_put_({1, 0, 3, 4}, std::numeric_limits<float>::quiet_NaN());
    const torch::Tensor weight = torch::rand({4, 1, 2, 2});
    const torch::Tensor bias = torch::zeros({4});
    const ConvPadding pad{0, 1, 0, 1};
    const torch::Tensor own = convPool2x2(input, weight, bias, pad, true);
    const torch::Tensor reference = torch::max_pool2d(
        torch::relu(torch::conv2d(torch::constant_pad_nd(input, {0, 1, 0, 1}), weight, bias)), 2,
        2);
    EXPECT_GT(torch::isnan(reference).sum().item<int64_t>(), 0);
    EXPECT_TRUE(torch::isnan(own).equal(torch::isnan(reference)));
    EXPECT_TRUE(torch::allclose(own.nan_to_num(0), reference.nan_to_num(0), 1e-5, 1e-6));
}

TEST(FusedOps, ConvPoolOnlyTakesWhatItComputes) {
    const ConvPadding none;
    EXPECT_FALSE(canFuseConvPool(torch::rand({2, 1, 28, 28}).requires_grad_(), 2, none))
        << "it computes no gradient for its input";
    EXPECT_FALSE(canFuseConvPool(torch::rand({2, 8, 28, 28}), 2, none)) << "patch of 32";
    EXPECT_FALSE(canFuseConvPool(torch::rand({2, 1, 28, 28}), 2, none)) << "27x27 output";
    EXPECT_FALSE(canFuseConvPool(torch::rand({2, 1, 28, 28}, torch::kDouble), 3, none));
    torch::NoGradGuard inference;
    EXPECT_TRUE(canFuseConvPool(torch::rand({2, 1, 28, 28}).requires_grad_(), 3, none));
}

TEST(FusedOps, PoolingWithReluEqualsReluThenPooling) {
    torch::manual_seed(5);
    const torch::Tensor input = torch::randn({3, 4, 10, 12});
    const torch::Tensor upstream = torch::randn({3, 4, 5, 6});
    const auto pooled = [&](bool own) {
        torch::Tensor x = input.clone().requires_grad_();
        torch::Tensor y =
            own ? maxPool2x2(x, /*relu=*/true) : torch::max_pool2d(torch::relu(x), 2, 2);
        y.backward(upstream);
        return std::make_pair(y.detach(), x.grad());
    };
    const auto [ownValues, ownGradient] = pooled(true);
    const auto [referenceValues, referenceGradient] = pooled(false);
    EXPECT_TRUE(ownValues.equal(referenceValues));
    EXPECT_TRUE(ownGradient.equal(referenceGradient));
}

// Runs a layer both ways, halved (`halved`) and as one LibTorch call
// (`whole`), on the same input, and compares values and all gradients.
template <typename Halved, typename Whole>
void expectHalvesMatchOneCall(const torch::Tensor& input, const torch::Tensor& weight,
                              const torch::Tensor& bias, const torch::Tensor& upstream,
                              Halved halved, Whole whole) {
    HalvingOn halving;
    torch::Tensor inputGrads[2];
    Gradients results[2];
    for (int halves = 0; halves < 2; ++halves) {
        input.mutable_grad() = torch::Tensor();
        results[halves] = runBlock(
            weight, bias,
            [&](auto& w, auto& b) {
                return halves == 1 ? halved(input, w, b) : whole(input, w, b);
            },
            upstream);
        inputGrads[halves] = input.grad().clone();
    }
    expectClose(results[1], results[0]);
    EXPECT_TRUE(torch::allclose(inputGrads[1], inputGrads[0], 1e-5, 1e-5));
}

TEST(FusedOps, ConvolutionInHalvesMatchesOneCall) {
    torch::manual_seed(7);
    expectHalvesMatchOneCall(
        torch::rand({9, 6, 15, 15}).requires_grad_(), torch::randn({10, 6, 2, 2}),
        torch::randn({10}), torch::randn({9, 10, 14, 14}),
        [](auto& x, auto& w, auto& b) { return conv2dInHalves(x, w, b, 1); },
        [](auto& x, auto& w, auto& b) { return torch::conv2d(x, w, b); });
}

TEST(FusedOps, DenseLayerInHalvesMatchesOneCall) {
    torch::manual_seed(8);
    expectHalvesMatchOneCall(
        torch::rand({7, 33}).requires_grad_(), torch::randn({21, 33}) * 0.1, torch::randn({21}),
        torch::randn({7, 21}), [](auto& x, auto& w, auto& b) { return linearInHalves(x, w, b); },
        [](auto& x, auto& w, auto& b) { return torch::linear(x, w, b); });
}

TEST(FusedOps, TwoHalvesCoverEveryIndexOnceAndReportFailures) {
    HalvingOn halving;
    std::vector<std::atomic<int>> visits(101);
    inTwoHalves(101, [&](int64_t begin, int64_t end) {
        for (int64_t i = begin; i < end; ++i) {
            ++visits[i];
        }
    });
    for (const auto& count : visits) {
        EXPECT_EQ(count.load(), 1);
    }
    const auto failIn = [](int64_t failingBegin) {
        inTwoHalves(10, [&](int64_t begin, int64_t) {
            if (begin == failingBegin) {
                throw std::runtime_error("half starting at " + std::to_string(begin));
            }
        });
    };
    EXPECT_THROW(failIn(5), std::runtime_error) << "the helper's half";
    EXPECT_THROW(failIn(0), std::runtime_error) << "the calling thread's half";
}

}  // namespace
}  // namespace layerlab
