#pragma once

// Run folders with made-up metrics, written through RunRecorder as a real
// run writes them, for the tests of the runs list, comparison and export.

#include <QFile>
#include <QString>

#include "layerlab/run_recorder.h"
#include "presets.h"

namespace layerlab_test {

inline layerlab::ExperimentSpec seedSpec() {
    for (const Preset& preset : loadPresets()) {
        if (preset.fileName == kSeedPresetFile) {
            return preset.spec;
        }
    }
    qFatal("the seed preset is not compiled in");
}

// Epoch `e` of `epochs` (ten steps each) into a run being recorded.
inline void recordEpoch(layerlab::RunRecorder& recorder, int e, int epochs, double finalAccuracy,
                        layerlab::RunSummary& summary) {
    std::vector<layerlab::StepMetrics> steps;
    for (int s = 1; s <= 10; ++s) {
        const int64_t step = (e - 1) * 10 + s;
        steps.push_back(
            {step, e, s, 2.3 / double(step), 0.5 + 0.4 * step / (10.0 * epochs), double(step)});
    }
    recorder.onSteps(steps);
    layerlab::EpochMetrics epoch;
    epoch.epoch = e;
    epoch.step = e * 10;
    epoch.validationLoss = 1.0 / e;
    epoch.validationAccuracy = finalAccuracy - 0.01 * (epochs - e);
    epoch.epochSeconds = 2;
    summary.epochs.push_back(epoch);
    recorder.onEpoch(epoch);
}

inline layerlab::ExperimentSpec runSpec(const QString& name, int epochs) {
    layerlab::ExperimentSpec spec = seedSpec();
    spec.name = name.toStdString();
    spec.training.epochs = epochs;
    return spec;
}

// A run folder as RunRecorder writes it, with made-up metrics: `epochs`
// epochs of 10 steps, loss falling and accuracy rising.
inline QString writeRun(const QString& parent, const QString& name, int epochs,
                        double finalAccuracy, bool finish = true) {
    const QString dir = parent + "/" + name;
    layerlab::RunRecorder recorder(dir.toStdString(), runSpec(name, epochs));
    layerlab::RunStart start;
    start.trainSamples = 640;
    recorder.onStart(start);
    layerlab::RunSummary summary;
    for (int e = 1; e <= epochs; ++e) {
        recordEpoch(recorder, e, epochs, finalAccuracy, summary);
    }
    if (finish) {
        recorder.onFinish(summary);
    }
    return dir;
}

inline QString readAll(const QString& file) {
    QFile in(file);
    return in.open(QIODevice::ReadOnly) ? QString::fromUtf8(in.readAll()) : QString();
}

}  // namespace layerlab_test
