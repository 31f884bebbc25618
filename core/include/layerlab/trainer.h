#pragma once

#include <atomic>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "layerlab/dataset.h"
#include "layerlab/experiment.h"
#include "layerlab/predictor.h"

namespace layerlab {

// What a run settled on once it started; sent once, before the first step.
struct RunStart {
    std::string device;      // "cpu" or "cuda:0"
    std::string deviceName;  // "CPU (2 threads)" or the GPU's name
    int threads = 1;
    int64_t trainSamples = 0;
    int64_t validationSamples = 0;
    int64_t stepsPerEpoch = 0;
    int64_t totalSteps = 0;
    int epochs = 0;
    int firstEpoch = 1;  // greater than 1 when resuming
    std::string libtorchVersion;
    // Where the validation images are in the dataset: the test split, or
    // the training split from validationFirst on.
    bool validationFromTrain = false;
    int64_t validationFirst = 0;
};

// One optimizer step. Loss and accuracy are of that step's batch.
struct StepMetrics {
    int64_t step = 0;  // 1-based, counted across epochs
    int epoch = 0;     // 1-based
    int64_t stepInEpoch = 0;
    double loss = 0;
    double accuracy = 0;
    double seconds = 0;  // since the run started
};

struct EpochMetrics {
    int epoch = 0;
    int64_t step = 0;
    double trainLoss = 0;  // mean over the epoch's steps
    double trainAccuracy = 0;
    double validationLoss = 0;
    double validationAccuracy = 0;
    double seconds = 0;           // since the run started
    double epochSeconds = 0;      // this epoch, training and validation
    double trainSeconds = 0;      // this epoch, training only
    double samplesPerSecond = 0;  // training throughput, validation excluded
    int numClasses = 0;
    // confusion[true * numClasses + predicted], over the validation set
    std::vector<int64_t> confusion;
    // Per validation image, in order: the predicted class and its probability.
    std::vector<uint8_t> predictedLabels;
    std::vector<float> predictedProbabilities;
};

enum class RunOutcome { Completed, Stopped, Failed };

struct RunSummary {
    RunOutcome outcome = RunOutcome::Completed;
    std::string message;  // why it stopped or failed
    std::vector<EpochMetrics> epochs;
    double seconds = 0;
};

// Receives a run's progress. Called on the training thread: an
// implementation that feeds a GUI copies the values and returns quickly.
class TrainingObserver {
public:
    virtual ~TrainingObserver() = default;
    virtual void onStart(const RunStart& start) { (void)start; }
    // Steps arrive in small batches: reading metrics back every few steps
    // keeps the device from waiting on the host.
    virtual void onSteps(const std::vector<StepMetrics>& steps) { (void)steps; }
    virtual void onEpoch(const EpochMetrics& epoch) { (void)epoch; }
    // Something the user should know that does not stop the run.
    virtual void onNotice(const std::string& message) { (void)message; }
    virtual void onFinish(const RunSummary& summary) { (void)summary; }
};

struct TrainerOptions {
    // Where to write checkpoint.pt at every epoch end; empty: none.
    std::filesystem::path checkpointFile;
    // A checkpoint to continue from; its epochs are not trained again.
    std::filesystem::path resumeFrom;
    // Steps between metric read-backs; 0 picks one for the device.
    int reportEvery = 0;
    // Steps between weight snapshots for latestWeights(); 0: none. A
    // snapshot copies every weight once (~13 MB for the seed network), so
    // after the first one is taken only when latestWeights() was called
    // since the last; one is also taken at each epoch's end and at a stop.
    int snapshotEvery = 0;
};

class Trainer {
public:
    Trainer(ExperimentSpec spec, std::shared_ptr<const Dataset> data, TrainerOptions options = {});
    ~Trainer();
    Trainer(const Trainer&) = delete;
    Trainer& operator=(const Trainer&) = delete;

    // Trains on the calling thread until done, stopped or failed; reports to
    // `observer`, including a final onFinish. Throws only for misuse; faults
    // in the run (bad spec, NaN loss, out of memory) end in a Failed summary.
    RunSummary run(TrainingObserver& observer);

    // Safe from any thread while run() is going on.
    void requestStop();
    void setPaused(bool paused);
    bool isPaused() const;

    // The newest weight snapshot (see TrainerOptions::snapshotEvery), or
    // null before the first; asks for a fresh one within snapshotEvery
    // steps. Safe from any thread.
    std::shared_ptr<const ModelWeights> latestWeights() const;

private:
    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

// Where a run's validation images are: the test split, or the training
// split's images after the first train_limit (TFlearn's 55,000 / 5,000
// split). Throws SpecError when the spec leaves none.
struct ValidationRange {
    bool fromTrain = false;
    int64_t first = 0;  // index in that split of validation image 0
    int64_t count = 0;
};
ValidationRange validationRange(const TrainingSpec& training, const Dataset& data);

// The validation pass a trainer makes at an epoch's end, made by a finished
// network (a run opened from disk, or a weight snapshot on demand): fills
// an EpochMetrics' validation loss and accuracy, numClasses, the confusion
// matrix and the per-image predictions; epoch and timings stay 0.
EpochMetrics validateNetwork(Predictor& predictor, const Dataset& data);

// The device `choice` resolves to here, with a notice when `auto` or `cuda`
// falls back to the CPU.
struct DeviceResolution {
    bool cuda = false;
    std::string notice;
};
DeviceResolution resolveDevice(DeviceChoice choice);
bool cudaAvailable();
std::string cudaUnavailableReason();

// The number of CPU threads a run uses when the experiment says 0.
int defaultThreadCount();

// The CPU threads of a run: LibTorch's own (OpenMP, for convolutions and
// element-wise work) and the BLAS library's pool (the matrix products).
// `requested` > 0 sets both; 0 picks them for this machine (see device.cpp).
struct ThreadPlan {
    int intraOp = 1;
    int blas = 1;
    // Convolutions split each batch between two threads (batch_halves.h).
    bool halveBatches = false;
};
ThreadPlan threadPlan(int requested);

std::string libtorchVersion();

}  // namespace layerlab
