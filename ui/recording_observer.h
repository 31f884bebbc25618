#pragma once

#include "layerlab/run_recorder.h"
#include "layerlab/trainer.h"

// Passes every event of a run to the GUI's observer and to the run folder's
// recorder. When the run resumes a folder, the rows the recorder kept (the
// whole epochs before the checkpoint's) are replayed to the GUI right after
// the start, so the curves continue where they ended. Training thread only.
class RecordingObserver : public layerlab::TrainingObserver {
public:
    RecordingObserver(layerlab::TrainingObserver& gui, layerlab::RunRecorder& recorder,
                      bool resuming)
        : m_gui(gui), m_recorder(recorder), m_resuming(resuming) {}
    void onStart(const layerlab::RunStart& s) override;
    void onSteps(const std::vector<layerlab::StepMetrics>& s) override;
    void onEpoch(const layerlab::EpochMetrics& e) override;
    void onNotice(const std::string& m) override { m_gui.onNotice(m); }
    void onFinish(const layerlab::RunSummary& s) override;

private:
    void replayEarlierEpochs();

    layerlab::TrainingObserver& m_gui;
    layerlab::RunRecorder& m_recorder;
    bool m_resuming;
};
