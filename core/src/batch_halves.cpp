#include "batch_halves.h"

#include <ATen/Parallel.h>

#include <atomic>
#include <condition_variable>
#include <exception>
#include <memory>
#include <mutex>
#include <utility>

namespace layerlab {
namespace {

std::atomic<bool> halvingEnabled{false};

using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct Conv2dInHalvesFunction : torch::autograd::Function<Conv2dInHalvesFunction> {
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& input,
                                 const torch::Tensor& weight, const torch::Tensor& bias,
                                 int64_t stride) {
        torch::Tensor halves[2];
        inTwoHalves(input.size(0), [&](int64_t begin, int64_t end) {
            halves[begin == 0 ? 0 : 1] =
                torch::conv2d(input.slice(0, begin, end), weight, bias, stride);
        });
        ctx->save_for_backward({input, weight});
        ctx->saved_data["stride"] = stride;
        ctx->saved_data["has_bias"] = bias.defined();
        return halves[1].defined() ? torch::cat({halves[0], halves[1]}) : halves[0];
    }

    static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
        const variable_list saved = ctx->get_saved_variables();
        const torch::Tensor& input = saved[0];
        const torch::Tensor& weight = saved[1];
        const int64_t stride = ctx->saved_data["stride"].toInt();
        const bool hasBias = ctx->saved_data["has_bias"].toBool();
        const torch::Tensor gradOutput = gradOutputs[0].contiguous();
        const std::array<bool, 3> wanted{ctx->needs_input_grad(0), ctx->needs_input_grad(1),
                                         hasBias && ctx->needs_input_grad(2)};
        std::tuple<torch::Tensor, torch::Tensor, torch::Tensor> halves[2];
        const std::vector<int64_t> biasSizes{weight.size(0)};
        bool split = false;  // written by the second half only, read after both
        inTwoHalves(input.size(0), [&](int64_t begin, int64_t end) {
            if (begin > 0) {
                split = true;
            }
            halves[begin == 0 ? 0 : 1] = at::convolution_backward(
                gradOutput.slice(0, begin, end), input.slice(0, begin, end), weight,
                hasBias ? at::OptionalIntArrayRef(biasSizes) : at::OptionalIntArrayRef(),
                {stride, stride}, {0, 0}, {1, 1}, /*transposed=*/false, {0, 0}, /*groups=*/1,
                wanted);
        });
        const auto combine = [&](auto part, bool isSum) {
            const torch::Tensor first = part(halves[0]);
            if (!split || !first.defined()) {
                return first;
            }
            return isSum ? first + part(halves[1]) : torch::cat({first, part(halves[1])});
        };
        return {combine([](auto& t) { return std::get<0>(t); }, false),
                combine([](auto& t) { return std::get<1>(t); }, true),
                combine([](auto& t) { return std::get<2>(t); }, true), torch::Tensor()};
    }
};

// Rows [begin, end) of `part` out of two equal parts of n.
std::pair<int64_t, int64_t> halfOf(int64_t n, int64_t part) {
    return {n * part / 2, n * (part + 1) / 2};
}

// Each matrix product split in two: the output's rows for the forward pass
// and the input's gradient (images), the weight's rows for its gradient
// (units), so no half's result needs adding to the other's.
struct LinearInHalvesFunction : torch::autograd::Function<LinearInHalvesFunction> {
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& input,
                                 const torch::Tensor& weight, const torch::Tensor& bias) {
        torch::Tensor output = torch::empty({input.size(0), weight.size(0)}, input.options());
        inTwoHalves(2, [&](int64_t first, int64_t last) {
            for (int64_t part = first; part < last; ++part) {
                const auto [begin, end] = halfOf(input.size(0), part);
                torch::Tensor rows = output.slice(0, begin, end);
                if (bias.defined()) {
                    at::addmm_out(rows, bias, input.slice(0, begin, end), weight.t());
                } else {
                    at::mm_out(rows, input.slice(0, begin, end), weight.t());
                }
            }
        });
        ctx->save_for_backward({input, weight});
        ctx->saved_data["has_bias"] = bias.defined();
        return output;
    }

    static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
        const variable_list saved = ctx->get_saved_variables();
        const torch::Tensor& input = saved[0];
        const torch::Tensor& weight = saved[1];
        const torch::Tensor grad = gradOutputs[0].contiguous();
        const bool wantInput = ctx->needs_input_grad(0);
        const bool wantWeight = ctx->needs_input_grad(1);
        torch::Tensor gradInput = wantInput ? torch::empty_like(input) : torch::Tensor();
        torch::Tensor gradWeight = wantWeight ? torch::empty_like(weight) : torch::Tensor();
        inTwoHalves(2, [&](int64_t first, int64_t last) {
            for (int64_t part = first; part < last; ++part) {
                if (wantInput) {
                    const auto [begin, end] = halfOf(input.size(0), part);
                    torch::Tensor rows = gradInput.slice(0, begin, end);
                    at::mm_out(rows, grad.slice(0, begin, end), weight);
                }
                if (wantWeight) {
                    const auto [begin, end] = halfOf(weight.size(0), part);
                    torch::Tensor rows = gradWeight.slice(0, begin, end);
                    at::mm_out(rows, grad.slice(1, begin, end).t(), input);
                }
            }
        });
        torch::Tensor gradBias;
        if (ctx->saved_data["has_bias"].toBool() && ctx->needs_input_grad(2)) {
            gradBias = grad.sum(0);
        }
        return {gradInput, gradWeight, gradBias};
    }
};

}  // namespace

void setBatchHalving(bool enabled) {
    halvingEnabled.store(enabled);
}

bool batchHalving() {
    return halvingEnabled.load();
}

void inTwoHalves(int64_t count, const std::function<void(int64_t, int64_t)>& work) {
    if (count < 2 || !batchHalving()) {
        work(0, count);
        return;
    }
    const int64_t middle = count / 2;
    // Shared with the helper, which may still be returning from its task
    // when this thread has been woken and has left.
    struct HelperState {
        std::mutex mutex;
        std::condition_variable finished;
        bool done = false;
        std::exception_ptr failure;
    };
    auto helper = std::make_shared<HelperState>();
    at::launch([helper, &work, middle, count] {
        std::exception_ptr failure;
        try {
            work(middle, count);
        } catch (...) {
            failure = std::current_exception();
        }
        std::lock_guard<std::mutex> lock(helper->mutex);
        helper->failure = failure;
        helper->done = true;
        helper->finished.notify_one();
    });
    std::exception_ptr ownFailure;
    try {
        work(0, middle);
    } catch (...) {
        ownFailure = std::current_exception();
    }
    // Always wait: the helper's half uses this frame's variables.
    std::unique_lock<std::mutex> lock(helper->mutex);
    helper->finished.wait(lock, [&] { return helper->done; });
    if (ownFailure) {
        std::rethrow_exception(ownFailure);
    }
    if (helper->failure) {
        std::rethrow_exception(helper->failure);
    }
}

torch::Tensor conv2dInHalves(const torch::Tensor& input, const torch::Tensor& weight,
                             const torch::Tensor& bias, int64_t stride) {
    return Conv2dInHalvesFunction::apply(input, weight, bias, stride);
}

torch::Tensor linearInHalves(const torch::Tensor& input, const torch::Tensor& weight,
                             const torch::Tensor& bias) {
    return LinearInHalvesFunction::apply(input.contiguous(), weight, bias);
}

}  // namespace layerlab
