// What the benchmarks measure, shared by `layerlab-cli bench` (headless,
// runs on a bare GPU box) and `layerlab-bench` (adds the GUI figures).
#pragma once

#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "layerlab/dataset.h"
#include "layerlab/experiment.h"
#include "layerlab/trainer.h"

namespace layerlab::bench {

// Steps trained before timing starts: the first ones pay for allocations
// and oneDNN's kernel selection.
constexpr int kWarmupSteps = 20;

// The fastest of a few loads of all of MNIST (the OS cache warm).
double mnistLoadSeconds(const std::optional<std::filesystem::path>& dataDir);

// `spec` cut to kWarmupSteps + steps batches of training and a small
// validation, one epoch: what the training benchmarks run.
ExperimentSpec benchmarkRun(ExperimentSpec spec, int steps);

// Steady-state training samples/s from the trainer's own step times, after
// the warm-up steps.
double steadySamplesPerSecond(const std::vector<StepMetrics>& steps, int batchSize);

struct TrainingFigures {
    double samplesPerSecond = 0;
    std::string device;
};

// Runs the real trainer headless and times it.
TrainingFigures measureHeadlessTraining(const ExperimentSpec& spec,
                                        std::shared_ptr<const Dataset> data, int steps);

// How the Python peer uses the cores LayerLab's plan uses. PyTorch cannot
// halve its batches between threads; on the same two cores its fastest plan
// measured is two OpenMP threads and one BLAS thread (docs/performance.md),
// so that is what it gets. Otherwise the same plan.
ThreadPlan peerThreadPlan(const ThreadPlan& layerlab);

// "1 thread(s) + 1 BLAS, convolutions ..." for a benchmark's first line.
std::string describeThreadPlan(const ThreadPlan& plan);

// The same model in PyTorch eager mode from Python (bench/pytorch_peer.py,
// run with /usr/bin/python3) under peerThreadPlan(threads); nothing when it
// cannot run, with the reason.
std::optional<double> pythonPeerSamplesPerSecond(const std::filesystem::path& script, int steps,
                                                 const ThreadPlan& threads, std::string& whyNot);

// Peak resident memory of this process so far.
double peakResidentMegabytes();
// Resident memory now (/proc/self/statm), to see what a finished run keeps.
double residentMegabytes();

// The q-quantile (0..1) of `values`, by nearest rank.
double quantile(std::vector<double> values, double q);

// Where the Python peer is: next to the installed docs or in the source tree.
std::filesystem::path defaultPythonPeer();

// Refuses (layerlab::Error naming the file) a --json file that cannot be
// written: a folder, or in a folder that does not exist. Checked before
// minutes of measuring, not after.
void checkFiguresFile(const std::filesystem::path& file);

// The figures as one JSON object, numbers and strings as given.
void writeFiguresFile(const std::filesystem::path& file,
                      const std::map<std::string, double>& numbers,
                      const std::map<std::string, std::string>& texts);

}  // namespace layerlab::bench
