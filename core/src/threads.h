// Internal to layerlab_engine.
#pragma once

namespace layerlab {

// Sets LibTorch's intra-op threads and the BLAS library's to `threads`.
void applyThreadCount(int threads);

}  // namespace layerlab
