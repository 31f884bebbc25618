#include "network.h"

#include <cmath>
#include <limits>
#include <mutex>
#include <string>

#include "batch_halves.h"
#include "conv_pool.h"
#include "layerlab/errors.h"
#include "layerlab/shape_inference.h"
#include "max_pool.h"

namespace layerlab {
namespace {

// TensorFlow's "same": the total padding, the odd pixel at the end.
void samePadding(int input, int kernel, int stride, int& before, int& after) {
    const int output = (input + stride - 1) / stride;
    const int total = std::max((output - 1) * stride + kernel - input, 0);
    before = total / 2;
    after = total - before;
}

torch::Tensor activate(Activation activation, torch::Tensor x) {
    switch (activation) {
        case Activation::Linear:
            return x;
        case Activation::Relu:
            return torch::relu(x);
        case Activation::LeakyRelu:
            return torch::leaky_relu(x, /*negative_slope=*/0.01);
        case Activation::Elu:
            return torch::elu(x);
        case Activation::Gelu:
            return torch::gelu(x);
        case Activation::Sigmoid:
            return torch::sigmoid(x);
        case Activation::Tanh:
            return torch::tanh(x);
        case Activation::Softmax:
            return torch::softmax(x, /*dim=*/1);
    }
    return x;
}

void truncatedNormal(torch::Tensor& weight, double stddev) {
    // Redraws every value beyond two standard deviations, as TensorFlow's
    // truncated_normal does; a few rounds suffice (4.6% redrawn each time).
    torch::NoGradGuard noGrad;
    weight.normal_(0.0, stddev);
    for (int round = 0; round < 100; ++round) {
        const torch::Tensor outside = weight.abs() > 2.0 * stddev;
        if (!outside.any().item<bool>()) {
            break;
        }
        weight.copy_(torch::where(outside, torch::empty_like(weight).normal_(0.0, stddev), weight));
    }
}

void initialize(torch::Tensor weight, const Initializer& init, bool isBias, int64_t fanIn) {
    torch::NoGradGuard noGrad;
    namespace init_ = torch::nn::init;
    switch (init.kind) {
        case InitializerKind::TorchDefault:
            return;
        case InitializerKind::UniformScaling: {
            const double bound = init.scale * std::sqrt(3.0 / double(fanIn));
            weight.uniform_(-bound, bound);
            return;
        }
        case InitializerKind::TruncatedNormal:
            truncatedNormal(weight, init.stddev);
            return;
        case InitializerKind::Normal:
            weight.normal_(0.0, init.stddev);
            return;
        case InitializerKind::Zeros:
            weight.zero_();
            return;
        default:
            break;
    }
    if (isBias) {
        throw SpecError("initializer " + toString(init.kind) +
                        " needs a weight matrix; use zeros, normal or uniform_scaling for biases");
    }
    switch (init.kind) {
        case InitializerKind::XavierUniform:
            init_::xavier_uniform_(weight);
            break;
        case InitializerKind::XavierNormal:
            init_::xavier_normal_(weight);
            break;
        case InitializerKind::KaimingUniform:
            init_::kaiming_uniform_(weight, 0.0, torch::kFanIn, torch::kReLU);
            break;
        case InitializerKind::KaimingNormal:
            init_::kaiming_normal_(weight, 0.0, torch::kFanIn, torch::kReLU);
            break;
        default:
            break;
    }
}

// The dropout generator and the global one that draws the initial weights
// are both Mersenne twisters: seeded alike they replay one stream, and the
// first fifty steps' masks were a function of fc1's initial weights. The
// finaliser of SplitMix64 turns the run's seed into an unrelated one.
uint64_t dropoutSeed(uint64_t runSeed) {
    uint64_t z = runSeed + 0x9e3779b97f4a7c15ULL;
    z = (z ^ (z >> 30U)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27U)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31U);
}

}  // namespace

