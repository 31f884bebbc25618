// The trainer on the real MNIST: it learns, it is deterministic, and it
// stops, pauses and fails the way a user relies on.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "layerlab/errors.h"
#include "layerlab/run_recorder.h"
#include "layerlab/trainer.h"
#include "test_support.h"

namespace layerlab {
namespace {

const std::string kPresetDir = std::string(LAYERLAB_SOURCE_DIR) + "/resources/presets/";

// The seed network on a slice of MNIST, with momentum so that one short
// epoch is enough to learn: the test is about learning, not the schedule.
ExperimentSpec smallSeedRun(int64_t trainImages, int64_t validationImages = 2000) {
    ExperimentSpec spec = loadExperiment(kPresetDir + "seed-dropout.json");
    spec.training.trainLimit = trainImages;
    spec.training.validationLimit = validationImages;
    spec.training.epochs = 1;
    spec.training.momentum = 0.9;
    spec.training.device = DeviceChoice::Cpu;
    spec.training.threads = 1;
    return spec;
}

// Keeps everything a run reports, and can act at a given step.
class Recorder : public TrainingObserver {
public:
    void onStart(const RunStart& s) override { start = s; }
    void onSteps(const std::vector<StepMetrics>& s) override {
        steps.insert(steps.end(), s.begin(), s.end());
        if (atStep && steps.size() >= atStepCount) {
            atStep();
            atStep = nullptr;
        }
    }
    void onEpoch(const EpochMetrics& e) override { epochs.push_back(e); }
    void onNotice(const std::string& m) override { notices.push_back(m); }
    void onFinish(const RunSummary& s) override { finished = s; }

    RunStart start;
    std::vector<StepMetrics> steps;
    std::vector<EpochMetrics> epochs;
    std::vector<std::string> notices;
    RunSummary finished;
    size_t atStepCount = 0;
    std::function<void()> atStep;
};

TEST(Training, SeedNetworkLearnsMnistSubset) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    Trainer trainer(smallSeedRun(8000), data);
    Recorder recorder;
    const RunSummary summary = trainer.run(recorder);
    ASSERT_EQ(summary.outcome, RunOutcome::Completed) << summary.message;
    ASSERT_EQ(summary.epochs.size(), 1u);
    EXPECT_GT(summary.epochs[0].validationAccuracy, 0.85);
    EXPECT_EQ(recorder.start.stepsPerEpoch, 125);
    EXPECT_EQ(recorder.steps.size(), 125u);
    EXPECT_EQ(recorder.start.validationSamples, 2000);
    // The confusion matrix covers the whole validation set.
    int64_t total = 0;
    for (int64_t count : summary.epochs[0].confusion) {
        total += count;
    }
    EXPECT_EQ(total, 2000);
    EXPECT_LT(recorder.steps.back().loss, recorder.steps.front().loss);
}

// With the machine's own thread plan: on two cores, every layer's batch
// halved between two threads and the first layer fused (batch_halves.h,
// conv_pool.h).
TEST(Training, DefaultThreadPlanLearnsToo) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    ExperimentSpec spec = smallSeedRun(8000);
    spec.training.threads = 0;
    Recorder recorder;
    const RunSummary summary = Trainer(spec, data).run(recorder);
    ASSERT_EQ(summary.outcome, RunOutcome::Completed) << summary.message;
    EXPECT_GT(summary.epochs.at(0).validationAccuracy, 0.85);
}

// Batch normalization cannot train on one image: an epoch's last batch of
// one is left out with a notice, and a batch size of 1 is refused.
TEST(Training, BatchNormalizationNeverTrainsOnOneImage) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    ExperimentSpec spec = smallSeedRun(129, 100);
    LayerSpec norm;
    norm.kind = LayerKind::BatchNorm;
    spec.model.layers.insert(spec.model.layers.begin() + 1, norm);
    Recorder recorder;
    const RunSummary summary = Trainer(spec, data).run(recorder);
    ASSERT_EQ(summary.outcome, RunOutcome::Completed) << summary.message;
    EXPECT_EQ(recorder.start.stepsPerEpoch, 2);
    ASSERT_FALSE(recorder.notices.empty());
    EXPECT_NE(recorder.notices.back().find("last batch of 1"), std::string::npos);

    spec.training.batchSize = 1;
    Recorder refused;
    const RunSummary one = Trainer(spec, data).run(refused);
    EXPECT_EQ(one.outcome, RunOutcome::Failed);
    EXPECT_NE(one.message.find("batch normalization needs at least 2"), std::string::npos)
        << one.message;
}

TEST(Training, SameSeedGivesTheSameRunOnCpu) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    ExperimentSpec spec = smallSeedRun(640, 500);
    Recorder first;
    Recorder second;
    Trainer(spec, data).run(first);
    Trainer(spec, data).run(second);
    ASSERT_EQ(first.steps.size(), 10u);
    for (size_t i = 0; i < first.steps.size(); ++i) {
        EXPECT_EQ(first.steps[i].loss, second.steps[i].loss) << "step " << i + 1;
    }
    EXPECT_EQ(first.epochs[0].validationLoss, second.epochs[0].validationLoss);

    spec.training.seed = 2;
    Recorder other;
    Trainer(spec, data).run(other);
    EXPECT_NE(other.steps[0].loss, first.steps[0].loss);
}

