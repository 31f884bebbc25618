#include "max_pool.h"

#include <cmath>

namespace layerlab {
namespace {

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Enough output rows per task that threads, when there are several, are
// worth waking.
constexpr int64_t kRowsPerTask = 64;

// Marks a window whose ReLU gave zero: its gradient goes nowhere.
constexpr uint8_t kNoWinner = 4;

// The exact rule, one corner after another: a later corner wins only when
// larger, or when NaN (so NaN comes through, as in LibTorch).
inline void takeIfBetter(float value, uint8_t corner, float& best, uint8_t& which) {
    if (value > best || std::isnan(value)) {
        best = value;
        which = corner;
    }
}

inline float larger(float a, float b) {
    return a > b ? a : b;
}

// Output rows [begin, end) of planes laid end to end. Which corner wins is
// data: a branch per corner mispredicts so often that it cost seven times
// the rest of the loop. So the maximum comes from selects, and the first
// corner holding it from a bit mask; only a window with NaN (or inf - inf,
// which the sum test also catches) takes the branchy exact rule.
void poolRows(const float* __restrict in, float* __restrict out, uint8_t* __restrict winner,
              int64_t width, bool relu, int64_t begin, int64_t end) {
    const int64_t outWidth = width / 2;
    for (int64_t row = begin; row < end; ++row) {
        const float* top = in + row * 2 * width;
        const float* bottom = top + width;
        float* o = out + row * outWidth;
        uint8_t* w = winner + row * outWidth;
        for (int64_t x = 0; x < outWidth; ++x) {
            const float a = top[2 * x];
            const float b = top[2 * x + 1];
            const float c = bottom[2 * x];
            const float d = bottom[2 * x + 1];
            float best = larger(larger(a, b), larger(c, d));
            const unsigned holdsMax =
                unsigned(a == best) | unsigned(b == best) << 1U | unsigned(c == best) << 2U | 8U;
            auto which = uint8_t(__builtin_ctz(holdsMax));
            const float sum = a + b + c + d;
            if (sum != sum) {
                best = a;
                which = 0;
                takeIfBetter(b, 1, best, which);
                takeIfBetter(c, 2, best, which);
                takeIfBetter(d, 3, best, which);
            }
            // ReLU after the pool, which is ReLU before it (max and ReLU
            // commute) on a quarter of the values; its gradient is zero
            // where its output is (NaN passes).
            const bool killed = relu && best <= 0.0F;
            o[x] = killed ? 0.0F : best;
            w[x] = killed ? kNoWinner : which;
        }
    }
}

// The gradient goes to the winning corner, into a zeroed buffer: a store
// whose address is computed from the corner, where a choice per corner
// compiled to branches that mispredicted.
void unpoolRows(const float* __restrict gradOut, const uint8_t* __restrict winner,
                float* __restrict gradIn, int64_t width, int64_t begin, int64_t end) {
    const int64_t outWidth = width / 2;
    for (int64_t row = begin; row < end; ++row) {
        float* top = gradIn + row * 2 * width;
        const float* g = gradOut + row * outWidth;
        const uint8_t* w = winner + row * outWidth;
        for (int64_t x = 0; x < outWidth; ++x) {
            const unsigned corner = w[x] & 3U;
            top[2 * x + (corner & 1U) + (corner >> 1U) * width] = w[x] == kNoWinner ? 0.0F : g[x];
        }
    }
}

// Within each window the corners are numbered 0 1 / 2 3; the forward pass
// keeps the winning corner's number, one byte per output pixel, for the
// backward pass to send the gradient to.
struct MaxPool2x2Function : torch::autograd::Function<MaxPool2x2Function> {
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& input, bool relu) {
        const int64_t width = input.size(3);
        const int64_t rows = input.size(0) * input.size(1) * (input.size(2) / 2);
        torch::Tensor output = torch::empty(
            {input.size(0), input.size(1), input.size(2) / 2, width / 2}, input.options());
        torch::Tensor corner = torch::empty(output.sizes(), input.options().dtype(torch::kUInt8));
        const float* in = input.data_ptr<float>();
        float* out = output.data_ptr<float>();
        uint8_t* winner = corner.data_ptr<uint8_t>();
        at::parallel_for(0, rows, kRowsPerTask, [=](int64_t begin, int64_t end) {
            poolRows(in, out, winner, width, relu, begin, end);
        });
        ctx->save_for_backward({corner});
        ctx->saved_data["input_sizes"] = input.sizes().vec();
        return output;
    }

    static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
        const torch::Tensor corner = ctx->get_saved_variables()[0];
        const std::vector<int64_t> sizes = ctx->saved_data["input_sizes"].toIntVector();
        const torch::Tensor gradOutput = gradOutputs[0].contiguous();
        torch::Tensor gradInput = torch::zeros(sizes, gradOutput.options());
        const int64_t width = sizes[3];
        const int64_t rows = corner.numel() / (width / 2);
        const float* g = gradOutput.data_ptr<float>();
        const uint8_t* winner = corner.data_ptr<uint8_t>();
        float* gi = gradInput.data_ptr<float>();
        at::parallel_for(0, rows, kRowsPerTask, [=](int64_t begin, int64_t end) {
            unpoolRows(g, winner, gi, width, begin, end);
        });
        return {gradInput, torch::Tensor()};
    }
};

}  // namespace

torch::Tensor maxPool2x2(const torch::Tensor& x, bool relu) {
    const bool ownKernel = x.device().is_cpu() && x.scalar_type() == torch::kFloat &&
                           x.dim() == 4 && x.size(2) % 2 == 0 && x.size(3) % 2 == 0 &&
                           x.numel() > 0;
    if (!ownKernel) {
        return relu ? torch::relu(torch::max_pool2d(x, 2, 2)) : torch::max_pool2d(x, 2, 2);
    }
    return MaxPool2x2Function::apply(x.contiguous(), relu);
}

}  // namespace layerlab
