// Helper for Faults.KillDuringCheckpointWriteKeepsThePreviousOne: trains the
// seed network on synthetic data for ever, writing CHECKPOINT at the end of
// every epoch of one image, until it is killed.
// Usage: checkpoint_writer CHECKPOINT

#include <cstdio>

#include "fault_support.h"
#include "layerlab/trainer.h"

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: checkpoint_writer CHECKPOINT\n");
        return 2;
    }
    layerlab::ExperimentSpec spec = layerlab::test::faultSpec();
    spec.training.epochs = 1'000'000;
    // One image per epoch: the time goes into writing checkpoints, where
    // the kills are meant to land.
    spec.training.trainLimit = 1;
    spec.training.validationLimit = 1;
    layerlab::TrainerOptions options;
    options.checkpointFile = argv[1];
    layerlab::Trainer trainer(spec, layerlab::test::syntheticMnist(/*count=*/64), options);
    layerlab::TrainingObserver quiet;
    const layerlab::RunSummary summary = trainer.run(quiet);
    std::fprintf(stderr, "checkpoint_writer: %s\n", summary.message.c_str());
    return 1;
}
