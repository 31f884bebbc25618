// Internal to layerlab_engine: a first convolution layer (a patch of a few
// values, such as 2x2 over one channel), its ReLU and the 2x2 max pool after
// it, as one operation on the CPU.
#pragma once

#include "conv_pool_kernels.h"
#include "torch_pch.h"

namespace layerlab {

using ConvPadding = conv_pool::Padding;

// Whether convPool2x2 can compute this input: a float CPU tensor that needs
// no gradient (an input layer's), channels x kernel x kernel of at most 16,
// and a stride-1 convolution output of even height and width.
bool canFuseConvPool(const torch::Tensor& input, int64_t kernel, const ConvPadding& padding);

// max_pool2d(act(conv2d(pad(input), weight, bias)), 2, 2), act being ReLU
// when `relu`, else the identity: the same values and gradients up to float
// rounding. Unfused, this layer of the blog's network wrote its 6.4 MB
// activation and read it back five times a step (ReLU, pooling, and their
// gradients into a zeroed buffer), and oneDNN's convolution with an inner
// size of 4 ran far from any peak: about a sixth of a training step. Here
// the convolution of each image and filter is computed into a small buffer
// and pooled at once; the bias and the ReLU act on the pooled values
// (max(a) + b is max(a + b), and ReLU commutes with max); the kernels'
// gradient is summed from the winning corners. Call only where
// canFuseConvPool holds.
torch::Tensor convPool2x2(const torch::Tensor& input, const torch::Tensor& weight,
                          const torch::Tensor& bias, const ConvPadding& padding, bool relu);

}  // namespace layerlab
