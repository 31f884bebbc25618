// Internal to layerlab_engine: the pieces of a training step the trainer
// composes: device tensors of a split, gradient clipping and divergence.
// (The dropout generator, whose state a checkpoint keeps, is the network's:
// network.h.)
#pragma once

#include <cstdint>
#include <vector>

#include "layerlab/dataset.h"
#include "torch_pch.h"

namespace layerlab::training {

// The images and labels of one split as tensors on the training device. On
// the CPU the tensors view the dataset's own memory: no copy is made.
struct DeviceSplit {
    torch::Tensor images;  // uint8 [N, C, H, W]
    torch::Tensor labels;  // int64 [N]
};

DeviceSplit makeSplit(const DatasetSplit& split, int64_t first, int64_t count,
                      const torch::Device& device);

// Whether `loss` shows a run that has blown up (see training_steps.cpp).
bool hasDiverged(double loss, double firstLoss);

// Scales all gradients by min(1, maxNorm / globalNorm) without a host sync.
void clipGradientNorm(const std::vector<torch::Tensor>& parameters, double maxNorm);

// Plain SGD (no momentum, no weight decay) with the clipping above folded
// into the update (none when maxNorm <= 0): p -= lr * scale * grad in one
// pass over each tensor. Apart, the clipping's scaling and the optimizer's
// update each stream every gradient through memory once more; for fc1's
// 3.2 M weights on a CPU that is a tenth of a step.
void clippedSgdStep(const std::vector<torch::Tensor>& parameters, double learningRate,
                    double maxNorm);

}  // namespace layerlab::training
