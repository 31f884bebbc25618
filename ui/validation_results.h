#pragma once

#include <QStringList>
#include <cstdint>
#include <memory>
#include <vector>

#include "layerlab/dataset.h"
#include "layerlab/trainer.h"

// One epoch's verdict on the validation set, as the evaluation panels show
// it: the confusion matrix, and per image its true and predicted class, the
// confidence, and where its pixels are. Immutable once made; shared.
struct ValidationResults {
    int epoch = 0;
    // Whose verdict, as captions and exported titles show it: "Epoch 3",
    // "<run> (its last checkpoint)", "Step 1,200 (epoch 2)".
    QString label;
    int numClasses = 0;
    QStringList classNames;
    std::vector<int64_t> confusion;  // [true * numClasses + predicted]
    std::vector<uint8_t> trueLabels;
    std::vector<uint8_t> predicted;
    std::vector<float> confidence;  // of the predicted class
    std::shared_ptr<const layerlab::Dataset> data;
    bool fromTrain = false;  // validation images are the training split's tail
    int64_t first = 0;       // index in that split of validation image 0

    int64_t count() const { return int64_t(predicted.size()); }
    int64_t cell(int trueClass, int predictedClass) const {
        return confusion[size_t(trueClass * numClasses + predictedClass)];
    }
    // rows * cols bytes of validation image i, ink bright on dark.
    const uint8_t* image(int64_t i) const;
    int imageRows() const;
    int imageCols() const;
};

// Null when the epoch carries no per-image predictions or the dataset does
// not hold the images they refer to.
std::shared_ptr<const ValidationResults> makeValidationResults(
    const layerlab::RunStart& start, const layerlab::EpochMetrics& epoch,
    std::shared_ptr<const layerlab::Dataset> data);

QStringList classNamesOf(const std::string& datasetId, int numClasses);
