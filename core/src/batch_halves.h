// Internal to layerlab_engine: work on a batch split between the calling
// thread and one helper, where the thread plan has a core that LibTorch's
// own (OpenMP) threads leave idle.
#pragma once

#include <cstdint>
#include <functional>

#include "torch_pch.h"

namespace layerlab {

// On machines with two cores the thread plan gives LibTorch one OpenMP
// thread (two spin-wait each other into a collapse when anything else wants
// a core, docs/performance.md) and the BLAS two. Everything that is not a
// matrix product then ran on one core, the convolutions included. Splitting
// the batch in two halves, one of them on a helper thread that blocks
// rather than spins, uses the second core for them too.
void setBatchHalving(bool enabled);
bool batchHalving();

// Runs work(begin, end) over [0, count): in two halves at once, the second
// on LibTorch's inter-op pool, when halving is on and count >= 2; else in
// one call. The first exception either half throws is rethrown here.
void inTwoHalves(int64_t count, const std::function<void(int64_t, int64_t)>& work);

// torch::conv2d(input, weight, bias, stride) (no padding, input already
// padded), forward and backward computed in two halves of the batch with
// inTwoHalves. Values and gradients as conv2d's up to float rounding.
torch::Tensor conv2dInHalves(const torch::Tensor& input, const torch::Tensor& weight,
                             const torch::Tensor& bias, int64_t stride);

// torch::linear(input, weight, bias) for input [batch, features], each
// matrix product of the forward and backward pass in two halves at once.
torch::Tensor linearInHalves(const torch::Tensor& input, const torch::Tensor& weight,
                             const torch::Tensor& bias);

}  // namespace layerlab
