#include "dropout_ab.h"

#include "training_worker.h"

DropoutAb::DropoutAb(TrainingWorker* worker, QObject* parent) : QObject(parent), m_worker(worker) {
    connect(m_worker, &TrainingWorker::runFinished, this, &DropoutAb::runFinished);
}

bool DropoutAb::start(const layerlab::ExperimentSpec& spec, QString* error) {
    if (m_worker->isBusy() || isActive()) {
        *error = tr("a run is going on; stop it or wait for it to finish");
        return false;
    }
    layerlab::ExperimentSpec on = spec;
    if (layerlab::setAllDropout(on.model, /*enabled=*/true) == 0) {
        *error = tr("the network has no dropout layer to switch; add one (Network panel) first");
        return false;
    }
    m_second = spec;
    layerlab::setAllDropout(m_second.model, /*enabled=*/false);
    on.name = spec.name + "-dropout";
    m_second.name = spec.name + "-no-dropout";
    m_directories.clear();
    if (!m_worker->start(on)) {
        *error = tr("the first run could not start");
        return false;
    }
    m_stage = Stage::First;
    m_directories << m_worker->lastRunDirectory();
    emit progress(tr("Dropout A/B: run 1 of 2 (dropout on)"));
    return true;
}

void DropoutAb::runFinished(const layerlab::RunSummary& summary) {
    if (m_stage == Stage::Idle) {
        return;
    }
    if (summary.outcome != layerlab::RunOutcome::Completed) {
        m_stage = Stage::Idle;
        emit abandoned(
            summary.outcome == layerlab::RunOutcome::Stopped
                ? tr("Dropout A/B stopped")
                : tr("Dropout A/B abandoned: %1").arg(QString::fromStdString(summary.message)));
        return;
    }
    if (m_stage == Stage::First) {
        m_stage = Stage::Second;
        // runFinished is emitted as the worker turns idle, so it starts again.
        if (!m_worker->start(m_second)) {
            m_stage = Stage::Idle;
            emit abandoned(tr("Dropout A/B: the second run could not start"));
            return;
        }
        m_directories << m_worker->lastRunDirectory();
        emit progress(tr("Dropout A/B: run 2 of 2 (dropout off)"));
        return;
    }
    m_stage = Stage::Idle;
    emit finished(m_directories);
}
