#include "layerlab/trainer.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <random>
#include <sstream>

#include "checkpoint.h"
#include "layerlab/errors.h"
#include "layerlab/shape_inference.h"
#include "model_weights.h"
#include "network.h"
#include "threads.h"
#include "training_steps.h"

namespace layerlab {
namespace {

using namespace training;

using Clock = std::chrono::steady_clock;

// Steps between metric read-backs. On the CPU a read-back costs nothing, so
// report often for smooth live charts; on a GPU every read-back makes the
// host wait for the device.
constexpr int kCpuReportEvery = 5;
constexpr int kCudaReportEvery = 50;

double secondsSince(Clock::time_point start) {
    return std::chrono::duration<double>(Clock::now() - start).count();
}

std::string describeCudaFault(const std::string& what) {
    if (what.find("out of memory") != std::string::npos) {
        return "the GPU ran out of memory; lower the batch size or the layer sizes";
    }
    return what;
}

}  // namespace

struct Trainer::Impl {
    ExperimentSpec spec;
    std::shared_ptr<const Dataset> data;
    TrainerOptions options;

    mutable std::mutex weightsMutex;
    std::shared_ptr<const ModelWeights> weights;  // guarded by weightsMutex
    // Someone read the snapshot since the last one was taken: only then is
    // the next one worth its copy (~2.5 ms for the seed network on this
    // CPU, and a host sync on a GPU). Set at the start, so the first comes.
    mutable std::atomic<bool> snapshotWanted{true};

    void publishWeights(SpecNetwork& network) {
        auto snapshot = ModelWeights::capture(network, spec.model);
        std::lock_guard<std::mutex> lock(weightsMutex);
        weights = std::move(snapshot);
    }

    // A resumed run's time before this process, from its checkpoint: the
    // run's clock continues where the checkpoint left it.
    double earlierSeconds = 0;

    std::atomic<bool> stopRequested{false};
    std::atomic<bool> paused{false};
    std::mutex pauseMutex;
    std::condition_variable pauseChanged;

    // Blocks while paused; returns how long it waited so throughput
    // figures leave pauses out.
    double waitWhilePaused() {
        if (!paused.load()) {
            return 0;
        }
        const auto start = Clock::now();
        std::unique_lock<std::mutex> lock(pauseMutex);
        pauseChanged.wait(lock, [this] { return !paused.load() || stopRequested.load(); });
        return secondsSince(start);
    }

