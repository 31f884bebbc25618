#include "layerlab/weights_export.h"

#include <torch/script.h>

#include <algorithm>
#include <sstream>

#include "checkpoint.h"
#include "layerlab/dataset.h"
#include "layerlab/errors.h"
#include "layerlab/run_recorder.h"
#include "layerlab/shape_inference.h"
#include "network.h"

namespace fs = std::filesystem;

namespace layerlab {
namespace {

struct LoadedRun {
    ExperimentSpec spec;
    SpecNetwork network{nullptr};
};

LoadedRun loadRun(const fs::path& runDirectory) {
    LoadedRun run;
    run.spec = loadExperiment(runDirectory / "config.json");
    const auto kind = datasetKindFromId(run.spec.dataset);
    const int numClasses = kind ? int(datasetInfo(*kind).classNames.size()) : 10;
    run.network = buildNetwork(run.spec.model, numClasses);
    // The optimizer state in the checkpoint is read into one that is thrown
    // away; a checkpoint saved on a GPU loads onto the CPU here.
    torch::optim::SGD unused(run.network->parameters(), torch::optim::SGDOptions(0.1));
    loadCheckpoint(runDirectory / "checkpoint.pt", run.spec.model, run.network, unused,
                   torch::kCPU);
    run.network->eval();
    return run;
}

std::string bytesOf(const std::vector<char>& bytes) {
    return std::string(bytes.begin(), bytes.end());
}

// TorchScript for one activation applied to `x`.
std::string activationCode(Activation activation) {
    switch (activation) {
        case Activation::Linear:
            return "";
        case Activation::Relu:
            return "        x = torch.relu(x)\n";
        case Activation::LeakyRelu:
            return "        x = torch.leaky_relu(x, 0.01)\n";
        case Activation::Elu:
            return "        x = torch.elu(x)\n";
        case Activation::Gelu:
            return "        x = torch.gelu(x)\n";
        case Activation::Sigmoid:
            return "        x = torch.sigmoid(x)\n";
        case Activation::Tanh:
            return "        x = torch.tanh(x)\n";
        case Activation::Softmax:
            return "        x = torch.softmax(x, 1)\n";
    }
    return "";
}

// TensorFlow's "same" padding (as network.cpp applies it) as a pad list
// for constant_pad_nd: left, right, top, bottom.
std::string samePads(const TensorShape& in, int kernel, int stride) {
    const auto split = [&](int size, int& before, int& after) {
        const int output = (size + stride - 1) / stride;
        const int total = std::max((output - 1) * stride + kernel - size, 0);
        before = total / 2;
        after = total - before;
    };
    int top = 0, bottom = 0, left = 0, right = 0;
    split(in.height, top, bottom);
    split(in.width, left, right);
    if (top + bottom + left + right == 0) {
        return "";
    }
    std::ostringstream pads;
    pads << "[" << left << ", " << right << ", " << top << ", " << bottom << "]";
    return pads.str();
}

}  // namespace

void exportWeightsForPyTorch(const fs::path& runDirectory, const fs::path& file) {
    LoadedRun run = loadRun(runDirectory);
    c10::Dict<std::string, torch::Tensor> tensors;
    for (const auto& item : run.network->named_parameters()) {
        tensors.insert(item.key(), item.value().detach().to(torch::kCPU).contiguous());
    }
    for (const auto& item : run.network->named_buffers()) {
        tensors.insert(item.key(), item.value().detach().to(torch::kCPU).contiguous());
    }
    // pickle_save writes the zip format of Python's torch.save.
    writeFileAtomically(file, bytesOf(torch::pickle_save(c10::IValue(tensors))));
}

void exportTorchScript(const fs::path& runDirectory, const fs::path& file) {
    LoadedRun run = loadRun(runDirectory);
    const ModelSpec& model = run.spec.model;
    const auto kind = datasetKindFromId(run.spec.dataset);
    const int numClasses = kind ? int(datasetInfo(*kind).classNames.size()) : 10;
    const ModelReport report = inspectModel(model, numClasses);

    torch::jit::Module module("LayerLabNet");
    for (const auto& item : run.network->named_parameters()) {
        std::string name = "p_" + item.key();
        std::replace(name.begin(), name.end(), '.', '_');
        module.register_parameter(name, item.value().detach().clone(), /*is_buffer=*/false);
    }
    for (const auto& item : run.network->named_buffers()) {
        std::string name = "p_" + item.key();
        std::replace(name.begin(), name.end(), '.', '_');
        module.register_buffer(name, item.value().detach().clone());
    }

    std::ostringstream code;
    code << "def forward(self, x):\n";
    for (size_t i = 0; i < model.layers.size(); ++i) {
        const LayerSpec& layer = model.layers[i];
        const TensorShape& in = report.layers[i].input;
        const std::string p = "self.p_" + std::to_string(i) + "_";
        const bool last = i + 1 == model.layers.size();
        // Like the trained network, the script leaves the final softmax out.
        const Activation activation =
            last && layer.activation == Activation::Softmax ? Activation::Linear : layer.activation;
        switch (layer.kind) {
            case LayerKind::Conv2d: {
                const int stride = layer.stride > 0 ? layer.stride : 1;
                if (layer.padding == Padding::Same) {
                    if (const std::string pads = samePads(in, layer.kernel, stride);
                        !pads.empty()) {
                        code << "        x = torch.constant_pad_nd(x, " << pads << ", 0.0)\n";
                    }
                }
                code << "        x = torch.conv2d(x, " << p << "weight, " << p << "bias, ["
                     << stride << ", " << stride << "])\n"
                     << activationCode(activation);
                break;
            }
            case LayerKind::MaxPool2d:
            case LayerKind::AvgPool2d: {
                const int stride = layer.stride > 0 ? layer.stride : layer.kernel;
                const std::string pads =
                    layer.padding == Padding::Same ? samePads(in, layer.kernel, stride) : "";
                const std::string window =
                    "[" + std::to_string(layer.kernel) + ", " + std::to_string(layer.kernel) +
                    "], [" + std::to_string(stride) + ", " + std::to_string(stride) + "]";
                if (layer.kind == LayerKind::MaxPool2d) {
                    if (!pads.empty()) {
                        code << "        x = torch.constant_pad_nd(x, " << pads
                             << ", float('-inf'))\n";
                    }
                    code << "        x = torch.max_pool2d(x, " << window << ")\n";
                } else if (pads.empty()) {
                    code << "        x = torch.avg_pool2d(x, " << window << ")\n";
                } else {
                    // Averages over the real pixels only, as TensorFlow does.
                    code << "        ones = torch.ones([1, 1, x.size(2), x.size(3)], "
                            "dtype=x.dtype, device=x.device)\n"
                         << "        x = torch.avg_pool2d(torch.constant_pad_nd(x, " << pads
                         << ", 0.0), " << window << ") / torch.avg_pool2d("
                         << "torch.constant_pad_nd(ones, " << pads << ", 0.0), " << window << ")\n";
                }
                break;
            }
            case LayerKind::BatchNorm:
                code << "        x = torch.batch_norm(x, " << p << "weight, " << p << "bias, " << p
                     << "running_mean, " << p << "running_var, False, 0.1, 1e-05, False)\n";
                break;
            case LayerKind::Flatten:
                code << "        x = x.flatten(1)\n";
                break;
            case LayerKind::Dense:
                code << "        if x.dim() > 2:\n            x = x.flatten(1)\n"
                     << "        x = torch.linear(x, " << p << "weight, " << p << "bias)\n"
                     << activationCode(activation);
                break;
            case LayerKind::Dropout:
                break;  // inference: dropout passes values through
            case LayerKind::Activation:
                code << activationCode(activation);
                break;
        }
    }
    code << "        return x\n";
    try {
        module.define(code.str());
        module.eval();
        std::ostringstream bytes;
        module.save(bytes);
        writeFileAtomically(file, bytes.str());
    } catch (const c10::Error& e) {
        throw Error(file.string() +
                    ": cannot write the TorchScript module: " + e.what_without_backtrace());
    }
}

}  // namespace layerlab
