#include "network_evaluation.h"

#include <QDir>
#include <QLocale>

#include "layerlab/dataset.h"
#include "layerlab/errors.h"
#include "layerlab/trainer.h"
#include "logging.h"

namespace {

std::shared_ptr<const layerlab::Dataset> datasetFor(const layerlab::ExperimentSpec& spec,
                                                    std::shared_ptr<const layerlab::Dataset> data) {
    const auto kind = layerlab::datasetKindFromId(spec.dataset);
    if (!kind) {
        throw layerlab::SpecError("unknown dataset \"" + spec.dataset + "\"");
    }
    if (data && data->kind == *kind) {
        return data;
    }
    return std::make_shared<const layerlab::Dataset>(layerlab::loadDataset(*kind));
}

std::shared_ptr<const ValidationResults> validate(layerlab::Predictor& predictor,
                                                  std::shared_ptr<const layerlab::Dataset> data,
                                                  const QString& label) {
    layerlab::EpochMetrics pass = layerlab::validateNetwork(predictor, *data);
    const layerlab::ValidationRange range =
        layerlab::validationRange(predictor.spec().training, *data);
    layerlab::RunStart where;
    where.validationFromTrain = range.fromTrain;
    where.validationFirst = range.first;
    auto results = makeValidationResults(where, pass, std::move(data));
    if (!results) {
        throw layerlab::Error("the validation pass gave no per-image predictions");
    }
    auto labelled = std::make_shared<ValidationResults>(*results);
    labelled->label = label;
    return labelled;
}

}  // namespace

RunValidation validateRunFolder(const QString& runDirectory,
                                std::shared_ptr<const layerlab::Dataset> data) {
    RunValidation validation;
    validation.predictor = std::make_shared<layerlab::Predictor>(
        layerlab::Predictor::fromRun(runDirectory.toStdString()));
    validation.results =
        validate(*validation.predictor, datasetFor(validation.predictor->spec(), std::move(data)),
                 QObject::tr("%1 (its last checkpoint)").arg(QDir(runDirectory).dirName()));
    return validation;
}

NetworkEvaluation::NetworkEvaluation(QObject* parent) : QObject(parent) {}

NetworkEvaluation::~NetworkEvaluation() {
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

bool NetworkEvaluation::launch(std::function<Outcome()> pass) {
    if (m_busy) {
        return false;
    }
    if (m_thread.joinable()) {
        m_thread.join();  // finished: its delivery has run
    }
    m_busy = true;
    emit busyChanged(true);
    m_thread = std::thread([this, pass = std::move(pass)] {
        Outcome outcome;
        try {
            outcome = pass();
        } catch (const std::exception& error) {
            outcome.error = QString::fromUtf8(error.what());
        }
        // The destructor joins this thread, so `this` outlives the call.
        QMetaObject::invokeMethod(
            this, [this, outcome] { deliver(outcome); }, Qt::QueuedConnection);
    });
    return true;
}

void NetworkEvaluation::deliver(const Outcome& outcome) {
    m_busy = false;
    if (!outcome.error.isEmpty()) {
        qCWarning(lcUi) << "evaluation failed:" << outcome.error;
        emit failed(outcome.error);
    } else {
        if (outcome.predictor) {
            emit runLoaded(outcome.predictor, outcome.runName);
        }
        emit evaluated(outcome.results);
    }
    emit busyChanged(false);
}

bool NetworkEvaluation::evaluateRun(const QString& runDirectory,
                                    std::shared_ptr<const layerlab::Dataset> data) {
    return launch([runDirectory, data = std::move(data)] {
        RunValidation validation = validateRunFolder(runDirectory, data);
        Outcome outcome;
        outcome.runName = QDir(runDirectory).dirName();
        outcome.results = std::move(validation.results);
        outcome.predictor = std::move(validation.predictor);
        return outcome;
    });
}

bool NetworkEvaluation::evaluateWeights(const layerlab::ExperimentSpec& spec,
                                        std::shared_ptr<const layerlab::ModelWeights> weights,
                                        std::shared_ptr<const layerlab::Dataset> data,
                                        const QString& label) {
    if (!weights) {
        return false;
    }
    return launch([spec, weights = std::move(weights), data = std::move(data), label] {
        const auto kind = layerlab::datasetKindFromId(spec.dataset);
        layerlab::Predictor predictor(
            spec, kind ? int(layerlab::datasetInfo(*kind).classNames.size()) : 10);
        predictor.load(*weights);
        Outcome outcome;
        outcome.results = validate(predictor, datasetFor(spec, data), label);
        return outcome;
    });
}
