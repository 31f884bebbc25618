#pragma once

#include <filesystem>

namespace layerlab {

// Weights of a run folder (its config.json and checkpoint.pt) for Python
// users; see docs/pytorch-export.md. Both throw CheckpointError or SpecError
// naming the file at fault, or Error when the output cannot be written.

// A file that Python's torch.load reads into a dict of CPU tensors, named as
// a torch.nn.Sequential of the same layers names them: "0.weight",
// "0.bias", "4.running_mean", ... (the number is the layer's index).
void exportWeightsForPyTorch(const std::filesystem::path& runDirectory,
                             const std::filesystem::path& file);

// A TorchScript module: torch.jit.load(file)(x) returns the logits for
// x of shape [N, channels, height, width], float values in [0, 1].
void exportTorchScript(const std::filesystem::path& runDirectory,
                       const std::filesystem::path& file);

}  // namespace layerlab
