// Internal to layerlab_engine: the pieces of a training step the trainer
// composes: device tensors of a split, gradient clipping and divergence.
// (The dropout generator, whose state a checkpoint keeps, is the network's:
// network.h.)
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "layerlab/dataset.h"
#include "layerlab/experiment.h"
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
// 3.2 M weights on a CPU that is a tenth of a step. Large tensors are
// updated in two halves at once where the thread plan halves batches.
void clippedSgdStep(const std::vector<torch::Tensor>& parameters, double learningRate,
                    double maxNorm);

// Drops the gradients (PyTorch 2's zero_grad default) rather than zeroing
// them: the backward pass then hands each parameter its fresh gradient
// instead of adding it into a zeroed buffer, two passes over fc1's 13 MB
// saved a step. (With LibTorch's own linear layer the gradient it handed
// over was a transposed view, and the update's strided reads cost more
// than the passes saved; the engine's halved dense layer gives a
// contiguous one.)
void clearGradients(const std::vector<torch::Tensor>& parameters);

// Steps in an epoch of `trainCount` images. The last, partial batch is
// trained too, as TFlearn does (860 steps for 55,000 images of batch 64),
// except a batch of one image, on which batch normalization cannot compute a
// variance: that image is left out, with `notice` saying so. Throws Error for
// a batch size of 1 with batch normalization.
int64_t stepsInEpoch(const ModelSpec& model, int64_t trainCount, int64_t batch,
                     std::string& notice);

}  // namespace layerlab::training