SpecNetworkImpl::SpecNetworkImpl(const ModelSpec& spec, int numClasses)
    : m_dropoutGenerator(at::make_generator<at::CPUGeneratorImpl>()) {
    const ModelReport report = inspectModel(spec, numClasses);
    if (!report.ok()) {
        std::string message = "the network is not valid:";
        for (const std::string& error : report.errors) {
            message += "\n  " + error;
        }
        throw SpecError(message);
    }
    for (size_t i = 0; i < spec.layers.size(); ++i) {
        const LayerSpec& layer = spec.layers[i];
        const TensorShape& in = report.layers[i].input;
        NetworkStep step;
        step.kind = layer.kind;
        step.activation = layer.activation;
        step.kernel = layer.kernel;
        const std::string name = std::to_string(i);
        switch (layer.kind) {
            case LayerKind::Conv2d: {
                step.stride = layer.stride > 0 ? layer.stride : 1;
                auto conv = torch::nn::Conv2d(
                    torch::nn::Conv2dOptions(in.channels, layer.filters, layer.kernel)
                        .stride(step.stride));
                const int64_t fanIn = int64_t(in.channels) * layer.kernel * layer.kernel;
                initialize(conv->weight, layer.weightInit, /*isBias=*/false, fanIn);
                initialize(conv->bias, layer.biasInit, /*isBias=*/true, fanIn);
                step.module = torch::nn::AnyModule(register_module(name, conv));
                break;
            }
            case LayerKind::MaxPool2d:
            case LayerKind::AvgPool2d:
                step.stride = layer.stride > 0 ? layer.stride : layer.kernel;
                break;
            case LayerKind::Dense: {
                auto linear = torch::nn::Linear(in.size(), layer.units);
                initialize(linear->weight, layer.weightInit, /*isBias=*/false, in.size());
                initialize(linear->bias, layer.biasInit, /*isBias=*/true, in.size());
                step.module = torch::nn::AnyModule(register_module(name, linear));
                break;
            }
            case LayerKind::BatchNorm:
                if (in.isImage) {
                    step.module = torch::nn::AnyModule(
                        register_module(name, torch::nn::BatchNorm2d(in.channels)));
                } else {
                    step.module = torch::nn::AnyModule(
                        register_module(name, torch::nn::BatchNorm1d(in.channels)));
                }
                break;
            case LayerKind::Dropout:
                step.dropoutRate = layer.rate;
                step.dropoutEnabled = layer.enabled;
                break;
            case LayerKind::Flatten:
            case LayerKind::Activation:
                break;
        }
        if (layer.padding == Padding::Same &&
            (layer.kind == LayerKind::Conv2d || layer.kind == LayerKind::MaxPool2d ||
             layer.kind == LayerKind::AvgPool2d)) {
            samePadding(in.height, layer.kernel, step.stride, step.padTop, step.padBottom);
            samePadding(in.width, layer.kernel, step.stride, step.padLeft, step.padRight);
        }
        m_steps.push_back(std::move(step));
    }
    markPoolFusions();
    // The last softmax belongs to the loss; forward() stops before it.
    if (!m_steps.empty() && m_steps.back().activation == Activation::Softmax &&
        m_steps.back().kind != LayerKind::Activation) {
        m_steps.back().activation = Activation::Linear;
    } else if (!m_steps.empty() && m_steps.back().kind == LayerKind::Activation &&
               m_steps.back().activation == Activation::Softmax) {
        m_steps.pop_back();
    }
}

// A convolution with ReLU or no activation, followed by an unpadded 2x2 max
// pool with stride 2: a pair convolveThenPool runs together.
void SpecNetworkImpl::markPoolFusions() {
    for (size_t i = 0; i + 1 < m_steps.size(); ++i) {
        const NetworkStep& conv = m_steps[i];
        const NetworkStep& pool = m_steps[i + 1];
        const bool poolPadded = pool.padTop + pool.padBottom + pool.padLeft + pool.padRight > 0;
        m_steps[i].fusedWithPool =
            conv.kind == LayerKind::Conv2d &&
            (conv.activation == Activation::Relu || conv.activation == Activation::Linear) &&
            pool.kind == LayerKind::MaxPool2d && pool.kernel == 2 && pool.stride == 2 &&
            !poolPadded;
    }
}

torch::Tensor SpecNetworkImpl::forward(torch::Tensor x) {
    for (size_t i = 0; i < m_steps.size(); ++i) {
        NetworkStep& step = m_steps[i];
        if (step.fusedWithPool) {
            x = convolveThenPool(step, x);
            ++i;
            continue;
        }
        x = applyStep(step, x);
    }
    return x;
}

// A convolution whose activation is ReLU or none, then a 2x2 max pool.
// Small patches run fused (conv_pool.h); otherwise the ReLU still goes
// after the pool, on a quarter of the values (they commute).
torch::Tensor SpecNetworkImpl::convolveThenPool(NetworkStep& conv, const torch::Tensor& x) {
    const ConvPadding padding{conv.padTop, conv.padBottom, conv.padLeft, conv.padRight};
    const bool relu = conv.activation == Activation::Relu;
    if (conv.stride == 1 && canFuseConvPool(x, conv.kernel, padding)) {
        const auto& module = conv.module.get<torch::nn::Conv2d>();
        return convPool2x2(x, module->weight, module->bias, padding, relu);
    }
    return maxPool2x2(convolve(conv, x), relu);
}

torch::Tensor SpecNetworkImpl::dense(NetworkStep& step, const torch::Tensor& x) {
    const auto& module = step.module.get<torch::nn::Linear>();
    if (x.device().is_cpu() && batchHalving() && x.size(0) >= 2) {
        return linearInHalves(x, module->weight, module->bias);
    }
    return step.module.forward(x);
}

