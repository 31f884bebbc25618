#pragma once

#include <QObject>
#include <QString>
#include <functional>
#include <memory>
#include <thread>

#include "layerlab/experiment.h"
#include "layerlab/predictor.h"
#include "validation_results.h"

// A run folder's checkpoint over its validation images, on the calling
// thread (the bundle export). `data` is used when it holds the run's
// dataset, else it is looked up and loaded. Throws layerlab::Error (and its
// kinds) naming the file or dataset at fault.
struct RunValidation {
    std::shared_ptr<const ValidationResults> results;
    std::shared_ptr<layerlab::Predictor> predictor;
};
RunValidation validateRunFolder(const QString& runDirectory,
                                std::shared_ptr<const layerlab::Dataset> data);

// Validation passes the trainer does not make: a run opened from disk (its
// checkpoint over its validation images) and "Refresh now" on a weight
// snapshot of the run in progress. A pass over MNIST's 10,000 test images
// takes about two seconds on one core, so it runs on a thread of its own
// with a Predictor of its own; the GUI thread only receives the results.
//
// One pass at a time: a request while one runs is refused (false). Results
// are delivered on the GUI thread through the signals.
class NetworkEvaluation : public QObject {
    Q_OBJECT
public:
    explicit NetworkEvaluation(QObject* parent = nullptr);
    // Waits for a pass in progress: a few seconds at most.
    ~NetworkEvaluation() override;

    // The run folder's config.json and checkpoint.pt. `data` is used when it
    // holds the run's dataset, else the dataset is looked up and loaded.
    bool evaluateRun(const QString& runDirectory, std::shared_ptr<const layerlab::Dataset> data);
    // A snapshot of the weights of `spec`'s network, over `data`.
    bool evaluateWeights(const layerlab::ExperimentSpec& spec,
                         std::shared_ptr<const layerlab::ModelWeights> weights,
                         std::shared_ptr<const layerlab::Dataset> data, const QString& label);
    bool isBusy() const { return m_busy; }

signals:
    void evaluated(std::shared_ptr<const ValidationResults> results);
    // A run folder's network, for live inference on the drawing canvas.
    void runLoaded(std::shared_ptr<layerlab::Predictor> predictor, const QString& runName);
    void failed(const QString& message);
    void busyChanged(bool busy);

private:
    // Runs `pass` on the thread; it returns what to deliver.
    struct Outcome {
        std::shared_ptr<const ValidationResults> results;
        std::shared_ptr<layerlab::Predictor> predictor;
        QString runName;
        QString error;
    };
    bool launch(std::function<Outcome()> pass);
    void deliver(const Outcome& outcome);

    std::thread m_thread;
    bool m_busy = false;  // GUI thread only
};
