#include "recording_observer.h"

#include <QString>

#include "run_history.h"

void RecordingObserver::onStart(const layerlab::RunStart& s) {
    m_recorder.onStart(s);  // a resumed folder's rows are trimmed to whole epochs first
    m_gui.onStart(s);
    if (m_resuming) {
        replayEarlierEpochs();
    }
}

void RecordingObserver::onSteps(const std::vector<layerlab::StepMetrics>& s) {
    m_recorder.onSteps(s);
    m_gui.onSteps(s);
}

void RecordingObserver::onEpoch(const layerlab::EpochMetrics& e) {
    m_recorder.onEpoch(e);
    m_gui.onEpoch(e);
}

void RecordingObserver::onFinish(const layerlab::RunSummary& s) {
    try {
        m_recorder.onFinish(s);
    } catch (const std::exception& error) {
        m_gui.onNotice(std::string("the run's summary was not written: ") + error.what());
    }
    m_gui.onFinish(s);
}

// The replayed epochs carry the validation numbers only: timings and the
// per-image predictions of those epochs are not in the folder.
void RecordingObserver::replayEarlierEpochs() {
    RunReader reader(QString::fromStdString(m_recorder.directory().string()));
    reader.update();
    const RunRecord& run = reader.record();
    std::vector<layerlab::StepMetrics> steps;
    steps.reserve(size_t(run.steps.size()));
    for (const StepPoint& point : run.steps) {
        layerlab::StepMetrics step;
        step.step = point.step;
        step.epoch = point.epoch;
        step.loss = point.loss;
        step.accuracy = point.accuracy;
        steps.push_back(step);
    }
    m_gui.onSteps(steps);
    for (const ValidationPoint& point : run.validation) {
        layerlab::EpochMetrics epoch;
        epoch.epoch = point.epoch;
        epoch.step = point.step;
        epoch.validationLoss = point.loss;
        epoch.validationAccuracy = point.accuracy;
        m_gui.onEpoch(epoch);
    }
}