    // Fills `summary` as it goes, so a fault keeps the epochs already done.
    void train(TrainingObserver& observer, RunSummary& summary);
};

Trainer::Trainer(ExperimentSpec spec, std::shared_ptr<const Dataset> data, TrainerOptions options)
    : m_impl(std::make_unique<Impl>()) {
    m_impl->spec = std::move(spec);
    m_impl->data = std::move(data);
    m_impl->options = std::move(options);
}

Trainer::~Trainer() = default;

void Trainer::requestStop() {
    m_impl->stopRequested = true;
    std::lock_guard<std::mutex> lock(m_impl->pauseMutex);
    m_impl->pauseChanged.notify_all();
}

void Trainer::setPaused(bool paused) {
    std::lock_guard<std::mutex> lock(m_impl->pauseMutex);
    m_impl->paused = paused;
    m_impl->pauseChanged.notify_all();
}

bool Trainer::isPaused() const {
    return m_impl->paused.load();
}

std::shared_ptr<const ModelWeights> Trainer::latestWeights() const {
    m_impl->snapshotWanted = true;
    std::lock_guard<std::mutex> lock(m_impl->weightsMutex);
    return m_impl->weights;
}

RunSummary Trainer::run(TrainingObserver& observer) {
    RunSummary summary;
    const auto start = Clock::now();
    try {
        m_impl->train(observer, summary);
    } catch (const Error& e) {
        summary.outcome = RunOutcome::Failed;
        summary.message = e.what();
    } catch (const c10::Error& e) {
        summary.outcome = RunOutcome::Failed;
        summary.message = describeCudaFault(e.what_without_backtrace());
    } catch (const std::exception& e) {
        summary.outcome = RunOutcome::Failed;
        summary.message = e.what();
    }
    summary.seconds = m_impl->earlierSeconds + secondsSince(start);
    observer.onFinish(summary);
    return summary;
}

void Trainer::Impl::train(TrainingObserver& observer, RunSummary& summary) {
    const auto runStart = Clock::now();
    // The run's clock: a resumed run's goes on from its checkpoint's.
    const auto runSeconds = [&] { return earlierSeconds + secondsSince(runStart); };
    const TrainingSpec& t = spec.training;
    if (const auto errors = validateExperiment(spec); !errors.empty()) {
        std::string message = spec.name + ": the experiment is not valid:";
        for (const std::string& error : errors) {
            message += "\n  " + error;
        }
        throw SpecError(message);
    }
    if (!data || datasetInfo(data->kind).id != spec.dataset) {
        throw Error("the loaded dataset is not the experiment's \"" + spec.dataset + "\"");
    }
    const int numClasses = int(datasetInfo(data->kind).classNames.size());

    const DeviceResolution resolution = resolveDevice(t.device);
    if (t.device == DeviceChoice::Cuda && !resolution.cuda) {
        // Asked for by name (on a rented GPU box, say), a silent fallback to
        // the CPU would cost hours; "auto" is the choice that falls back.
        throw Error("training: field 'device' is \"cuda\", but " + cudaUnavailableReason() +
                    "; use \"auto\" or \"cpu\" to train on the CPU");
    }
    if (!resolution.notice.empty()) {
        observer.onNotice(resolution.notice);
    }
    const torch::Device device = resolution.cuda ? torch::Device(torch::kCUDA, 0) : torch::kCPU;
    const ThreadPlan threads = threadPlan(t.threads);
    applyThreadPlan(threads);

    // Training images: the first trainLimit.
    const int64_t available = data->train.images.count;
    const int64_t trainCount = t.trainLimit > 0 ? std::min(t.trainLimit, available) : available;
    const DeviceSplit train = makeSplit(data->train, 0, trainCount, device);
    const ValidationRange range = validationRange(t, *data);
    const DeviceSplit validation =
        makeSplit(range.fromTrain ? data->train : data->test, range.first, range.count, device);

    SpecNetwork network = buildNetwork(spec.model, numClasses, t.seed);
    network->to(device);
    const std::vector<torch::Tensor> parameters = network->parameters();
    std::unique_ptr<torch::optim::Optimizer> optimizer;
    // Updated by clippedSgdStep; the optimizer object then holds no state
    // but is still what a checkpoint saves and restores.
    const bool plainSgd =
        t.optimizer == OptimizerKind::Sgd && t.momentum == 0 && t.weightDecay == 0;
    if (t.optimizer == OptimizerKind::Sgd) {
        optimizer = std::make_unique<torch::optim::SGD>(network->parameters(),
                                                        torch::optim::SGDOptions(t.learningRate)
                                                            .momentum(t.momentum)
                                                            .weight_decay(t.weightDecay));
    } else {
        optimizer = std::make_unique<torch::optim::Adam>(
            network->parameters(),
            torch::optim::AdamOptions(t.learningRate).weight_decay(t.weightDecay));
    }

    // The shuffle has its own generator so that the order of batches depends
    // on the seed alone, not on how many random numbers the layers drew.
    std::mt19937_64 shuffleRng(t.seed);
    CheckpointPosition position;
    if (!options.resumeFrom.empty()) {
        position = loadCheckpoint(options.resumeFrom, spec.model, network, *optimizer, device);
        if (position.epochsDone >= t.epochs) {
            throw Error(options.resumeFrom.string() + ": this run has already trained " +
                        (position.epochsDone == 1
                             ? std::string("its one epoch")
                             : "all " + std::to_string(position.epochsDone) + " epochs") +
                        "; raise the epochs to train more");
        }
        std::istringstream(position.shuffleState) >> shuffleRng;
        earlierSeconds = position.seconds;
        if (position.cpuRngState.defined()) {
            // Dropout masks continue where the checkpointed run left off.
            network->setDropoutGeneratorState(position.cpuRngState);
        }
    }

    const int64_t batch = t.batchSize;
    std::string leftOut;
    const int64_t stepsPerEpoch = stepsInEpoch(spec.model, trainCount, batch, leftOut);
    if (!leftOut.empty()) {
        observer.onNotice(leftOut);
    }
    RunStart start;
    start.device = resolution.cuda ? "cuda:0" : "cpu";
    start.deviceName = resolution.cuda ? "CUDA GPU" : cpuDescription(threads);
    start.threads = threads.intraOp;
    start.trainSamples = trainCount;
    start.validationSamples = range.count;
    start.stepsPerEpoch = stepsPerEpoch;
    start.epochs = t.epochs;
    start.firstEpoch = position.epochsDone + 1;
    start.totalSteps = stepsPerEpoch * t.epochs;
    start.libtorchVersion = libtorchVersion();
    start.validationFromTrain = range.fromTrain;
    start.validationFirst = range.first;
    observer.onStart(start);

    const int reportEvery = options.reportEvery > 0
                                ? options.reportEvery
                                : (resolution.cuda ? kCudaReportEvery : kCpuReportEvery);
    int64_t step = position.steps;
    double firstLoss = -1;
    double pausedSeconds = 0;
    std::vector<torch::Tensor> pendingLoss;
    std::vector<torch::Tensor> pendingCorrect;
    std::vector<StepMetrics> pendingSteps;

    for (int epoch = position.epochsDone + 1; epoch <= t.epochs; ++epoch) {
        const auto epochStart = Clock::now();
        const double pausedBefore = pausedSeconds;
        network->train();
        std::vector<int64_t> order(static_cast<size_t>(trainCount));
        std::iota(order.begin(), order.end(), int64_t{0});
        std::shuffle(order.begin(), order.end(), shuffleRng);
        const torch::Tensor permutation =
            torch::from_blob(order.data(), {trainCount}, torch::kLong).to(device);
        double epochLoss = 0;
        int64_t epochCorrect = 0;

        auto flush = [&]() {
            if (pendingSteps.empty()) {
                return;
            }
            // One read-back for several steps.
            const torch::Tensor losses = torch::stack(pendingLoss).to(torch::kCPU, torch::kDouble);
            const torch::Tensor correct =
                torch::stack(pendingCorrect).to(torch::kCPU, torch::kLong);
            for (size_t i = 0; i < pendingSteps.size(); ++i) {
                StepMetrics& s = pendingSteps[i];
                s.loss = losses[int64_t(i)].item<double>();
                const int64_t right = correct[int64_t(i)].item<int64_t>();
                const int64_t size = std::min(batch, trainCount - (s.stepInEpoch - 1) * batch);
                s.accuracy = double(right) / double(size);
                epochLoss += s.loss * double(size);
                epochCorrect += right;
                if (firstLoss < 0) {
                    firstLoss = s.loss;
                }
                if (hasDiverged(s.loss, firstLoss)) {
                    std::ostringstream msg;
                    msg << "the loss diverged: it became " << s.loss << " at step " << s.step
                        << " (epoch " << s.epoch
                        << "); the run was stopped. Lower the learning rate (now " << t.learningRate
                        << ") and start again"
                        << (std::filesystem::exists(options.checkpointFile)
                                ? "; the last finite checkpoint is kept"
                                : "");
                    throw TrainingError(msg.str());
                }
            }
            observer.onSteps(pendingSteps);
            pendingLoss.clear();
            pendingCorrect.clear();
            pendingSteps.clear();
        };

        for (int64_t b = 0; b < stepsPerEpoch; ++b) {
            if (paused.load() && options.snapshotEvery > 0) {
                // While paused the snapshot is the network as it stands, so
                // whoever reads it meanwhile needs no further step.
                publishWeights(network);
            }
            pausedSeconds += waitWhilePaused();
            if (stopRequested.load()) {
                flush();
                if (options.snapshotEvery > 0) {
                    publishWeights(network);  // what the run ends with
                }
                summary.outcome = RunOutcome::Stopped;
                summary.message = "stopped by the user in epoch " + std::to_string(epoch);
                return;
            }
            const torch::Tensor indices =
                permutation.slice(0, b * batch, std::min(trainCount, (b + 1) * batch));
            const torch::Tensor input = toNetworkInput(train.images.index_select(0, indices));
            const torch::Tensor target = train.labels.index_select(0, indices);
            const torch::Tensor logits = network->forward(input);
            const torch::Tensor loss = torch::nn::functional::cross_entropy(logits, target);
            clearGradients(parameters);
            loss.backward();
            if (plainSgd) {
                clippedSgdStep(parameters, t.learningRate, t.gradientClipNorm);
            } else {
                if (t.gradientClipNorm > 0) {
                    clipGradientNorm(parameters, t.gradientClipNorm);
                }
                optimizer->step();
            }

            ++step;
            pendingLoss.push_back(loss.detach());
            pendingCorrect.push_back(logits.argmax(1).eq(target).sum());
            pendingSteps.push_back({step, epoch, b + 1, 0, 0, runSeconds()});
            if (int(pendingSteps.size()) >= reportEvery) {
                flush();
            }
            if (options.snapshotEvery > 0 && step % options.snapshotEvery == 0 &&
                snapshotWanted.exchange(false)) {
                publishWeights(network);
            }
        }
        flush();
        const double trainSeconds = secondsSince(epochStart) - (pausedSeconds - pausedBefore);

        const Evaluation eval = evaluate(network, validation.images, validation.labels, numClasses);
        // Steps after which chance-level validation means something: a run
        // of a handful of steps has simply not learnt yet.
        constexpr int64_t kStepsToJudgeLearning = 100;
        if (eval.accuracy < 1.5 / numClasses && step >= kStepsToJudgeLearning) {
            // Validation at chance level after a whole epoch: typically every
            // image lands in one class, the sign of a run that blew up.
            observer.onNotice("epoch " + std::to_string(epoch) + ": validation accuracy " +
                              std::to_string(int(eval.accuracy * 100 + 0.5)) +
                              "% is chance level; the network is not learning (is the learning "
                              "rate too high?)");
        }
        EpochMetrics metrics;
        metrics.epoch = epoch;
        metrics.step = step;
        metrics.trainLoss = epochLoss / double(trainCount);
        metrics.trainAccuracy = double(epochCorrect) / double(trainCount);
        metrics.validationLoss = eval.loss;
        metrics.validationAccuracy = eval.accuracy;
        metrics.seconds = runSeconds();
        metrics.epochSeconds = secondsSince(epochStart) - (pausedSeconds - pausedBefore);
        metrics.trainSeconds = trainSeconds;
        metrics.samplesPerSecond = double(trainCount) / std::max(trainSeconds, 1e-9);
        metrics.numClasses = numClasses;
        metrics.confusion = eval.confusion;
        metrics.predictedLabels = eval.predictedLabels;
        metrics.predictedProbabilities = eval.predictedProbabilities;
        if (options.snapshotEvery > 0) {
            publishWeights(network);
        }
        if (!options.checkpointFile.empty()) {
            std::ostringstream rngState;
            rngState << shuffleRng;
            saveCheckpoint(
                options.checkpointFile, spec.model, network, *optimizer,
                {epoch, step, rngState.str(), network->dropoutGeneratorState(), metrics.seconds});
        }
        summary.epochs.push_back(metrics);
        observer.onEpoch(metrics);
    }
    summary.outcome = RunOutcome::Completed;
}

}  // namespace layerlab
