#pragma once

#include <atomic>
#include <chrono>
#include <cstdio>
#include <string>

#include "layerlab/trainer.h"

namespace layerlab::cli {

// Prints a run's progress for a person at a terminal: one line that updates
// in place (or, when stdout is not a terminal, a line every few percent),
// and a line per finished epoch.
class ProgressPrinter : public TrainingObserver {
public:
    // `interrupted` is raised by the SIGINT handler; the printer passes it on
    // to the trainer from the training thread, where taking a lock is safe.
    ProgressPrinter(Trainer& trainer, const std::atomic<bool>& interrupted);

    void onStart(const RunStart& start) override;
    // Whether the run got as far as its first step's set-up.
    bool started() const { return m_started; }
    void onSteps(const std::vector<StepMetrics>& steps) override;
    void onEpoch(const EpochMetrics& epoch) override;
    void onNotice(const std::string& message) override;
    void onFinish(const RunSummary& summary) override;

private:
    void printProgress(const StepMetrics& last, bool final);
    // Seconds spent training (not validating) from the first step to `last`.
    double trainingSecondsUntil(const StepMetrics& last) const;
    std::string etaText(const StepMetrics& last) const;

    Trainer& m_trainer;
    const std::atomic<bool>& m_interrupted;
    bool m_interactive = false;
    bool m_started = false;
    RunStart m_start;
    double m_epochLossSum = 0;
    double m_epochAccuracySum = 0;
    int64_t m_epochSteps = 0;
    int m_lastPrintedPercent = -1;
    double m_lastPrintSeconds = -1;
    double m_secondsAtFirstStep = 0;
    int64_t m_firstStep = 0;
    // The current epoch's first step and its clock: the speed shown while
    // an epoch trains is that epoch's, as its "done" line reports it.
    int64_t m_epochFirstStep = 0;
    double m_epochSecondsAtFirstStep = 0;
    double m_lastValidationSeconds = 0;
    // Validation since the first step: left out of the step rate, so that
    // the progress line's samples/s means what the epoch line's and
    // summary.json's do (training only).
    double m_validationSecondsTotal = 0;
};

}  // namespace layerlab::cli