// The GUI builds networks on other threads while a run trains (the canvas's
// Predictor, a validation pass); building one draws random numbers. The run
// must not notice: its dropout masks come from its own generator.
TEST(Training, NetworksBuiltMeanwhileLeaveTheRunAsItWas) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    ExperimentSpec spec = smallSeedRun(1280, 500);
    Recorder alone;
    Trainer(spec, data).run(alone);

    Recorder disturbed;
    std::atomic<bool> done{false};
    std::atomic<int> built{0};
    std::thread builder([&] {
        while (!done) {
            Predictor predictor(spec, 10);
            ++built;
        }
    });
    disturbed.atStepCount = 5;
    disturbed.atStep = [&] {
        // Make sure some were built while training, not only before.
        while (built < 3) {
            std::this_thread::yield();
        }
    };
    Trainer(spec, data).run(disturbed);
    done = true;
    builder.join();

    ASSERT_EQ(alone.steps.size(), disturbed.steps.size());
    for (size_t i = 0; i < alone.steps.size(); ++i) {
        EXPECT_EQ(alone.steps[i].loss, disturbed.steps[i].loss) << "step " << i + 1;
    }
    EXPECT_EQ(alone.epochs[0].validationLoss, disturbed.epochs[0].validationLoss);
}

TEST(Training, StopEndsTheRunEarly) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    Trainer trainer(smallSeedRun(6400), data, {{}, {}, /*reportEvery=*/1});
    Recorder recorder;
    recorder.atStepCount = 3;
    recorder.atStep = [&] { trainer.requestStop(); };
    const RunSummary summary = trainer.run(recorder);
    EXPECT_EQ(summary.outcome, RunOutcome::Stopped);
    EXPECT_LT(recorder.steps.size(), 10u);
    EXPECT_EQ(recorder.finished.outcome, RunOutcome::Stopped);
}

TEST(Training, PauseHoldsTheRunUntilResumed) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    ExperimentSpec spec = smallSeedRun(640, 100);
    Trainer trainer(spec, data, {{}, {}, /*reportEvery=*/1});
    Recorder recorder;
    recorder.atStepCount = 2;
    recorder.atStep = [&] { trainer.setPaused(true); };
    std::thread worker([&] { trainer.run(recorder); });
    while (!trainer.isPaused()) {
        std::this_thread::yield();
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    // Paused after step 2: at most the step already under way may finish.
    EXPECT_LE(recorder.steps.size(), 3u);
    trainer.setPaused(false);
    worker.join();
    EXPECT_EQ(recorder.finished.outcome, RunOutcome::Completed);
    EXPECT_EQ(recorder.steps.size(), 10u);
}

TEST(Training, DivergingLossStopsWithAMessageAndKeepsTheLastCheckpoint) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    test::TempDir dir;
    ExperimentSpec spec = smallSeedRun(1280, 200);
    spec.training.epochs = 3;
    spec.training.momentum = 0;
    // Clipping would tame the explosion this test provokes.
    spec.training.gradientClipNorm = 0;
    TrainerOptions options;
    options.checkpointFile = dir / "checkpoint.pt";
    // One sane epoch writes a checkpoint; then a learning rate of 10 diverges.
    {
        spec.training.epochs = 1;
        Recorder recorder;
        ASSERT_EQ(Trainer(spec, data, options).run(recorder).outcome, RunOutcome::Completed);
    }
    const auto sizeBefore = std::filesystem::file_size(options.checkpointFile);
    const auto timeBefore = std::filesystem::last_write_time(options.checkpointFile);
    spec.training.learningRate = 10;
    spec.training.epochs = 3;
    Recorder recorder;
    const RunSummary summary = Trainer(spec, data, options).run(recorder);
    EXPECT_EQ(summary.outcome, RunOutcome::Failed);
    EXPECT_NE(summary.message.find("the loss diverged"), std::string::npos) << summary.message;
    EXPECT_NE(summary.message.find("Lower the learning rate (now 10)"), std::string::npos)
        << summary.message;
    EXPECT_EQ(std::filesystem::file_size(options.checkpointFile), sizeBefore);
    EXPECT_EQ(std::filesystem::last_write_time(options.checkpointFile), timeBefore);
}

TEST(Training, InvalidExperimentFailsBeforeTraining) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    ExperimentSpec spec = smallSeedRun(640);
    spec.model.layers[0].kernel = 40;
    Recorder recorder;
    const RunSummary summary = Trainer(spec, data).run(recorder);
    EXPECT_EQ(summary.outcome, RunOutcome::Failed);
    EXPECT_NE(summary.message.find("layer 1 (conv2d): field 'kernel'"), std::string::npos)
        << summary.message;
    EXPECT_TRUE(recorder.steps.empty());
}

TEST(Training, AutoDeviceFallsBackToCpuWithANotice) {
    if (cudaAvailable()) {
        GTEST_SKIP() << "this machine has CUDA; the fallback cannot be seen here";
    }
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    ExperimentSpec spec = smallSeedRun(128, 100);
    spec.training.device = DeviceChoice::Auto;
    Recorder recorder;
    EXPECT_EQ(Trainer(spec, data).run(recorder).outcome, RunOutcome::Completed);
    ASSERT_GE(recorder.notices.size(), 1u);
    EXPECT_NE(recorder.notices[0].find("training on the CPU"), std::string::npos);
    EXPECT_EQ(recorder.start.device, "cpu");
}

TEST(Training, CudaAskedForByNameRefusesToRunWithoutIt) {
    if (cudaAvailable()) {
        GTEST_SKIP() << "this machine has CUDA";
    }
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    ExperimentSpec spec = smallSeedRun(128);
    spec.training.device = DeviceChoice::Cuda;
    Recorder recorder;
    const RunSummary summary = Trainer(spec, data).run(recorder);
    EXPECT_EQ(summary.outcome, RunOutcome::Failed);
    EXPECT_NE(summary.message.find("field 'device' is \"cuda\""), std::string::npos)
        << summary.message;
    EXPECT_TRUE(recorder.steps.empty());
}

}  // namespace
}  // namespace layerlab
