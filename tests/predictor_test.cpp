// Inference outside the trainer: from weight snapshots of a run in
// progress and from a finished run's folder.
#include "layerlab/predictor.h"

#include <gtest/gtest.h>

#include <map>

#include "layerlab/errors.h"
#include "layerlab/run_recorder.h"
#include "layerlab/trainer.h"
#include "test_support.h"

namespace layerlab {
namespace {

const std::string kPresetDir = std::string(LAYERLAB_SOURCE_DIR) + "/resources/presets/";

ExperimentSpec quickRun() {
    ExperimentSpec spec = loadExperiment(kPresetDir + "seed-dropout.json");
    spec.training.trainLimit = 1280;
    spec.training.validationLimit = 200;
    spec.training.epochs = 1;
    spec.training.momentum = 0.9;
    spec.training.device = DeviceChoice::Cpu;
    spec.training.threads = 1;
    return spec;
}

std::vector<float> testImages(const Dataset& data, int count) {
    const auto& pixels = data.test.images.pixels;
    std::vector<float> images(size_t(count) * 28 * 28);
    for (size_t i = 0; i < images.size(); ++i) {
        images[i] = float(pixels[i]) / 255.0f;
    }
    return images;
}

struct EpochKeeper : TrainingObserver {
    void onEpoch(const EpochMetrics& e) override { last = e; }
    EpochMetrics last;
};

TEST(Predictor, SnapshotGivesTheTrainersPredictions) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    TrainerOptions options;
    options.snapshotEvery = 5;
    Trainer trainer(quickRun(), data, options);
    EXPECT_EQ(trainer.latestWeights(), nullptr);
    EpochKeeper epoch;
    ASSERT_EQ(trainer.run(epoch).outcome, RunOutcome::Completed);
    const auto weights = trainer.latestWeights();
    ASSERT_NE(weights, nullptr);

    Predictor predictor(quickRun(), 10);
    predictor.load(*weights);
    const std::vector<Prediction> predictions = predictor.predict(testImages(*data, 200), 200);
    ASSERT_EQ(predictions.size(), 200u);
    for (size_t i = 0; i < predictions.size(); ++i) {
        EXPECT_EQ(predictions[i].label, epoch.last.predictedLabels[i]) << "image " << i;
        EXPECT_NEAR(predictions[i].probability, epoch.last.predictedProbabilities[i], 1e-4);
    }
    float sum = 0;
    for (float p : predictions[0].probabilities) {
        sum += p;
    }
    EXPECT_NEAR(sum, 1.0f, 1e-5);
}

// Reads the trainer's snapshot at chosen steps, as the canvas does while a
// run trains, and stops the run at another.
struct SnapshotReader : TrainingObserver {
    explicit SnapshotReader(Trainer& t) : trainer(t) {}
    void onSteps(const std::vector<StepMetrics>& steps) override {
        for (const StepMetrics& step : steps) {
            if (step.step == 7 || step.step == 12) {
                read[step.step] = trainer.latestWeights();
            }
            if (step.step == 13) {
                trainer.requestStop();
            }
        }
    }
    Trainer& trainer;
    std::map<int64_t, std::shared_ptr<const ModelWeights>> read;
};

TEST(Predictor, SnapshotsComeWhenAskedForAndAtTheStop) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    TrainerOptions options;
    options.snapshotEvery = 5;
    options.reportEvery = 1;
    Trainer trainer(quickRun(), data, options);
    SnapshotReader reader(trainer);
    ASSERT_EQ(trainer.run(reader).outcome, RunOutcome::Stopped);
    // Step 5's snapshot is there at step 7; asked for then, step 10 takes a
    // new one; and the stop at step 13 publishes what the run ended with.
    ASSERT_NE(reader.read[7], nullptr);
    ASSERT_NE(reader.read[12], nullptr);
    EXPECT_NE(reader.read[12], reader.read[7]);
    EXPECT_NE(trainer.latestWeights(), reader.read[12]);
}

