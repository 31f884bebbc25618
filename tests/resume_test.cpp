// Crash-safe checkpoints: a run killed mid-epoch and resumed from its last
// checkpoint ends exactly where an uninterrupted run of the same seed ends.
#include <gtest/gtest.h>

#include "checkpoint.h"
#include "layerlab/run_recorder.h"
#include "layerlab/trainer.h"
#include "network.h"
#include "test_support.h"

namespace layerlab {
namespace {

const std::string kPresetDir = std::string(LAYERLAB_SOURCE_DIR) + "/resources/presets/";

// The seed network with dropout on (so the dropout masks' generator
// matters), two short epochs on the CPU.
ExperimentSpec twoEpochSeedRun() {
    ExperimentSpec spec = loadExperiment(kPresetDir + "seed-dropout.json");
    spec.training.trainLimit = 640;
    spec.training.validationLimit = 200;
    spec.training.epochs = 2;
    spec.training.momentum = 0.9;
    spec.training.device = DeviceChoice::Cpu;
    spec.training.threads = 1;
    return spec;
}

// Stops the trainer once `stopAfter` steps have been reported: the "crash".
class CrashAt : public TrainingObserver {
public:
    CrashAt(Trainer& trainer, int64_t stopAfter) : m_trainer(trainer), m_stopAfter(stopAfter) {}
    void onSteps(const std::vector<StepMetrics>& steps) override {
        if (!steps.empty() && steps.back().step >= m_stopAfter) {
            m_trainer.requestStop();
        }
    }
    void onEpoch(const EpochMetrics& epoch) override { lastEpochSeconds = epoch.seconds; }

    double lastEpochSeconds = 0;

private:
    Trainer& m_trainer;
    int64_t m_stopAfter;
};

std::vector<std::pair<std::string, torch::Tensor>> weightsOf(const ExperimentSpec& spec,
                                                             const std::filesystem::path& file) {
    SpecNetwork network = buildNetwork(spec.model, /*numClasses=*/10);
    torch::optim::SGD unused(network->parameters(), torch::optim::SGDOptions(0.1));
    loadCheckpoint(file, spec.model, network, unused, torch::kCPU);
    std::vector<std::pair<std::string, torch::Tensor>> weights;
    for (const auto& item : network->named_parameters()) {
        weights.emplace_back(item.key(), item.value().detach().clone());
    }
    return weights;
}

TEST(Resume, AfterACrashEndsWithTheWeightsOfAnUninterruptedRun) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    test::TempDir dir;
    const ExperimentSpec spec = twoEpochSeedRun();

    TrainerOptions uninterrupted;
    uninterrupted.checkpointFile = dir / "uninterrupted.pt";
    TrainingObserver quiet;
    const RunSummary reference = Trainer(spec, data, uninterrupted).run(quiet);
    ASSERT_EQ(reference.outcome, RunOutcome::Completed) << reference.message;

    // Killed three steps into epoch 2: its checkpoint is the one of epoch 1,
    // and the steps after it drew dropout masks the checkpoint never saw.
    TrainerOptions crashing;
    crashing.checkpointFile = dir / "crashed.pt";
    crashing.reportEvery = 1;
    double checkpointSeconds = 0;
    {
        Trainer trainer(spec, data, crashing);
        CrashAt crash(trainer, /*stopAfter=*/10 + 3);
        ASSERT_EQ(trainer.run(crash).outcome, RunOutcome::Stopped);
        checkpointSeconds = crash.lastEpochSeconds;
    }
    ASSERT_GT(checkpointSeconds, 0);

    TrainerOptions resuming;
    resuming.checkpointFile = dir / "crashed.pt";
    resuming.resumeFrom = dir / "crashed.pt";
    const RunSummary resumed = Trainer(spec, data, resuming).run(quiet);
    ASSERT_EQ(resumed.outcome, RunOutcome::Completed) << resumed.message;
    ASSERT_EQ(resumed.epochs.size(), 1u);
    EXPECT_EQ(resumed.epochs[0].epoch, 2);
    EXPECT_EQ(resumed.epochs[0].step, 20);
    EXPECT_EQ(resumed.epochs[0].validationLoss, reference.epochs.back().validationLoss);
    // The run's clock continues from the checkpoint's.
    EXPECT_GT(resumed.epochs[0].seconds, checkpointSeconds);
    EXPECT_GE(resumed.seconds, resumed.epochs[0].seconds);

    const auto expected = weightsOf(spec, uninterrupted.checkpointFile);
    const auto actual = weightsOf(spec, resuming.checkpointFile);
    ASSERT_EQ(expected.size(), actual.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        EXPECT_TRUE(torch::equal(expected[i].second, actual[i].second))
            << expected[i].first << " differs after the resume";
    }
}

TEST(Resume, CheckpointOfAnotherNetworkIsRefusedNamingTheLayer) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    test::TempDir dir;
    ExperimentSpec spec = twoEpochSeedRun();
    spec.training.epochs = 1;
    TrainerOptions options;
    options.checkpointFile = dir / "checkpoint.pt";
    TrainingObserver quiet;
    ASSERT_EQ(Trainer(spec, data, options).run(quiet).outcome, RunOutcome::Completed);

    spec.model.layers[0].filters = 16;
    spec.training.epochs = 2;
    options.resumeFrom = options.checkpointFile;
    const RunSummary summary = Trainer(spec, data, options).run(quiet);
    EXPECT_EQ(summary.outcome, RunOutcome::Failed);
    EXPECT_NE(summary.message.find("layer 1 is conv2d 32"), std::string::npos) << summary.message;
}

}  // namespace
}  // namespace layerlab
