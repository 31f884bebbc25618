// Internal to layerlab_engine: the loops of conv_pool.cpp, on raw float
// arrays. They live apart, without LibTorch, so that they alone compile
// with -O3 and in AVX-512, AVX2 and baseline versions picked at run time;
// the engine otherwise builds for Debian's baseline x86-64.
#pragma once

#include <cstdint>

namespace layerlab::conv_pool {

// Marks a pooled value whose ReLU gave zero: no gradient goes back from it.
constexpr uint8_t kNoWinner = 4;

// Zero padding around a convolution's input, TensorFlow's "same" split.
struct Padding {
    int top = 0, bottom = 0, left = 0, right = 0;
};

// One convolution (stride 1, square kernel, a patch of a few values)
// followed by a 2x2 max pool. Input [batch, channels, height, width];
// pooled values, their gradients and the winners (the window's corner
// 0 1 / 2 3 that won, or kNoWinner) [batch, filters, outHeight / 2,
// outWidth / 2].
//
// The columns hold, per patch element (channel, kernel row, kernel column)
// and image, the input pixel that element multiplies for every output
// pixel, ordered by the pooling window's corner first: [patch, batch,
// corner, pooled row, pooled column]. So the four values a window pools
// sit at the same index of four contiguous planes, and every loop below
// runs over whole planes, long enough to vectorise (a pooled row is only
// 14 or 7 values in the blog's network).
struct Geometry {
    int64_t batch = 0, channels = 0, height = 0, width = 0;
    int64_t filters = 0, kernel = 0;
    Padding pad;

    int64_t outHeight() const { return height + pad.top + pad.bottom - kernel + 1; }
    int64_t outWidth() const { return width + pad.left + pad.right - kernel + 1; }
    int64_t patchSize() const { return channels * kernel * kernel; }
    // Values in one pooled plane (one corner of one image's windows).
    int64_t pooledPlane() const { return outHeight() / 2 * (outWidth() / 2); }
    int64_t columnLength() const { return batch * 4 * pooledPlane(); }
};

// Column rows [begin, end), a row being one (patch element, image).
void imageToColumns(const float* input, float* columns, const Geometry& g, int64_t begin,
                    int64_t end);

// Convolves images [begin, end) with every filter (kernels: [filters,
// patch]), adds the bias, pools, and applies the ReLU when asked.
void convolveAndPool(const float* columns, const float* kernels, const float* bias, bool relu,
                     float* pooled, uint8_t* winner, const Geometry& g, int64_t begin, int64_t end);

// The gradients of filters [begin, end): kernels [filters, patch] and bias
// [filters], from the pooled gradient, the winners and the columns.
void kernelGradient(const float* gradPooled, const uint8_t* winner, const float* columns,
                    float* gradKernels, float* gradBias, const Geometry& g, int64_t begin,
                    int64_t end);

}  // namespace layerlab::conv_pool
