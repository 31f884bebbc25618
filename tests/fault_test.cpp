// Faults a user meets with checkpoints and runs: broken or foreign
// checkpoint files, a diverging loss, a device out of memory, and a process
// killed while it writes a checkpoint. Each ends in a message, never a crash,
// and never costs the last good checkpoint.

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <torch/serialize.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <random>
#include <thread>

#include "fault_support.h"
#include "layerlab/errors.h"
#include "layerlab/predictor.h"
#include "layerlab/run_recorder.h"
#include "layerlab/trainer.h"
#include "test_support.h"

extern char** environ;

namespace layerlab {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

struct Finish : TrainingObserver {
    void onFinish(const RunSummary& s) override {
        summary = s;
        ++finishes;
    }
    RunSummary summary;
    int finishes = 0;
};

// A run folder (config.json, checkpoint.pt) of one short epoch.
void writeRun(const fs::path& dir, const ExperimentSpec& spec) {
    RunRecorder recorder(dir, spec);
    TrainerOptions options;
    options.checkpointFile = recorder.checkpointFile();
    ASSERT_EQ(Trainer(spec, test::syntheticMnist(64), options).run(recorder).outcome,
              RunOutcome::Completed);
}

// The message Predictor::fromRun gives for the run folder, "" if it loads.
std::string loadRefusal(const fs::path& run) {
    try {
        Predictor::fromRun(run);
    } catch (const Error& e) {
        return e.what();
    }
    return "";
}

// The message a resumed Trainer ends with, "" if it completes.
std::string resumeRefusal(const ExperimentSpec& spec, const fs::path& checkpoint) {
    TrainerOptions options;
    options.resumeFrom = checkpoint;
    Finish finish;
    ExperimentSpec longer = spec;
    longer.training.epochs = 2;
    const RunSummary summary = Trainer(longer, test::syntheticMnist(64), options).run(finish);
    EXPECT_EQ(finish.finishes, 1);
    return summary.outcome == RunOutcome::Failed ? summary.message : "";
}

class BadCheckpoint : public testing::Test {
protected:
    void SetUp() override {
        writeRun(m_dir / "run", m_spec);
        m_good = test::readFile(checkpoint());
        ASSERT_GT(m_good.size(), 1000u);
    }
    fs::path checkpoint() const { return m_dir / "run" / "checkpoint.pt"; }

    // Replaces the checkpoint and expects both readers to refuse it with
    // a message naming it and holding `fault`.
    void expectRefused(const std::string& bytes, const std::string& fault) {
        test::writeFile(checkpoint(), bytes);
        for (const std::string& message :
             {loadRefusal(m_dir / "run"), resumeRefusal(m_spec, checkpoint())}) {
            EXPECT_NE(message.find(checkpoint().string() + ": "), std::string::npos) << message;
            EXPECT_NE(message.find(fault), std::string::npos) << message;
        }
    }

    TempDir m_dir;
    ExperimentSpec m_spec = test::faultSpec();
    std::string m_good;
};

TEST_F(BadCheckpoint, GoodOneLoadsAndResumes) {
    EXPECT_EQ(loadRefusal(m_dir / "run"), "");
    EXPECT_EQ(resumeRefusal(m_spec, checkpoint()), "");
}

TEST_F(BadCheckpoint, ZeroBytes) {
    expectRefused("", "the file is empty");
}

TEST_F(BadCheckpoint, CutInHalf) {
    expectRefused(m_good.substr(0, m_good.size() / 2), "not a readable checkpoint");
}

TEST_F(BadCheckpoint, CutAtTheEnd) {
    // The zip directory sits at the end: losing only it is the subtle case.
    expectRefused(m_good.substr(0, m_good.size() - 100), "not a readable checkpoint");
}

TEST_F(BadCheckpoint, CorruptedInTheMiddle) {
    std::string bytes = m_good;
    for (size_t i = bytes.size() / 3; i < bytes.size() / 3 + 4096; ++i) {
        bytes[i] = char(~bytes[i]);
    }
    test::writeFile(checkpoint(), bytes);
    // Stored tensors carry no checksum in LibTorch 1.13, so flipped weight
    // bytes may load; what must hold is a message or a load, never a crash.
    (void)loadRefusal(m_dir / "run");
    (void)resumeRefusal(m_spec, checkpoint());
}

TEST_F(BadCheckpoint, PngRenamed) {
    expectRefused(std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), "not a readable checkpoint");
}

