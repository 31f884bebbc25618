#include "layerlab/run_recorder.h"

#include <gtest/gtest.h>

#include "layerlab/errors.h"
#include "test_support.h"

namespace layerlab {
namespace {

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
        EpochMetrics epoch;
        epoch.epoch = 1;
        epoch.step = 2;
        epoch.validationLoss = 1.5;
        epoch.validationAccuracy = 0.5;
        epoch.epochSeconds = 4;
        epoch.samplesPerSecond = 64;
        epoch.numClasses = 2;
        epoch.confusion = {3, 1, 2, 4};
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

TEST(RunRecorder, RefusesAFolderItCannotCreate) {
    test::TempDir dir;
    test::writeFile(dir / "file", "x");
    EXPECT_THROW(RunRecorder(dir / "file/run", ExperimentSpec{}), Error);
}

}  // namespace
}  // namespace layerlab
