#include "conv_pool_kernels.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

// Each function below in AVX-512, AVX2 and baseline versions; the loader
// picks the best the CPU has. Not in sanitizer builds: the picking runs
// during relocation, before their runtimes exist, and crashed them.
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && \
    !defined(__SANITIZE_THREAD__) && !defined(__SANITIZE_ADDRESS__)
#define LAYERLAB_VECTOR_CLONES \
    __attribute__((target_clones("arch=x86-64-v4", "arch=x86-64-v3", "default")))
#else
#define LAYERLAB_VECTOR_CLONES
#endif

namespace layerlab::conv_pool {
namespace {

inline float larger(float a, float b) {
    return a > b ? a : b;
}

// The exact rule, one corner after another: a later corner wins only when
// larger, or when NaN (so NaN comes through, as in LibTorch's max pooling).
inline void takeIfBetter(float value, uint8_t corner, float& best, uint8_t& which) {
    if (value > best || std::isnan(value)) {
        best = value;
        which = corner;
    }
}

inline void finish(float best, uint8_t corner, float bias, bool relu, float& out, uint8_t& which) {
    const float value = best + bias;
    // ReLU's gradient is zero where its output is (NaN passes).
    const bool killed = relu && value <= 0.0F;
    out = killed ? 0.0F : value;
    which = killed ? kNoWinner : corner;
}

// Pools one image's convolution by one filter, its four corner planes laid
// end to end in `conv`. The first loop is selects and arithmetic only, so it
// vectorises (branches on which corner wins would mispredict on most
// windows); it gets windows holding NaN wrong, so a plane with any is
// redone by the exact rule. Always inlined: its callers' AVX versions
// then vectorise it too.
[[gnu::always_inline]] inline void poolPlanes(const float* conv, int64_t plane, float bias,
                                              bool relu, float* out, uint8_t* which) {
    int sawNan = 0;
    for (int64_t j = 0; j < plane; ++j) {
        const float a = conv[j], b = conv[plane + j];
        const float c = conv[2 * plane + j], d = conv[3 * plane + j];
        const float best = larger(larger(a, b), larger(c, d));
        // The first corner holding the maximum: each corner before it adds one.
        const int pastA = int(a != best);
        const int pastB = pastA & int(b != best);
        const int pastC = pastB & int(c != best);
        const float value = best + bias;
        const int killed = int(relu) & int(value <= 0.0F);
        out[j] = killed != 0 ? 0.0F : value;
        which[j] = uint8_t(killed != 0 ? kNoWinner : pastA + pastB + pastC);
        const float sum = a + b + c + d;
        sawNan |= int(sum != sum);
    }
    if (sawNan == 0) {
        return;
    }
    for (int64_t j = 0; j < plane; ++j) {
        float best = conv[j];
        uint8_t corner = 0;
        for (uint8_t q = 1; q < 4; ++q) {
            takeIfBetter(conv[q * plane + j], q, best, corner);
        }
        finish(best, corner, bias, relu, out[j], which[j]);
    }
}

}  // namespace

LAYERLAB_VECTOR_CLONES
void imageToColumns(const float* input, float* columns, const Geometry& g, int64_t begin,
                    int64_t end) {
    const int64_t k = g.kernel;
    const int64_t pooledHeight = g.outHeight() / 2, pooledWidth = g.outWidth() / 2;
    for (int64_t row = begin; row < end; ++row) {
        const int64_t element = row / g.batch, n = row % g.batch;
        const int64_t c = element / (k * k), ky = element / k % k, kx = element % k;
        const float* image = input + (n * g.channels + c) * g.height * g.width;
        float* out = columns + row * 4 * g.pooledPlane();
        for (int64_t corner = 0; corner < 4; ++corner) {
            for (int64_t py = 0; py < pooledHeight; ++py, out += pooledWidth) {
                const int64_t iy = 2 * py + (corner >> 1) + ky - g.pad.top;
                const bool rowInside = iy >= 0 && iy < g.height;
                const float* line = image + (rowInside ? iy : 0) * g.width;
                for (int64_t px = 0; px < pooledWidth; ++px) {
                    const int64_t ix = 2 * px + (corner & 1) + kx - g.pad.left;
                    out[px] = rowInside && ix >= 0 && ix < g.width ? line[ix] : 0.0F;
                }
            }
        }
    }
}

LAYERLAB_VECTOR_CLONES
void convolveAndPool(const float* columns, const float* kernels, const float* bias, bool relu,
                     float* pooled, uint8_t* winner, const Geometry& g, int64_t begin,
                     int64_t end) {
    const int64_t plane = g.pooledPlane(), patch = g.patchSize();
    const int64_t columnStride = g.columnLength();
    std::vector<float> conv(4 * plane);
    for (int64_t n = begin; n < end; ++n) {
        const float* source = columns + n * 4 * plane;
        for (int64_t f = 0; f < g.filters; ++f) {
            std::fill(conv.begin(), conv.end(), 0.0F);
            for (int64_t p = 0; p < patch; ++p) {
                const float w = kernels[f * patch + p];
                const float* column = source + p * columnStride;
                for (int64_t j = 0; j < 4 * plane; ++j) {
                    conv[j] += w * column[j];
                }
            }
            const int64_t at = (n * g.filters + f) * plane;
            poolPlanes(conv.data(), plane, bias != nullptr ? bias[f] : 0.0F, relu, pooled + at,
                       winner + at);
        }
    }
}

// The convolution's gradient is the pooled gradient at each window's
// winning corner and zero elsewhere. So each patch element's gradient sums,
// over windows, the pooled gradient times the column value at the winning
// corner, picked by selects; the products go into per-element partial sums,
// added up at the end (a running dot product would not vectorise: float
// sums keep their order).
LAYERLAB_VECTOR_CLONES
void kernelGradient(const float* gradPooled, const uint8_t* winner, const float* columns,
                    float* gradKernels, float* gradBias, const Geometry& g, int64_t begin,
                    int64_t end) {
    const int64_t plane = g.pooledPlane(), patch = g.patchSize();
    const int64_t columnStride = g.columnLength();
    std::vector<float> biasPartial(plane);
    std::vector<float> partial(patch * plane);
    for (int64_t f = begin; f < end; ++f) {
        std::fill(partial.begin(), partial.end(), 0.0F);
        std::fill(biasPartial.begin(), biasPartial.end(), 0.0F);
        for (int64_t n = 0; n < g.batch; ++n) {
            const int64_t at = (n * g.filters + f) * plane;
            const float* grad = gradPooled + at;
            const uint8_t* which = winner + at;
            for (int64_t j = 0; j < plane; ++j) {
                biasPartial[j] += which[j] == kNoWinner ? 0.0F : grad[j];
            }
            for (int64_t p = 0; p < patch; ++p) {
                const float* column = columns + p * columnStride + n * 4 * plane;
                float* sums = partial.data() + p * plane;
                for (int64_t j = 0; j < plane; ++j) {
                    const uint8_t corner = which[j];
                    const float atWinner = corner == 0   ? column[j]
                                           : corner == 1 ? column[plane + j]
                                           : corner == 2 ? column[2 * plane + j]
                                                         : column[3 * plane + j];
                    sums[j] += corner == kNoWinner ? 0.0F : grad[j] * atWinner;
                }
            }
        }
        for (int64_t p = 0; p < patch; ++p) {
            const float* sums = partial.data() + p * plane;
            gradKernels[f * patch + p] = float(std::accumulate(sums, sums + plane, 0.0));
        }
        gradBias[f] = float(std::accumulate(biasPartial.begin(), biasPartial.end(), 0.0));
    }
}

}  // namespace layerlab::conv_pool
