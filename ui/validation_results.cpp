#include "validation_results.h"

#include <QObject>

const uint8_t* ValidationResults::image(int64_t i) const {
    const layerlab::IdxImages& images = fromTrain ? data->train.images : data->test.images;
    return images.pixels.data() + (first + i) * images.rows * images.cols;
}

int ValidationResults::imageRows() const {
    return (fromTrain ? data->train.images : data->test.images).rows;
}

int ValidationResults::imageCols() const {
    return (fromTrain ? data->train.images : data->test.images).cols;
}

QStringList classNamesOf(const std::string& datasetId, int numClasses) {
    QStringList names;
    const auto kind = layerlab::datasetKindFromId(datasetId);
    for (int c = 0; c < numClasses; ++c) {
        const auto& known =
            kind ? layerlab::datasetInfo(*kind).classNames : std::vector<std::string>{};
        names << (size_t(c) < known.size() ? QString::fromStdString(known[size_t(c)])
                                           : QString::number(c));
    }
    return names;
}

std::shared_ptr<const ValidationResults> makeValidationResults(
    const layerlab::RunStart& start, const layerlab::EpochMetrics& epoch,
    std::shared_ptr<const layerlab::Dataset> data) {
    const int64_t count = int64_t(epoch.predictedLabels.size());
    const int classes = epoch.numClasses;
    if (!data || count == 0 || classes <= 0 ||
        epoch.confusion.size() != size_t(classes * classes) ||
        epoch.predictedProbabilities.size() != size_t(count)) {
        return nullptr;
    }
    const layerlab::DatasetSplit& split = start.validationFromTrain ? data->train : data->test;
    if (start.validationFirst + count > int64_t(split.labels.size())) {
        return nullptr;
    }
    auto results = std::make_shared<ValidationResults>();
    results->epoch = epoch.epoch;
    results->label = QObject::tr("Epoch %1").arg(epoch.epoch);
    results->numClasses = classes;
    const auto kind = data->kind;
    results->classNames = classNamesOf(layerlab::datasetInfo(kind).id, classes);
    results->confusion = epoch.confusion;
    results->predicted = epoch.predictedLabels;
    results->confidence = epoch.predictedProbabilities;
    results->trueLabels.assign(split.labels.begin() + start.validationFirst,
                               split.labels.begin() + start.validationFirst + count);
    results->data = std::move(data);
    results->fromTrain = start.validationFromTrain;
    results->first = start.validationFirst;
    return results;
}
