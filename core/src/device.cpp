// Devices, thread policy and versions: the parts of the engine that ask the
// machine and the LibTorch build what they can do.

#include <dlfcn.h>

#include <thread>

#include <torch/version.h>

#include "layerlab/trainer.h"
#include "threads.h"

namespace layerlab {

bool cudaAvailable() {
    return torch::cuda::is_available();
}

std::string cudaUnavailableReason() {
    if (cudaAvailable()) {
        return {};
    }
#ifdef LAYERLAB_TORCH_HAS_CUDA
    return "no CUDA device found (is the NVIDIA driver loaded?)";
#else
    return "this LibTorch build has no CUDA support (it is CPU-only)";
#endif
}

DeviceResolution resolveDevice(DeviceChoice choice) {
    DeviceResolution resolution;
    if (choice == DeviceChoice::Cpu) {
        return resolution;
    }
    resolution.cuda = cudaAvailable();
    if (!resolution.cuda) {
        resolution.notice = (choice == DeviceChoice::Cuda ? "CUDA was asked for, but " : "") +
                            cudaUnavailableReason() + "; training on the CPU";
    }
    return resolution;
}

int defaultThreadCount() {
    const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
    // Measured on a 2-core machine: two threads were slower than one for the
    // seed model, with OpenMP and BLAS threads competing for the cores. On
    // bigger machines, one thread per physical core (assuming two hardware
    // threads per core).
    if (hardware <= 2) {
        return 1;
    }
    return int(std::min(hardware / 2, 16u));
}

void applyThreadCount(int threads) {
    torch::set_num_threads(threads);
    // LibTorch's matrix products go to the system BLAS; OpenBLAS keeps its
    // own thread pool, which must not add threads on top of OpenMP's.
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
        set(threads);
    }
}

std::string libtorchVersion() {
    return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
           std::to_string(TORCH_VERSION_PATCH);
}

}  // namespace layerlab
