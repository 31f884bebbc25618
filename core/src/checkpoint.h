// Internal to layerlab_engine: checkpoint files (model, optimizer, position).
#pragma once

#include <filesystem>
#include <string>

#include "network.h"

namespace layerlab {

struct CheckpointPosition {
    int epochsDone = 0;
    int64_t steps = 0;
    std::string shuffleState;  // the shuffle RNG, serialised
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
