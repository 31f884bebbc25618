// Precompiled for layerlab_engine only; nothing else may include it.
#pragma once
#include <torch/torch.h>
