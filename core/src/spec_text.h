// Internal to layerlab_core: how errors and tables name layers and numbers.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "layerlab/experiment.h"

namespace layerlab {

// "layer 3 (conv2d)": the 1-based position errors and tables use.
std::string layerLabel(size_t index, const LayerSpec& layer);

// "3,230,954".
std::string groupedNumber(int64_t value);

}  // namespace layerlab
