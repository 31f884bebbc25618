// Internal to layerlab_engine: max pooling with a 2x2 window and stride 2.
#pragma once

#include "torch_pch.h"

namespace layerlab {

// What torch::max_pool2d(x, 2, 2) computes, values and gradients alike
// (the first maximum of a window in row-major order wins, NaN wins over
// everything). On the CPU, for float tensors of even height and width, it
// runs its own kernel: LibTorch 1.13's general one spends about a fifth of a
// training step of the blog's network in the two pooling layers' forward
// pass, against a few percent here. Anything else goes to torch::max_pool2d.
// With `relu`, the same as max_pool2d(relu(x), 2, 2) without the pass over
// the full-size input: the ReLU acts on the pooled values.
torch::Tensor maxPool2x2(const torch::Tensor& x, bool relu = false);

}  // namespace layerlab
