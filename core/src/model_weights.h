// Internal to layerlab_engine: what a ModelWeights snapshot holds.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "network.h"

namespace layerlab {

class ModelWeights {
public:
    // Copies every parameter and buffer to the CPU, detached: the snapshot
    // shares no memory with the network it came from.
    static std::shared_ptr<const ModelWeights> capture(SpecNetwork& network,
                                                       const ModelSpec& model);

    // Copies the snapshot into `network`, which must have its architecture.
    void copyInto(SpecNetwork& network, const ModelSpec& model) const;

private:
    std::vector<std::string> m_signature;
    std::vector<std::pair<std::string, torch::Tensor>> m_tensors;
};

}  // namespace layerlab
