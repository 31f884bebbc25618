#include "progress_printer.h"

#include <unistd.h>

#include <cmath>
#include <iostream>

namespace layerlab::cli {
namespace {

// Width of the progress bar in characters.
constexpr int kBarWidth = 24;
// How often the in-place line is redrawn at most, in seconds.
constexpr double kRedrawInterval = 0.2;
// Without a terminal, a progress line every this many percent of an epoch.
constexpr int kLogPercentStep = 10;

std::string clockText(double seconds) {
    const long total = std::lround(std::max(seconds, 0.0));
    char text[32];
    if (total >= 3600) {
        std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", total / 3600, total / 60 % 60,
                      total % 60);
    } else {
        std::snprintf(text, sizeof text, "%ld:%02ld", total / 60, total % 60);
    }
    return text;
}

}  // namespace

ProgressPrinter::ProgressPrinter(Trainer& trainer, const std::atomic<bool>& interrupted)
    : m_trainer(trainer), m_interrupted(interrupted), m_interactive(isatty(STDOUT_FILENO) != 0) {}

void ProgressPrinter::onStart(const RunStart& start) {
    m_start = start;
    m_started = true;
    std::printf("training on %s: %lld images, validating on %lld, %lld steps per epoch\n",
                start.deviceName.c_str(), static_cast<long long>(start.trainSamples),
                static_cast<long long>(start.validationSamples),
                static_cast<long long>(start.stepsPerEpoch));
    std::fflush(stdout);
}

void ProgressPrinter::onSteps(const std::vector<StepMetrics>& steps) {
    if (m_interrupted.load()) {
        m_trainer.requestStop();
    }
    for (const StepMetrics& step : steps) {
        if (m_firstStep == 0) {
            m_firstStep = step.step;
            m_secondsAtFirstStep = step.seconds;
        }
        if (m_epochSteps == 0) {
            m_epochFirstStep = step.step;
            m_epochSecondsAtFirstStep = step.seconds;
        }
        m_epochLossSum += step.loss;
        m_epochAccuracySum += step.accuracy;
        ++m_epochSteps;
    }
    printProgress(steps.back(), false);
}

double ProgressPrinter::trainingSecondsUntil(const StepMetrics& last) const {
    return std::max(last.seconds - m_secondsAtFirstStep - m_validationSecondsTotal, 1e-9);
}

std::string ProgressPrinter::etaText(const StepMetrics& last) const {
    const int64_t done = last.step - m_firstStep;
    if (done <= 0) {
        return "--:--";
    }
    const double perStep = trainingSecondsUntil(last) / double(done);
    const int64_t remaining = m_start.totalSteps - last.step;
    const int epochsLeft = m_start.epochs - last.epoch + 1;
    return clockText(perStep * double(remaining) + m_lastValidationSeconds * epochsLeft);
}

void ProgressPrinter::printProgress(const StepMetrics& last, bool final) {
    const double fraction = double(last.stepInEpoch) / double(m_start.stepsPerEpoch);
    const int percent = int(fraction * 100);
    if (m_interactive) {
        if (!final && last.seconds - m_lastPrintSeconds < kRedrawInterval) {
            return;
        }
    } else if (!final && percent / kLogPercentStep == m_lastPrintedPercent / kLogPercentStep) {
        return;
    }
    m_lastPrintedPercent = percent;
    m_lastPrintSeconds = last.seconds;

    const int filled = int(std::round(fraction * kBarWidth));
    const std::string bar =
        std::string(size_t(filled), '#') + std::string(size_t(kBarWidth - filled), '.');
    const double epochSeconds = last.seconds - m_epochSecondsAtFirstStep;
    const double samplesPerSecond = last.step > m_epochFirstStep && epochSeconds > 0
                                        ? double(last.step - m_epochFirstStep) *
                                              double(m_start.trainSamples) /
                                              double(m_start.stepsPerEpoch) / epochSeconds
                                        : 0.0;
    std::printf(
        "%sepoch %d/%d [%s] %3d%% step %lld/%lld loss %.4f acc %.4f %6.0f samples/s ETA %s%s",
        m_interactive ? "\r" : "", last.epoch, m_start.epochs, bar.c_str(), percent,
        // The epoch's step, as the bar and percent show: the whole run's
        // count beside an epoch's percent read as a mismatch.
        static_cast<long long>(last.stepInEpoch), static_cast<long long>(m_start.stepsPerEpoch),
        m_epochLossSum / double(std::max<int64_t>(m_epochSteps, 1)),
        m_epochAccuracySum / double(std::max<int64_t>(m_epochSteps, 1)), samplesPerSecond,
        etaText(last).c_str(), m_interactive ? "\033[K" : "\n");
    std::fflush(stdout);
}

void ProgressPrinter::onEpoch(const EpochMetrics& e) {
    m_lastValidationSeconds = e.epochSeconds - e.trainSeconds;
    m_validationSecondsTotal += m_lastValidationSeconds;
    std::printf(
        "%sepoch %d/%d done: loss %.4f acc %.4f | val_loss %.4f val_acc %.4f | %.1f s, "
        "training %.0f samples/s\n",
        m_interactive ? "\r\033[K" : "", e.epoch, m_start.epochs, e.trainLoss, e.trainAccuracy,
        e.validationLoss, e.validationAccuracy, e.epochSeconds, e.samplesPerSecond);
    std::fflush(stdout);
    m_epochLossSum = 0;
    m_epochAccuracySum = 0;
    m_epochSteps = 0;
    m_lastPrintedPercent = -1;
}

void ProgressPrinter::onNotice(const std::string& message) {
    std::fprintf(stderr, "note: %s\n", message.c_str());
}

void ProgressPrinter::onFinish(const RunSummary& /*summary*/) {
    if (m_interactive) {
        std::printf("\r\033[K");
    }
    std::fflush(stdout);
}

}  // namespace layerlab::cli
