#pragma once

#include <QObject>
#include <QStringList>

#include "layerlab/experiment.h"
#include "layerlab/trainer.h"

class TrainingWorker;

// "Dropout A/B": the blog's whole experiment as one action. Trains the
// network twice on the worker, one run after the other, with every dropout
// layer on and then off and everything else (the seed too) the same, then
// hands over both run folders to be compared.
class DropoutAb : public QObject {
    Q_OBJECT
public:
    explicit DropoutAb(TrainingWorker* worker, QObject* parent = nullptr);

    // False, with `error` set, when the network has no dropout layer or a
    // run is already going on.
    bool start(const layerlab::ExperimentSpec& spec, QString* error);
    bool isActive() const { return m_stage != Stage::Idle; }

signals:
    // The A (dropout on) and B (off) run folders.
    void finished(const QStringList& directories);
    // A run failed or was stopped; the pair is abandoned.
    void abandoned(const QString& why);
    // "Dropout A/B: run 2 of 2 (dropout off)".
    void progress(const QString& text);

private:
    enum class Stage { Idle, First, Second };
    void runFinished(const layerlab::RunSummary& summary);

    TrainingWorker* m_worker;
    Stage m_stage = Stage::Idle;
    layerlab::ExperimentSpec m_second;
    QStringList m_directories;
};
