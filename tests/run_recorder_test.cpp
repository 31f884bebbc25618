#include "layerlab/run_recorder.h"

#include <gtest/gtest.h>

#include <utility>

#include <unistd.h>
#include <vector>

#include "layerlab/errors.h"
#include "test_support.h"

namespace layerlab {
namespace {

// Epoch 1 of a two-class run, two steps long.
EpochMetrics firstEpoch(double accuracy, double loss, double seconds, double samplesPerSecond,
                        std::vector<int64_t> confusion) {
    EpochMetrics epoch;
    epoch.epoch = 1;
    epoch.step = 2;
    epoch.validationAccuracy = accuracy;
    epoch.validationLoss = loss;
    epoch.epochSeconds = seconds;
    epoch.trainSeconds = seconds;
    epoch.samplesPerSecond = samplesPerSecond;
    epoch.numClasses = 2;
    epoch.confusion = std::move(confusion);
    return epoch;
}

TEST(RunRecorder, SpeedIsEveryImageOverAllTrainingTime) {
    // 3,000 images in 30 s, then 3,000 in 10 s: 150 images/s over the run,
    // where the mean of the epochs' rates (100 and 300) said 200.
    test::TempDir dir;
    ExperimentSpec spec;
    spec.model.layers = {defaultLayer(LayerKind::Dense)};
    {
        RunRecorder recorder(dir / "run", spec);
        recorder.onStart(RunStart{});
        EpochMetrics slow = firstEpoch(0.5, 1.5, 30, 100, {1, 0, 0, 1});
        EpochMetrics fast = firstEpoch(0.6, 1.2, 10, 300, {1, 0, 0, 1});
        fast.epoch = 2;
        fast.step = 4;
        recorder.onEpoch(slow);
        recorder.onEpoch(fast);
        RunSummary summary;
        summary.epochs = {slow, fast};
        recorder.onFinish(summary);
    }
    const std::string summary = test::readFile(dir / "run/summary.json");
    EXPECT_NE(summary.find("\"samples_per_second\": 150.0"), std::string::npos) << summary;
    EXPECT_NE(summary.find("\"seconds_per_epoch\": 20.0"), std::string::npos) << summary;
}

TEST(RunRecorder, WritesConfigMetricsAndSummary) {
    test::TempDir dir;
    ExperimentSpec spec;
    spec.name = "tiny";
    spec.model.layers = {defaultLayer(LayerKind::Dense)};
    spec.model.layers[0].units = 10;
    {
        RunRecorder recorder(dir / "run", spec);
        RunStart start;
        start.device = "cpu";
        start.trainSamples = 128;
        recorder.onStart(start);
        recorder.onSteps({{1, 1, 1, 2.5, 0.125, 0.1}, {2, 1, 2, 2.0, 0.25, 0.2}});
        const EpochMetrics epoch = firstEpoch(0.5, 1.5, 4, 64, {3, 1, 2, 4});
        recorder.onEpoch(epoch);
        RunSummary summary;
        summary.epochs = {epoch};
        recorder.onFinish(summary);
    }
    EXPECT_NE(test::readFile(dir / "run/config.json").find("\"name\": \"tiny\""),
              std::string::npos);
    EXPECT_EQ(test::readFile(dir / "run/metrics.csv"),
              "step,epoch,loss,acc,val_loss,val_acc,seconds\n"
              "1,1,2.5,0.125,,,0.1\n"
              "2,1,2,0.25,,,0.2\n"
              "2,1,,,1.5,0.5,0\n");
    const std::string summary = test::readFile(dir / "run/summary.json");
    for (const char* field : {"\"val_accuracy\": 0.5", "\"val_loss\": 1.5", "\"epochs\": 1",
                              "\"seconds_per_epoch\": 4.0", "\"samples_per_second\": 64.0",
                              "\"device\": \"cpu\"", "\"seed\": 1", "\"libtorch\""}) {
        EXPECT_NE(summary.find(field), std::string::npos) << field << " in\n" << summary;
    }
    EXPECT_FALSE(std::filesystem::exists(dir / "run/summary.json.tmp"));
}

TEST(RunRecorder, NewRunNamesAreOneHarmlessFolderName) {
    ExperimentSpec spec;
    for (const auto& [name, start] :
         std::vector<std::pair<std::string, std::string>>{{"../../etc/evil", "etc-evil-"},
                                                          {"..", "run-"},
                                                          {".hidden", "hidden-"},
                                                          {"a\\b\nc", "a-b-c-"},
                                                          {"", "run-"},
                                                          {"mnist dropout", "mnist dropout-"}}) {
        spec.name = name;
        const std::string folder = newRunName(spec);
        EXPECT_EQ(folder.rfind(start, 0), 0u) << name << " -> " << folder;
        EXPECT_EQ(folder.find('/'), std::string::npos) << folder;
    }
}

TEST(RunRecorder, RefusesAFolderItCannotCreate) {
    test::TempDir dir;
    test::writeFile(dir / "file", "x");
    EXPECT_THROW(RunRecorder(dir / "file/run", ExperimentSpec{}), Error);
}

TEST(RunRecorder, OneWriterPerFolderAndTheLockGoesWithIt) {
    test::TempDir dir;
    const std::filesystem::path run = dir / "run";
    EXPECT_FALSE(runIsBeingWritten(run));
    {
        const RunRecorder writer(run, ExperimentSpec{});
        EXPECT_TRUE(runIsBeingWritten(run));
        try {
            RunRecorder second(run, ExperimentSpec{}, RunRecorder::Mode::Resume);
            ADD_FAILURE() << "a second writer was let in";
        } catch (const Error& e) {
            EXPECT_NE(std::string(e.what()).find("already being written"), std::string::npos)
                << e.what();
        }
    }
    // Gone with its recorder, as with a killed process: a summary that still
    // says "running" then belongs to a run nobody writes.
    EXPECT_FALSE(runIsBeingWritten(run));
    EXPECT_NO_THROW(RunRecorder(run, ExperimentSpec{}, RunRecorder::Mode::Resume));
}

TEST(RunRecorder, LockFileNamesItsWriterForOtherMachines) {
    test::TempDir dir;
    const std::filesystem::path run = dir / "run";
    const std::filesystem::path lock = run / ".lock";
    {
        const RunRecorder writer(run, ExperimentSpec{});
        std::string who;
        EXPECT_TRUE(runIsBeingWritten(run, &who));
        EXPECT_EQ(who, "process " + std::to_string(::getpid()) + " on this machine");
    }
    EXPECT_EQ(std::filesystem::file_size(lock), 0u);  // ended: names nobody

    // A run folder synced from a GPU box: its lock cannot be seen from here,
    // only the name it left, so it counts as written there.
    test::writeFile(lock, "gpu-box 4242\n");
    std::string who;
    EXPECT_TRUE(runIsBeingWritten(run, &who));
    EXPECT_NE(who.find("process 4242 on gpu-box (if that run was killed, delete"),
              std::string::npos)
        << who;
}

TEST(RunRecorder, ResumeKeepsEarlierEpochsAndDropsTheCutShortOne) {
    test::TempDir dir;
    ExperimentSpec spec;
    spec.name = "resumed";
    EpochMetrics first;
    first.epoch = 1;
    first.step = 2;
    first.validationAccuracy = 0.5;
    first.epochSeconds = 3;
    first.seconds = 2.5;
    {
        // The first process: epoch 1 whole, then killed two steps into epoch 2.
        RunRecorder recorder(dir / "run", spec);
        recorder.onStart(RunStart{});
        recorder.onSteps({{1, 1, 1, 2.5, 0.125, 1}, {2, 1, 2, 2.0, 0.25, 2}});
        recorder.onEpoch(first);
        recorder.onSteps({{3, 2, 1, 1.5, 0.5, 4}, {4, 2, 2, 1.25, 0.5, 5}});
    }
    EXPECT_NE(test::readFile(dir / "run/summary.json").find("\"outcome\": \"running\""),
              std::string::npos);
    {
        // A resume whose checkpoint does not load never starts: the folder's
        // experiment stays as it was.
        ExperimentSpec longer = spec;
        longer.training.epochs = 9;
        RunRecorder failed(dir / "run", longer, RunRecorder::Mode::Resume);
    }
    EXPECT_EQ(loadExperiment(dir / "run/config.json").training.epochs, spec.training.epochs);
    {
        RunRecorder recorder(dir / "run", spec, RunRecorder::Mode::Resume);
        RunStart start;
        start.firstEpoch = 2;
        recorder.onStart(start);
        // The trainer's clock goes on from the checkpoint's.
        recorder.onSteps({{3, 2, 1, 1.0, 0.75, 3}});
        EpochMetrics second;
        second.epoch = 2;
        second.step = 3;
        second.validationAccuracy = 0.75;
        second.epochSeconds = 1;
        second.seconds = 3.5;
        recorder.onEpoch(second);
        RunSummary summary;
        summary.epochs = {second};
        recorder.onFinish(summary);
    }
    EXPECT_EQ(test::readFile(dir / "run/metrics.csv"),
              "step,epoch,loss,acc,val_loss,val_acc,seconds\n"
              "1,1,2.5,0.125,,,1\n"
              "2,1,2,0.25,,,2\n"
              "2,1,,,0,0.5,2.5\n"
              "3,2,1,0.75,,,3\n"
              "3,2,,,0,0.75,3.5\n");
    const std::string summary = test::readFile(dir / "run/summary.json");
    for (const char* field : {"\"epochs\": 2", "\"val_accuracy\": 0.75",
                              "\"seconds_per_epoch\": 2.0", "\"outcome\": \"completed\""}) {
        EXPECT_NE(summary.find(field), std::string::npos) << field << " in\n" << summary;
    }
}

// Stopped again before the resumed process finished an epoch: the run's
// results are still those of its last finished epoch.
TEST(RunRecorder, StoppedRightAfterAResumeKeepsTheRunsResults) {
    test::TempDir dir;
    ExperimentSpec spec;
    spec.name = "twice-stopped";
    spec.training.epochs = 3;
    const EpochMetrics first = firstEpoch(0.625, 0.75, 3, 640, {3, 1, 0, 4});
    RunSummary stopped;
    stopped.outcome = RunOutcome::Stopped;
    {
        RunRecorder recorder(dir / "run", spec);
        recorder.onStart(RunStart{});
        recorder.onEpoch(first);
        stopped.epochs = {first};
        recorder.onFinish(stopped);
    }
    {
        RunRecorder recorder(dir / "run", spec, RunRecorder::Mode::Resume);
        RunStart start;
        start.firstEpoch = 2;
        recorder.onStart(start);
        recorder.onSteps({{3, 2, 1, 1.0, 0.75, 4}});
        stopped.epochs.clear();
        recorder.onFinish(stopped);
    }
    const std::string summary = test::readFile(dir / "run/summary.json");
    for (const char* field : {"\"val_accuracy\": 0.625", "\"val_loss\": 0.75",
                              "\"samples_per_second\": 640.0", "\"outcome\": \"stopped\"",
                              "\"epochs\": 1", "\"confusion_matrix\": [\n    [\n      3,"}) {
        EXPECT_NE(summary.find(field), std::string::npos) << field << " in\n" << summary;
    }
}

}  // namespace
}  // namespace layerlab
