#include "training_steps.h"

#include "batch_halves.h"
#include "layerlab/errors.h"

#include <algorithm>
#include <cmath>
#include <mutex>

namespace layerlab::training {

DeviceSplit makeSplit(const DatasetSplit& split, int64_t first, int64_t count,
                      const torch::Device& device) {
    const IdxImages& images = split.images;
    auto* pixels = const_cast<uint8_t*>(images.pixels.data());
    const torch::Tensor all =
        torch::from_blob(pixels, {images.count, 1, images.rows, images.cols}, torch::kUInt8);
    auto* labelBytes = const_cast<uint8_t*>(split.labels.data());
    const torch::Tensor labels = torch::from_blob(labelBytes, {images.count}, torch::kUInt8);
    DeviceSplit result;
    result.images = all.slice(0, first, first + count).to(device);
    // Labels become int64 (what cross-entropy takes), a small copy.
    result.labels = labels.slice(0, first, first + count).to(device, torch::kLong);
    return result;
}

// A classifier's cross-entropy starts near ln(classes) and only falls when
// training works. Non-finite values, or values a thousand times the first
// step's (and past 10^4), only come from a run that has blown up; going on
// would just overwrite good checkpoints with garbage.
bool hasDiverged(double loss, double firstLoss) {
    constexpr double kExplosionFactor = 1000.0;
    constexpr double kExplosionFloor = 1e4;
    return !std::isfinite(loss) || (loss > kExplosionFloor && loss > kExplosionFactor * firstLoss);
}

// A tensor's parts along its first dimension, for inTwoHalves: the
// gradients and weights of a dense layer are most of a step's memory
// traffic, which two threads stream faster than one. Small tensors are one
// part, handed over whole.
int64_t partsOf(const torch::Tensor& t) {
    constexpr int64_t kWorthSplitting = 1 << 16;
    return t.is_cpu() && t.dim() > 0 && t.numel() >= kWorthSplitting ? t.size(0) : 1;
}

torch::Tensor rowsOf(const torch::Tensor& t, int64_t begin, int64_t end) {
    return partsOf(t) == 1 ? t : t.slice(0, begin, end);
}

// min(1, maxNorm / globalNorm) as a tensor, as TensorFlow's
// clip_by_global_norm scales. Unlike torch's clip_grad_norm_, it never reads
// the norm back to the host, so a GPU step does not wait for it. Undefined
// when no parameter has a gradient.
torch::Tensor clipScale(const std::vector<torch::Tensor>& parameters, double maxNorm) {
    std::vector<torch::Tensor> squares;
    for (const torch::Tensor& p : parameters) {
        if (!p.grad().defined()) {
            continue;
        }
        const torch::Tensor grad = p.grad();
        torch::Tensor halves[2];
        inTwoHalves(partsOf(grad), [&](int64_t begin, int64_t end) {
            halves[begin == 0 ? 0 : 1] = rowsOf(grad, begin, end).norm().square();
        });
        squares.push_back(halves[1].defined() ? halves[0] + halves[1] : halves[0]);
    }
    if (squares.empty()) {
        return {};
    }
    const torch::Tensor total = torch::stack(squares).sum().sqrt();
    return (maxNorm / (total + 1e-6)).clamp_max(1.0);
}

void clipGradientNorm(const std::vector<torch::Tensor>& parameters, double maxNorm) {
    torch::NoGradGuard noGrad;
    const torch::Tensor scale = clipScale(parameters, maxNorm);
    if (!scale.defined()) {
        return;
    }
    for (const torch::Tensor& p : parameters) {
        if (p.grad().defined()) {
            p.grad().mul_(scale);
        }
    }
}

void clippedSgdStep(const std::vector<torch::Tensor>& parameters, double learningRate,
                    double maxNorm) {
    torch::NoGradGuard noGrad;
    const torch::Tensor scale = maxNorm > 0 ? clipScale(parameters, maxNorm) : torch::Tensor();
    for (const torch::Tensor& p : parameters) {
        if (!p.grad().defined()) {
            continue;
        }
        const torch::Tensor grad = p.grad();
        inTwoHalves(partsOf(p), [&](int64_t begin, int64_t end) {
            torch::Tensor rows = rowsOf(p, begin, end);
            const torch::Tensor gradRows = rowsOf(grad, begin, end);
            if (scale.defined()) {
                rows.addcmul_(gradRows, scale, -learningRate);
            } else {
                rows.add_(gradRows, -learningRate);
            }
        });
    }
}

void clearGradients(const std::vector<torch::Tensor>& parameters) {
    for (const torch::Tensor& p : parameters) {
        p.mutable_grad() = torch::Tensor();
    }
}

int64_t stepsInEpoch(const ModelSpec& model, int64_t trainCount, int64_t batch,
                     std::string& notice) {
    const bool batchNorm =
        std::any_of(model.layers.begin(), model.layers.end(),
                    [](const LayerSpec& layer) { return layer.kind == LayerKind::BatchNorm; });
    if (batchNorm && batch == 1) {
        throw Error(
            "training: field 'batch_size' is 1, but batch normalization needs at least 2 "
            "images per batch to train");
    }
    int64_t steps = (trainCount + batch - 1) / batch;
    if (batchNorm && trainCount % batch == 1 && trainCount > 1) {
        --steps;
        notice = "each epoch leaves out its last shuffled image: " + std::to_string(trainCount) +
                 " training images make a last batch of 1, which batch normalization cannot "
                 "train on";
    }
    return steps;
}

}  // namespace layerlab::training
