// Shared by fault_test.cpp and checkpoint_writer.cpp: a small experiment and
// a synthetic dataset, so that checkpoint faults need no real MNIST.
#pragma once

#include <memory>
#include <string>

#include "layerlab/dataset.h"
#include "layerlab/experiment.h"

namespace layerlab::test {

// The seed preset on CPU, one thread: its checkpoint is ~26 MB (weights and
// momentum), so writing one takes long enough to be interrupted.
inline ExperimentSpec faultSpec() {
    ExperimentSpec spec =
        loadExperiment(std::string(LAYERLAB_SOURCE_DIR) + "/resources/presets/seed-dropout.json");
    spec.training.device = DeviceChoice::Cpu;
    spec.training.threads = 1;
    spec.training.momentum = 0.9;
    spec.training.trainLimit = 0;
    spec.training.validationLimit = 0;
    spec.training.validation = ValidationSource::TestSet;
    spec.training.epochs = 1;
    return spec;
}

// `count` 28x28 images of noise per split with labels 0..9 in turn.
inline std::shared_ptr<const Dataset> syntheticMnist(int count) {
    auto data = std::make_shared<Dataset>();
    data->kind = DatasetKind::Mnist;
    data->directory = "synthetic";
    uint32_t state = 12345;
    for (DatasetSplit* split : {&data->train, &data->test}) {
        split->images.count = count;
        split->images.rows = 28;
        split->images.cols = 28;
        split->images.pixels.resize(size_t(count) * 28 * 28);
        for (uint8_t& pixel : split->images.pixels) {
            state = state * 1664525u + 1013904223u;  // a fixed LCG: same data every run
            pixel = uint8_t(state >> 24);
        }
        for (int i = 0; i < count; ++i) {
            split->labels.push_back(uint8_t(i % 10));
        }
    }
    return data;
}

}  // namespace layerlab::test