// The convolution before its activation, TensorFlow's "same" padding applied.
torch::Tensor SpecNetworkImpl::convolve(NetworkStep& conv, torch::Tensor x) {
    if (conv.padTop + conv.padBottom + conv.padLeft + conv.padRight > 0) {
        x = torch::constant_pad_nd(x, {conv.padLeft, conv.padRight, conv.padTop, conv.padBottom},
                                   0.0);
    }
    const auto& module = conv.module.get<torch::nn::Conv2d>();
    if (x.device().is_cpu() && batchHalving() && x.size(0) >= 2) {
        return conv2dInHalves(x, module->weight, module->bias, conv.stride);
    }
    return conv.module.forward(x);
}

torch::Tensor SpecNetworkImpl::probabilities(torch::Tensor x) {
    return torch::softmax(forward(std::move(x)), /*dim=*/1);
}

torch::Tensor SpecNetworkImpl::applyStep(NetworkStep& step, torch::Tensor x) {
    const bool padded = step.padTop + step.padBottom + step.padLeft + step.padRight > 0;
    switch (step.kind) {
        case LayerKind::Conv2d:
            return activate(step.activation, convolve(step, x));
        case LayerKind::MaxPool2d:
            if (padded) {
                // Padding with -inf never wins a max: TensorFlow's "same" pooling.
                x = torch::constant_pad_nd(
                    x, {step.padLeft, step.padRight, step.padTop, step.padBottom},
                    -std::numeric_limits<double>::infinity());
            }
            if (step.kernel == 2 && step.stride == 2) {
                return maxPool2x2(x);
            }
            return torch::max_pool2d(x, step.kernel, step.stride);
        case LayerKind::AvgPool2d: {
            if (!padded) {
                return torch::avg_pool2d(x, step.kernel, step.stride);
            }
            // TensorFlow averages over the real pixels only: divide the
            // zero-padded sums by how many real pixels each window holds.
            const std::vector<int64_t> pads{step.padLeft, step.padRight, step.padTop,
                                            step.padBottom};
            const torch::Tensor sums =
                torch::avg_pool2d(torch::constant_pad_nd(x, pads, 0.0), step.kernel, step.stride);
            const torch::Tensor ones = torch::ones({1, 1, x.size(2), x.size(3)}, x.options());
            const torch::Tensor counts = torch::avg_pool2d(torch::constant_pad_nd(ones, pads, 0.0),
                                                           step.kernel, step.stride);
            return sums / counts;
        }
        case LayerKind::BatchNorm:
            return step.module.forward(x);
        case LayerKind::Flatten:
            return x.flatten(1);
        case LayerKind::Dense:
            return activate(step.activation, dense(step, x.dim() > 2 ? x.flatten(1) : x));
        case LayerKind::Dropout:
            return step.dropoutEnabled ? dropout(x, step.dropoutRate) : x;
        case LayerKind::Activation:
            return activate(step.activation, x);
    }
    return x;
}

SpecNetwork buildNetwork(const ModelSpec& spec, int numClasses, std::optional<uint64_t> seed) {
    static std::mutex buildMutex;
    std::lock_guard lock(buildMutex);
    if (seed) {
        torch::manual_seed(*seed);
    }
    SpecNetwork network(spec, numClasses);
    if (seed) {
        network->seedDropout(dropoutSeed(*seed));
    }
    return network;
}

void SpecNetworkImpl::seedDropout(uint64_t seed) {
    std::lock_guard lock(m_dropoutGenerator.mutex());
    m_dropoutGenerator.set_current_seed(seed);
}

torch::Tensor SpecNetworkImpl::dropoutGeneratorState() {
    std::lock_guard lock(m_dropoutGenerator.mutex());
    return m_dropoutGenerator.get_state();
}

void SpecNetworkImpl::setDropoutGeneratorState(const torch::Tensor& state) {
    std::lock_guard lock(m_dropoutGenerator.mutex());
    m_dropoutGenerator.set_state(state);
}

// What torch::dropout computes on the CPU (keep with probability 1 - rate,
// scale the kept by 1 / (1 - rate)), from this network's generator.
torch::Tensor SpecNetworkImpl::dropout(const torch::Tensor& x, double rate) {
    if (!is_training() || rate <= 0) {
        return x;
    }
    if (!x.device().is_cpu()) {
        return torch::dropout(x, rate, /*train=*/true);
    }
    if (rate >= 1) {
        return x * 0;
    }
    torch::Tensor keep = torch::empty_like(x).bernoulli_(1 - rate, m_dropoutGenerator);
    return x * keep.div_(1 - rate);
}

torch::Tensor toNetworkInput(const torch::Tensor& pixels) {
    return pixels.to(torch::kFloat).div_(255.0);
}

}  // namespace layerlab