TEST_F(BadCheckpoint, ZipOfSomethingElseRenamed) {
    // An empty zip archive: the container LibTorch uses, holding nothing.
    expectRefused(std::string("PK\x05\x06\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0", 22),
                  "not a readable checkpoint");
}

TEST_F(BadCheckpoint, ExperimentJsonRenamed) {
    expectRefused(test::readFile(m_dir / "run" / "config.json"), "not a readable checkpoint");
}

TEST_F(BadCheckpoint, TorchFileThatIsNotLayerLabs) {
    torch::serialize::OutputArchive archive;
    archive.write("weights", torch::ones({3, 3}));
    archive.save_to(checkpoint().string());
    for (const std::string& message :
         {loadRefusal(m_dir / "run"), resumeRefusal(m_spec, checkpoint())}) {
        EXPECT_NE(message.find(checkpoint().string() + ": not a LayerLab checkpoint"),
                  std::string::npos)
            << message;
    }
}

TEST_F(BadCheckpoint, AnotherArchitecture) {
    ExperimentSpec other = m_spec;
    other.model.layers[4].units = 512;
    TempDir dir;
    writeRun(dir / "other", other);
    fs::copy_file(dir / "other" / "checkpoint.pt", checkpoint(),
                  fs::copy_options::overwrite_existing);
    for (const std::string& message :
         {loadRefusal(m_dir / "run"), resumeRefusal(m_spec, checkpoint())}) {
        EXPECT_NE(message.find(checkpoint().string() +
                               ": was saved from another architecture: layer 5 is dense 512 "
                               "there but dense 1024 in this experiment"),
                  std::string::npos)
            << message;
    }
}

TEST_F(BadCheckpoint, MissingFile) {
    fs::remove(checkpoint());
    for (const std::string& message :
         {loadRefusal(m_dir / "run"), resumeRefusal(m_spec, checkpoint())}) {
        EXPECT_NE(message.find(checkpoint().string() + ": file not found"), std::string::npos)
            << message;
    }
}

TEST(Faults, DivergedRunKeepsTheLastFiniteCheckpointLoadable) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    TempDir dir;
    ExperimentSpec spec = test::faultSpec();
    spec.training.trainLimit = 1280;
    spec.training.validationLimit = 200;
    spec.training.momentum = 0;
    // Clipping would tame the explosion this test provokes.
    spec.training.gradientClipNorm = 0;
    TrainerOptions options;
    options.checkpointFile = dir / "checkpoint.pt";
    Finish first;
    ASSERT_EQ(Trainer(spec, data, options).run(first).outcome, RunOutcome::Completed);
    std::vector<float> images(200 * 28 * 28);
    for (size_t i = 0; i < images.size(); ++i) {
        images[i] = float(data->test.images.pixels[i]) / 255.0f;
    }
    const auto before =
        Predictor::fromCheckpoint(spec, options.checkpointFile).predict(images, 200);

    // SGD at learning rate 10 on the seed network: the loss leaves the
    // finite numbers within a few steps.
    ExperimentSpec diverging = spec;
    diverging.training.learningRate = 10;
    diverging.training.epochs = 3;
    Finish finish;
    const RunSummary summary = Trainer(diverging, data, options).run(finish);
    ASSERT_EQ(summary.outcome, RunOutcome::Failed);
    EXPECT_NE(summary.message.find("the loss diverged"), std::string::npos) << summary.message;
    EXPECT_NE(summary.message.find("the last finite checkpoint is kept"), std::string::npos)
        << summary.message;
    EXPECT_FALSE(fs::exists(options.checkpointFile.string() + ".tmp"));

    // The kept checkpoint is the sane one: it loads and predicts as before.
    const auto after = Predictor::fromCheckpoint(spec, options.checkpointFile).predict(images, 200);
    for (size_t i = 0; i < after.size(); ++i) {
        ASSERT_TRUE(std::isfinite(after[i].probability));
        EXPECT_EQ(after[i].label, before[i].label) << "image " << i;
        EXPECT_FLOAT_EQ(after[i].probability, before[i].probability) << "image " << i;
    }
}

