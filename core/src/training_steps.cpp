#include "training_steps.h"

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

// min(1, maxNorm / globalNorm) as a tensor, as TensorFlow's
// clip_by_global_norm scales. Unlike torch's clip_grad_norm_, it never reads
// the norm back to the host, so a GPU step does not wait for it. Undefined
// when no parameter has a gradient.
torch::Tensor clipScale(const std::vector<torch::Tensor>& parameters, double maxNorm) {
    std::vector<torch::Tensor> norms;
    for (const torch::Tensor& p : parameters) {
        if (p.grad().defined()) {
            norms.push_back(p.grad().norm());
        }
    }
    if (norms.empty()) {
        return {};
    }
    const torch::Tensor total = torch::stack(norms).norm();
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
        if (scale.defined()) {
            p.addcmul_(p.grad(), scale, -learningRate);
        } else {
            p.add_(p.grad(), -learningRate);
        }
    }
}

}  // namespace layerlab::training
