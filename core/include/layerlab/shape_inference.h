#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "layerlab/experiment.h"

namespace layerlab {

// The shape of one sample between layers: an image (H×W×C) or a vector.
struct TensorShape {
    bool isImage = true;
    int height = 0;
    int width = 0;
    int channels = 0;
    int64_t size() const { return isImage ? int64_t(height) * width * channels : channels; }
    std::string toString() const;  // "28x28x32" or "1024"
};

struct LayerReport {
    TensorShape input;
    TensorShape output;
    int64_t parameters = 0;
    int64_t flops = 0;        // forward pass, one sample, a multiply-add counted as 2
    int64_t activations = 0;  // values this layer keeps for the backward pass
    // Empty when valid; "layer 3 (conv2d): field 'kernel': ..." otherwise.
    std::string error;
    // The same without the "layer 3 (conv2d): " prefix, for display beside the layer.
    std::string problem;
    // Whether the output (and parameters) are known: also true past an error
    // that does not change the shape, such as a bad dropout rate.
    bool shapeKnown = false;
};

struct ModelReport {
    std::vector<LayerReport> layers;
    std::vector<std::string> errors;  // every problem, each naming its layer and field
    int64_t totalParameters = 0;
    int64_t totalFlops = 0;
    // Rough training memory for one batch: weights, gradients, optimizer
    // state and the activations kept for backward.
    int64_t estimatedTrainingBytes = 0;
    bool ok() const { return errors.empty(); }
    // The index of the first invalid layer, or -1.
    int firstInvalidLayer() const;
};

// Checks the network and the training settings without touching LibTorch:
// every layer's fields, the shapes flowing through, and that the last layer
// gives one value per class. Works layer by layer past an error where a shape
// can still be known, so a user sees every problem at once.
ModelReport inspectModel(const ModelSpec& model, int numClasses, int batchSize = 64);

// Errors in the training section (learning rate, batch size, ...), each
// naming its field.
std::vector<std::string> validateTraining(const TrainingSpec& training);

// Model and training errors together, plus an unknown dataset.
std::vector<std::string> validateExperiment(const ExperimentSpec& spec);

// The layer table `layerlab-cli validate` prints.
std::string formatLayerTable(const ModelSpec& model, const ModelReport& report);

}  // namespace layerlab
