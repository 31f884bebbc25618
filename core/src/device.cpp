// Devices, thread policy and versions: the parts of the engine that ask the
// machine and the LibTorch build what they can do.

#include <dlfcn.h>

#include <thread>

#include <torch/version.h>

#include "batch_halves.h"
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
    return threadPlan(0).intraOp;
}

// Measured on a 2-core machine (docs/performance.md): two OpenMP threads
// were slower than one for the seed model (their spin-waiting collapses when
// anything else wants the second core), and a second OpenBLAS thread spins
// (sched_yield) for a long while after each product, taking that core from
// anything else. So with two cores the engine runs one OpenMP and one BLAS
// thread and splits the big operations' batches between the calling thread
// and a helper that blocks rather than spins (batch_halves.h): about 30%
// faster than a second BLAS thread. Bigger machines: one thread per physical
// core (assuming two hardware threads per core) for OpenMP and the BLAS,
// which oneDNN's convolutions use themselves.
ThreadPlan threadPlan(int requested) {
    ThreadPlan plan;
    if (requested > 0) {
        plan.intraOp = requested;
        plan.blas = requested;
        return plan;
    }
    const unsigned hardware = std::max(1u, std::thread::hardware_concurrency());
    if (hardware <= 2) {
        plan.halveBatches = hardware == 2;
        return plan;
    }
    plan.intraOp = int(std::min(hardware / 2, 16u));
    plan.blas = plan.intraOp;
    return plan;
}

void applyThreadPlan(const ThreadPlan& plan) {
    torch::set_num_threads(plan.intraOp);
    setBatchHalving(plan.halveBatches);
    // LibTorch's matrix products go to the system BLAS; OpenBLAS keeps its
    // own thread pool, sized apart from OpenMP's.
    using SetThreads = void (*)(int);
    if (auto set = reinterpret_cast<SetThreads>(dlsym(RTLD_DEFAULT, "openblas_set_num_threads"))) {
        set(plan.blas);
    }
}

std::string cpuDescription(const ThreadPlan& threads) {
    if (threads.halveBatches) {
        return "CPU (2 threads, batches halved)";
    }
    std::string text =
        "CPU (" + std::to_string(threads.intraOp) + (threads.intraOp == 1 ? " thread" : " threads");
    if (threads.blas != threads.intraOp) {
        text += ", BLAS " + std::to_string(threads.blas);
    }
    return text + ")";
}

std::string libtorchVersion() {
    return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
           std::to_string(TORCH_VERSION_PATCH);
}

}  // namespace layerlab
