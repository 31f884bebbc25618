// Internal to layerlab_engine.
#pragma once

#include <string>

namespace layerlab {

struct ThreadPlan;

// Sets LibTorch's intra-op threads and the BLAS library's.
void applyThreadPlan(const ThreadPlan& plan);

// "CPU (1 thread, BLAS 2)" or "CPU (2 threads, batches halved)": what a
// run's speed depends on, as the run's device is shown.
std::string cpuDescription(const ThreadPlan& threads);

}  // namespace layerlab