// CUDA's allocator throws c10::OutOfMemoryError (a c10::Error) from inside
// a step. This machine may have no GPU, so the same exception is raised
// from where the step reports: the path from throw to summary is the same.
TEST(Faults, OutOfMemoryIsReportedNotFatal) {
    struct RunsOutOfMemory : Finish {
        void onSteps(const std::vector<StepMetrics>&) override {
            throw c10::Error({__func__, __FILE__, uint32_t(__LINE__)},
                             "CUDA out of memory. Tried to allocate 2.00 GiB (GPU 0; 7.79 GiB "
                             "total capacity; 6.10 GiB already allocated)");
        }
    } outOfMemory;
    ExperimentSpec spec = test::faultSpec();
    const RunSummary summary = Trainer(spec, test::syntheticMnist(64)).run(outOfMemory);
    EXPECT_EQ(summary.outcome, RunOutcome::Failed);
    EXPECT_EQ(outOfMemory.finishes, 1);
    EXPECT_EQ(summary.message,
              "the GPU ran out of memory; lower the batch size or the layer sizes");

    // The process goes on: the next run trains normally.
    Finish next;
    EXPECT_EQ(Trainer(spec, test::syntheticMnist(64)).run(next).outcome, RunOutcome::Completed);
}

// Forks checkpoint_writer, which rewrites one checkpoint for ever, kills it
// with SIGKILL at random moments, and loads what is left each time.
TEST(Faults, KillDuringCheckpointWriteKeepsThePreviousOne) {
    constexpr int kKills = 8;
    TempDir dir;
    const fs::path file = dir / "checkpoint.pt";
    const ExperimentSpec spec = test::faultSpec();
    std::mt19937 random(20261204);
    int killedMidWrite = 0;
    for (int kill = 0; kill < kKills; ++kill) {
        const std::string fileArg = file.string();
        char* argv[] = {const_cast<char*>(LAYERLAB_CHECKPOINT_WRITER),
                        const_cast<char*>(fileArg.c_str()), nullptr};
        pid_t pid = 0;
        ASSERT_EQ(posix_spawn(&pid, argv[0], nullptr, nullptr, argv, environ), 0);
        // The first checkpoint of this child (after the first kill, the
        // previous child's stays in place until replaced).
        const auto firstWrite = fs::exists(file) ? fs::last_write_time(file) : fs::file_time_type{};
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
        while ((!fs::exists(file) || fs::last_write_time(file) == firstWrite) &&
               std::chrono::steady_clock::now() < deadline) {
            std::this_thread::sleep_for(std::chrono::milliseconds(5));
        }
        std::this_thread::sleep_for(
            std::chrono::milliseconds(std::uniform_int_distribution<int>(0, 400)(random)));
        ASSERT_EQ(::kill(pid, SIGKILL), 0);
        int status = 0;
        ASSERT_EQ(waitpid(pid, &status, 0), pid);
        ASSERT_TRUE(WIFSIGNALED(status)) << "checkpoint_writer ended on its own";
        killedMidWrite += fs::exists(file.string() + ".tmp") ? 1 : 0;

        EXPECT_NO_THROW(Predictor::fromCheckpoint(spec, file)) << "after kill " << kill + 1;
    }
    // Not asserted (timing decides), but worth seeing that the kills did
    // land inside a write.
    std::printf("%d of %d kills interrupted a checkpoint write\n", killedMidWrite, kKills);
}

}  // namespace
}  // namespace layerlab
