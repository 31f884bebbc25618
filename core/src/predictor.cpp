#include "layerlab/predictor.h"

#include <nlohmann/json.hpp>

#include "checkpoint.h"
#include "layerlab/dataset.h"
#include "layerlab/errors.h"
#include "layerlab/trainer.h"
#include "model_weights.h"
#include "training_steps.h"

namespace layerlab {

std::shared_ptr<const ModelWeights> ModelWeights::capture(SpecNetwork& network,
                                                          const ModelSpec& model) {
    torch::NoGradGuard noGrad;
    auto weights = std::make_shared<ModelWeights>();
    weights->m_signature = architectureSignature(model);
    for (const auto& item : network->named_parameters()) {
        weights->m_tensors.emplace_back(item.key(),
                                        item.value().detach().to(torch::kCPU, true).clone());
    }
    for (const auto& item : network->named_buffers()) {
        weights->m_tensors.emplace_back(item.key(),
                                        item.value().detach().to(torch::kCPU, true).clone());
    }
    return weights;
}

void ModelWeights::copyInto(SpecNetwork& network, const ModelSpec& model) const {
    requireSameArchitecture(m_signature, model, "the weight snapshot");
    torch::NoGradGuard noGrad;
    auto parameters = network->named_parameters();
    auto buffers = network->named_buffers();
    for (const auto& [name, tensor] : m_tensors) {
        torch::Tensor* target = parameters.find(name);
        if (target == nullptr) {
            target = buffers.find(name);
        }
        if (target == nullptr || !target->sizes().equals(tensor.sizes())) {
            throw CheckpointError("the weight snapshot does not fit this network at '" + name +
                                  "'");
        }
        target->copy_(tensor);
    }
}

struct Predictor::Impl {
    ExperimentSpec spec;
    int numClasses = 10;
    SpecNetwork network{nullptr};
};

Predictor::Predictor(const ExperimentSpec& spec, int numClasses)
    : m_impl(std::make_unique<Impl>()) {
    m_impl->spec = spec;
    m_impl->numClasses = numClasses;
    m_impl->network = buildNetwork(spec.model, numClasses);
    m_impl->network->eval();
}

Predictor::~Predictor() = default;
Predictor::Predictor(Predictor&&) noexcept = default;
Predictor& Predictor::operator=(Predictor&&) noexcept = default;

Predictor Predictor::fromCheckpoint(const ExperimentSpec& spec,
                                    const std::filesystem::path& checkpoint) {
    const auto kind = datasetKindFromId(spec.dataset);
    Predictor predictor(spec, kind ? int(datasetInfo(*kind).classNames.size()) : 10);
    // The optimizer state in the file is read into a throwaway optimizer.
    torch::optim::SGD unused(predictor.m_impl->network->parameters(),
                             torch::optim::SGDOptions(0.1));
    loadCheckpoint(checkpoint, spec.model, predictor.m_impl->network, unused, torch::kCPU);
    predictor.m_impl->network->eval();
    return predictor;
}

Predictor Predictor::fromRun(const std::filesystem::path& runDirectory) {
    const ExperimentSpec spec = loadExperiment(runDirectory / "config.json");
    return fromCheckpoint(spec, runDirectory / "checkpoint.pt");
}

void Predictor::load(const ModelWeights& weights) {
    weights.copyInto(m_impl->network, m_impl->spec.model);
}

std::vector<Prediction> Predictor::predict(const std::vector<float>& pixels, int count) {
    const ModelSpec& model = m_impl->spec.model;
    const int64_t size = int64_t(model.inputHeight) * model.inputWidth * model.inputChannels;
    if (count <= 0 || int64_t(pixels.size()) != size * count) {
        throw Error("predict: expected " + std::to_string(count) + " images of " +
                    std::to_string(size) + " values, got " + std::to_string(pixels.size()) +
                    " values");
    }
    torch::NoGradGuard noGrad;
    // from_blob views the caller's vector; the forward pass only reads it.
    const torch::Tensor input = torch::from_blob(
        const_cast<float*>(pixels.data()),
        {count, model.inputChannels, model.inputHeight, model.inputWidth}, torch::kFloat);
    const torch::Tensor probabilities = m_impl->network->probabilities(input).contiguous();
    std::vector<Prediction> predictions(static_cast<size_t>(count));
    const float* values = probabilities.data_ptr<float>();
    for (int i = 0; i < count; ++i) {
        Prediction& p = predictions[size_t(i)];
        p.probabilities.assign(values + int64_t(i) * m_impl->numClasses,
                               values + int64_t(i + 1) * m_impl->numClasses);
        const auto best = std::max_element(p.probabilities.begin(), p.probabilities.end());
        p.label = int(best - p.probabilities.begin());
        p.probability = *best;
    }
    return predictions;
}

Prediction Predictor::predictOne(const std::vector<float>& pixels) {
    return predict(pixels, 1).front();
}

const ExperimentSpec& Predictor::spec() const {
    return m_impl->spec;
}

ValidationRange validationRange(const TrainingSpec& training, const Dataset& data) {
    ValidationRange range;
    range.fromTrain = training.validation == ValidationSource::TrainTail;
    const int64_t trainImages = data.train.images.count;
    range.first =
        range.fromTrain
            ? (training.trainLimit > 0 ? std::min(training.trainLimit, trainImages) : trainImages)
            : 0;
    const DatasetSplit& source = range.fromTrain ? data.train : data.test;
    range.count = source.images.count - range.first;
    if (training.validationLimit > 0) {
        range.count = std::min(range.count, training.validationLimit);
    }
    if (range.count <= 0) {
        throw SpecError(
            "training: field 'validation' leaves no images to validate on; lower "
            "'train_limit' or validate on the test set");
    }
    return range;
}

EpochMetrics validateNetwork(Predictor& predictor, const Dataset& data) {
    const ValidationRange range = validationRange(predictor.spec().training, data);
    const training::DeviceSplit images = training::makeSplit(
        range.fromTrain ? data.train : data.test, range.first, range.count, torch::kCPU);
    Evaluation eval = evaluate(predictor.m_impl->network, images.images, images.labels,
                               predictor.m_impl->numClasses);
    EpochMetrics metrics;
    metrics.validationLoss = eval.loss;
    metrics.validationAccuracy = eval.accuracy;
    metrics.numClasses = predictor.m_impl->numClasses;
    metrics.confusion = std::move(eval.confusion);
    metrics.predictedLabels = std::move(eval.predictedLabels);
    metrics.predictedProbabilities = std::move(eval.predictedProbabilities);
    return metrics;
}

}  // namespace layerlab
