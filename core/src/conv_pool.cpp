#include "conv_pool.h"

#include "batch_halves.h"
#include "conv_pool_kernels.h"

namespace layerlab {
namespace {

using conv_pool::Geometry;
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

// Larger patches make a real matrix product, which oneDNN's convolution runs
// well; computing them here measured slower.
constexpr int64_t kLargestPatch = 16;

Geometry geometryOf(at::IntArrayRef inputSizes, at::IntArrayRef weightSizes,
                    const ConvPadding& padding) {
    Geometry g;
    g.batch = inputSizes[0];
    g.channels = inputSizes[1];
    g.height = inputSizes[2];
    g.width = inputSizes[3];
    g.filters = weightSizes[0];
    g.kernel = weightSizes[2];
    g.pad = padding;
    return g;
}

struct ConvPool2x2Function : torch::autograd::Function<ConvPool2x2Function> {
    static torch::Tensor forward(AutogradContext* ctx, const torch::Tensor& input,
                                 const torch::Tensor& weight, const torch::Tensor& bias,
                                 ConvPadding padding, bool relu) {
        const Geometry g = geometryOf(input.sizes(), weight.sizes(), padding);
        torch::Tensor columns = torch::empty({g.patchSize(), g.columnLength()}, input.options());
        const float* in = input.data_ptr<float>();
        float* cols = columns.data_ptr<float>();
        at::parallel_for(0, g.patchSize() * g.batch, 1, [&](int64_t begin, int64_t end) {
            conv_pool::imageToColumns(in, cols, g, begin, end);
        });
        const torch::Tensor kernels = weight.reshape({g.filters, g.patchSize()}).contiguous();
        const torch::Tensor biasValues = bias.defined() ? bias.contiguous() : bias;
        torch::Tensor pooled = torch::empty(
            {g.batch, g.filters, g.outHeight() / 2, g.outWidth() / 2}, input.options());
        torch::Tensor winner = torch::empty(pooled.sizes(), input.options().dtype(torch::kUInt8));
        const float* k = kernels.data_ptr<float>();
        const float* b = biasValues.defined() ? biasValues.data_ptr<float>() : nullptr;
        float* out = pooled.data_ptr<float>();
        uint8_t* which = winner.data_ptr<uint8_t>();
        inTwoHalves(g.batch, [&](int64_t begin, int64_t end) {
            conv_pool::convolveAndPool(cols, k, b, relu, out, which, g, begin, end);
        });
        ctx->save_for_backward({columns, winner});
        ctx->saved_data["input_sizes"] = input.sizes().vec();
        ctx->saved_data["weight_sizes"] = weight.sizes().vec();
        ctx->saved_data["padding"] =
            std::vector<int64_t>{padding.top, padding.bottom, padding.left, padding.right};
        ctx->saved_data["has_bias"] = bias.defined();
        return pooled;
    }

    static variable_list backward(AutogradContext* ctx, variable_list gradOutputs) {
        const variable_list saved = ctx->get_saved_variables();
        const std::vector<int64_t> weightSizes = ctx->saved_data["weight_sizes"].toIntVector();
        const std::vector<int64_t> pads = ctx->saved_data["padding"].toIntVector();
        const Geometry g =
            geometryOf(ctx->saved_data["input_sizes"].toIntVector(), weightSizes,
                       ConvPadding{int(pads[0]), int(pads[1]), int(pads[2]), int(pads[3])});
        const torch::Tensor gradPooled = gradOutputs[0].contiguous();
        torch::Tensor gradWeight = torch::empty(weightSizes, gradPooled.options());
        torch::Tensor gradBias = torch::empty({g.filters}, gradPooled.options());
        const float* gp = gradPooled.data_ptr<float>();
        const uint8_t* which = saved[1].data_ptr<uint8_t>();
        const float* cols = saved[0].data_ptr<float>();
        float* gk = gradWeight.data_ptr<float>();
        float* gb = gradBias.data_ptr<float>();
        inTwoHalves(g.filters, [&](int64_t begin, int64_t end) {
            conv_pool::kernelGradient(gp, which, cols, gk, gb, g, begin, end);
        });
        if (!ctx->saved_data["has_bias"].toBool()) {
            gradBias = torch::Tensor();
        }
        // The input never needs a gradient here (canFuseConvPool).
        return {torch::Tensor(), gradWeight, gradBias, torch::Tensor(), torch::Tensor()};
    }
};

}  // namespace

bool canFuseConvPool(const torch::Tensor& input, int64_t kernel, const ConvPadding& padding) {
    if (!input.device().is_cpu() || input.scalar_type() != torch::kFloat || input.dim() != 4 ||
        input.numel() == 0 || input.size(1) * kernel * kernel > kLargestPatch ||
        (input.requires_grad() && torch::GradMode::is_enabled())) {
        return false;
    }
    const int64_t outHeight = input.size(2) + padding.top + padding.bottom - kernel + 1;
    const int64_t outWidth = input.size(3) + padding.left + padding.right - kernel + 1;
    return outHeight > 0 && outWidth > 0 && outHeight % 2 == 0 && outWidth % 2 == 0;
}

torch::Tensor convPool2x2(const torch::Tensor& input, const torch::Tensor& weight,
                          const torch::Tensor& bias, const ConvPadding& padding, bool relu) {
    return ConvPool2x2Function::apply(input.contiguous(), weight, bias, padding, relu);
}

}  // namespace layerlab
