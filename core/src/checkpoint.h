// Internal to layerlab_engine: checkpoint files (model, optimizer, position).
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "network.h"

namespace layerlab {

// One line per layer naming what fixes its weights' shapes, to refuse
// weights of another architecture and name the first layer that differs.
std::vector<std::string> architectureSignature(const ModelSpec& model);

// Throws CheckpointError "<origin>: ... layer N is X there but Y here".
void requireSameArchitecture(const std::vector<std::string>& stored, const ModelSpec& model,
                             const std::string& origin);

struct CheckpointPosition {
    int epochsDone = 0;
    int64_t steps = 0;
    std::string shuffleState;  // the shuffle RNG, serialised
    // The network's dropout generator (SpecNetworkImpl::dropoutGeneratorState);
    // undefined in checkpoints written before it was kept. Restoring it is
    // what makes a resumed CPU run end with the weights of an uninterrupted
    // one.
    torch::Tensor cpuRngState;
    // The run's time until this checkpoint, so that a resumed run's clock
    // continues (0 in checkpoints written before it was kept).
    double seconds = 0;
};

// Written to a temporary file and renamed: a kill at any moment leaves the
// previous checkpoint whole.
void saveCheckpoint(const std::filesystem::path& file, const ModelSpec& model, SpecNetwork& network,
                    torch::optim::Optimizer& optimizer, const CheckpointPosition& position);

// Throws CheckpointError naming the file and, for another architecture, the
// first layer that differs.
CheckpointPosition loadCheckpoint(const std::filesystem::path& file, const ModelSpec& model,
                                  SpecNetwork& network, torch::optim::Optimizer& optimizer,
                                  const torch::Device& device);

}  // namespace layerlab