TEST(Predictor, LoadsAFinishedRunFolder) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    test::TempDir dir;
    const ExperimentSpec spec = quickRun();
    EpochKeeper epoch;
    {
        RunRecorder recorder(dir / "run", spec);
        TrainerOptions options;
        options.checkpointFile = recorder.checkpointFile();
        struct Both : TrainingObserver {
            Both(TrainingObserver& a, TrainingObserver& b) : a(a), b(b) {}
            void onStart(const RunStart& s) override { a.onStart(s), b.onStart(s); }
            void onSteps(const std::vector<StepMetrics>& s) override { a.onSteps(s); }
            void onEpoch(const EpochMetrics& e) override { a.onEpoch(e), b.onEpoch(e); }
            void onFinish(const RunSummary& s) override { a.onFinish(s); }
            TrainingObserver& a;
            TrainingObserver& b;
        } both(recorder, epoch);
        ASSERT_EQ(Trainer(spec, data, options).run(both).outcome, RunOutcome::Completed);
    }
    Predictor predictor = Predictor::fromRun(dir / "run");
    const std::vector<Prediction> predictions = predictor.predict(testImages(*data, 50), 50);
    for (size_t i = 0; i < predictions.size(); ++i) {
        EXPECT_EQ(predictions[i].label, epoch.last.predictedLabels[i]) << "image " << i;
    }

    // Opening the run later gives the matrix and predictions of its last epoch.
    const EpochMetrics again = validateNetwork(predictor, *data);
    EXPECT_EQ(again.confusion, epoch.last.confusion);
    EXPECT_EQ(again.predictedLabels, epoch.last.predictedLabels);
    ASSERT_EQ(again.predictedProbabilities.size(), 200u);
    EXPECT_NEAR(again.predictedProbabilities[7], epoch.last.predictedProbabilities[7], 1e-5);
    EXPECT_DOUBLE_EQ(again.validationAccuracy, epoch.last.validationAccuracy);
    EXPECT_NEAR(again.validationLoss, epoch.last.validationLoss, 1e-6);
}

TEST(Predictor, ValidationRangeFollowsTheSpec) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    ExperimentSpec spec = quickRun();
    ValidationRange range = validationRange(spec.training, *data);
    EXPECT_FALSE(range.fromTrain);
    EXPECT_EQ(range.first, 0);
    EXPECT_EQ(range.count, 200);
    spec.training.validation = ValidationSource::TrainTail;
    spec.training.validationLimit = 0;
    spec.training.trainLimit = 55000;
    range = validationRange(spec.training, *data);
    EXPECT_TRUE(range.fromTrain);
    EXPECT_EQ(range.first, 55000);
    EXPECT_EQ(range.count, 5000);
    spec.training.trainLimit = 0;
    EXPECT_THROW(validationRange(spec.training, *data), SpecError);
}

TEST(Predictor, RefusesWeightsOfAnotherArchitecture) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    TrainerOptions options;
    options.snapshotEvery = 1;
    ExperimentSpec spec = quickRun();
    spec.training.trainLimit = 64;
    Trainer trainer(spec, data, options);
    TrainingObserver ignore;
    trainer.run(ignore);

    ExperimentSpec other = quickRun();
    other.model.layers[4].units = 512;
    Predictor predictor(other, 10);
    try {
        predictor.load(*trainer.latestWeights());
        FAIL();
    } catch (const CheckpointError& e) {
        EXPECT_NE(std::string(e.what()).find("layer 5 is dense 1024 there but dense 512"),
                  std::string::npos)
            << e.what();
    }
}

TEST(Predictor, RefusesMissingAndBrokenCheckpoints) {
    test::TempDir dir;
    const ExperimentSpec spec = quickRun();
    saveExperiment(spec, dir / "config.json");
    EXPECT_THROW(Predictor::fromRun(dir.path()), CheckpointError);
    test::writeFile(dir / "checkpoint.pt", "");
    EXPECT_THROW(Predictor::fromRun(dir.path()), CheckpointError);
    test::writeFile(dir / "checkpoint.pt", "<html>not a checkpoint</html>");
    try {
        Predictor::fromRun(dir.path());
        FAIL();
    } catch (const CheckpointError& e) {
        EXPECT_NE(std::string(e.what()).find("checkpoint.pt: not a readable checkpoint"),
                  std::string::npos)
            << e.what();
    }
}

TEST(Predictor, RefusesTheWrongNumberOfValues) {
    Predictor predictor(quickRun(), 10);
    EXPECT_THROW(predictor.predict(std::vector<float>(100), 1), Error);
}

}  // namespace
}  // namespace layerlab
