// Internal to layerlab_engine.
#pragma once

namespace layerlab {

struct ThreadPlan;

// Sets LibTorch's intra-op threads and the BLAS library's.
void applyThreadPlan(const ThreadPlan& plan);

}  // namespace layerlab
