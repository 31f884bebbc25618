#pragma once

#include <filesystem>
#include <memory>
#include <vector>

#include "layerlab/experiment.h"

namespace layerlab {

// An immutable copy of a network's weights, taken by the trainer between
// steps. Readers on other threads use it without ever touching the model
// the trainer is updating. Its contents are the engine's business.
class ModelWeights;
struct Dataset;
struct EpochMetrics;

struct Prediction {
    int label = -1;
    float probability = 0;             // of `label`
    std::vector<float> probabilities;  // one per class
};

// Runs a network for inference: from a run folder, a checkpoint, or weight
// snapshots of a run in progress. Not thread-safe: give each thread its own.
class Predictor {
public:
    Predictor(const ExperimentSpec& spec, int numClasses);
    ~Predictor();
    Predictor(Predictor&&) noexcept;
    Predictor& operator=(Predictor&&) noexcept;

    // config.json and checkpoint.pt of a run folder. Throws CheckpointError
    // or SpecError naming the file.
    static Predictor fromRun(const std::filesystem::path& runDirectory);
    static Predictor fromCheckpoint(const ExperimentSpec& spec,
                                    const std::filesystem::path& checkpoint);

    // Takes the weights of a snapshot; a snapshot of another architecture
    // is refused with CheckpointError.
    void load(const ModelWeights& weights);

    // `pixels`: count images of the model's input size, row-major, values
    // in [0, 1] as in training (ink bright on dark, like MNIST).
    std::vector<Prediction> predict(const std::vector<float>& pixels, int count);
    Prediction predictOne(const std::vector<float>& pixels);

    const ExperimentSpec& spec() const;

private:
    // Declared in trainer.h: runs this network over a dataset's validation
    // images in batches, as the trainer does.
    friend EpochMetrics validateNetwork(Predictor& predictor, const Dataset& data);

    struct Impl;
    std::unique_ptr<Impl> m_impl;
};

}  // namespace layerlab
