#include "training_worker.h"

#include <QDir>
#include <QFile>
#include <QTimer>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "layerlab/digit_preprocessing.h"
#include "layerlab/errors.h"
#include "layerlab/run_recorder.h"
#include "logging.h"
#include "recording_observer.h"
#include "run_history.h"

namespace {
// 5 Hz: charts that still move live. Training keeps every core busy, so
// what the GUI thread spends is taken from it; at 10 Hz the window's thread
// used about 6.6% of a core while training, at 5 Hz about 5%
// (layerlab-bench).
constexpr int kDrainIntervalMs = 200;
// Steps between weight snapshots for the drawing canvas: a few a second on a
// CPU, each a ~13 MB copy for the seed network, small against a step.
constexpr int kSnapshotEvery = 20;
}  // namespace

// Called on the training thread: copies and returns.
class TrainingWorker::Observer : public layerlab::TrainingObserver {
public:
    Observer(std::mutex& mutex, Inbox& inbox) : m_mutex(mutex), m_inbox(inbox) {}

    void onStart(const layerlab::RunStart& start) override {
        std::lock_guard lock(m_mutex);
        m_inbox.start = start;
    }
    void onSteps(const std::vector<layerlab::StepMetrics>& steps) override {
        std::lock_guard lock(m_mutex);
        m_inbox.steps.insert(m_inbox.steps.end(), steps.begin(), steps.end());
    }
    void onEpoch(const layerlab::EpochMetrics& epoch) override {
        std::lock_guard lock(m_mutex);
        m_inbox.epochs.push_back(epoch);
    }
    void onNotice(const std::string& message) override {
        std::lock_guard lock(m_mutex);
        m_inbox.notices.push_back(message);
    }
    void onFinish(const layerlab::RunSummary& summary) override {
        std::lock_guard lock(m_mutex);
        m_inbox.summary = summary;
    }

private:
    std::mutex& m_mutex;
    Inbox& m_inbox;
};

namespace {

// A new folder for the run: "<name>-<date-time>", with a number added when
// two runs start within the same second (a quick A/B pair).
QString newRunDirectory(const QString& parent, const layerlab::ExperimentSpec& spec) {
    const QString base = QDir(parent).filePath(QString::fromStdString(layerlab::newRunName(spec)));
    QString candidate = base;
    for (int n = 2; QFileInfo::exists(candidate); ++n) {
        candidate = base + "-" + QString::number(n);
    }
    return candidate;
}

}  // namespace

TrainingWorker::TrainingWorker(QObject* parent) : QObject(parent), m_drainTimer(new QTimer(this)) {
    m_drainTimer->setInterval(kDrainIntervalMs);
    connect(m_drainTimer, &QTimer::timeout, this, &TrainingWorker::drain);
}

TrainingWorker::~TrainingWorker() {
    shutdown();
}

bool TrainingWorker::start(const layerlab::ExperimentSpec& spec) {
    if (isBusy()) {
        return false;
    }
    launch(spec,
           newRunDirectory(m_runsDirectory.isEmpty() ? runsDirectory() : m_runsDirectory, spec),
           false);
    return true;
}

bool TrainingWorker::resumeRun(const QString& runDirectory, QString* error) {
    const auto refuse = [error](const QString& why) {
        if (error) {
            *error = why;
        }
        return false;
    };
    if (isBusy()) {
        return refuse(tr("A run is going on; stop it first"));
    }
    const QDir dir(runDirectory);
    if (!QFileInfo::exists(dir.filePath("checkpoint.pt"))) {
        return refuse(tr("%1: no checkpoint to resume from (one is written at each epoch's end)")
                          .arg(dir.filePath("checkpoint.pt")));
    }
    RunReader reader(runDirectory);
    reader.update();
    const RunRecord& run = reader.record();
    if (!run.specValid) {
        return refuse(
            tr("%1: the run's experiment cannot be read").arg(dir.filePath("config.json")));
    }
    if (const QString why = run.whyNotResumable(); !why.isEmpty()) {
        return refuse(tr("Cannot resume %1: %2").arg(run.name, why));
    }
    launch(run.spec, runDirectory, true);
    return true;
}

void TrainingWorker::launch(const layerlab::ExperimentSpec& spec, const QString& runDirectory,
                            bool resume) {
    finishThread();
    m_stopRequested = false;
    m_pauseRequested = false;
    {
        std::lock_guard lock(m_inboxMutex);
        m_inbox = Inbox{};
    }
    setState(State::Loading);
    m_runSpec = spec;
    {
        std::lock_guard lock(m_resultsMutex);
        m_finalWeights.reset();
        m_runData.reset();
    }
    m_lastRunDirectory = runDirectory;
    qCInfo(lcTrain) << (resume ? "resuming" : "starting") << QString::fromStdString(spec.name)
                    << "on" << QString::fromStdString(spec.dataset) << "into" << runDirectory;
    m_thread =
        std::thread(&TrainingWorker::trainOnThread, this, spec, runDirectory.toStdString(), resume);
    m_drainTimer->start();
}

void TrainingWorker::pause() {
    if (m_state != State::Running && m_state != State::Loading) {
        return;
    }
    m_pauseRequested = true;
    std::lock_guard lock(m_trainerMutex);
    if (m_trainer) {
        m_trainer->setPaused(true);
    }
    setState(State::Paused);
}

void TrainingWorker::resume() {
    if (m_state != State::Paused) {
        return;
    }
    m_pauseRequested = false;
    {
        std::lock_guard lock(m_trainerMutex);
        if (m_trainer) {
            m_trainer->setPaused(false);
        }
    }
    bool loaded = false;
    {
        std::lock_guard lock(m_inboxMutex);
        loaded = m_inbox.loaded;
    }
    setState(loaded ? State::Running : State::Loading);
}

void TrainingWorker::stop() {
    if (!isBusy() || m_state == State::Stopping) {
        return;
    }
    qCInfo(lcTrain) << "stop requested";
    m_stopRequested = true;
    {
        std::lock_guard lock(m_trainerMutex);
        if (m_trainer) {
            // Stop first, then unpause, so a paused run wakes up to the stop
            // rather than to one more step.
            m_trainer->requestStop();
            m_trainer->setPaused(false);
        }
    }
    setState(State::Stopping);
}

void TrainingWorker::shutdown() {
    if (m_thread.joinable()) {
        stop();
        finishThread();
        // The run's last news (its summary) is in the inbox; hand it over so
        // the state ends Idle and the panels see how the run ended.
        drain();
    }
    m_drainTimer->stop();
}

void TrainingWorker::finishThread() {
    if (m_thread.joinable()) {
        m_thread.join();
    }
}

void TrainingWorker::returnFreedMemory() {
    // The finished run's activations and buffers are freed by now, but glibc
    // keeps them in the arenas of the threads that used them: a window
    // measured 413 MB at its first run's peak and 504 MB at later ones.
    // Handed back, each run starts from what the window itself holds.
#ifdef __GLIBC__
    malloc_trim(0);
#endif
}

std::shared_ptr<const layerlab::Dataset> TrainingWorker::dataset(layerlab::DatasetKind kind) {
    auto& cached = m_datasets[kind];
    if (!cached) {
        cached = std::make_shared<const layerlab::Dataset>(layerlab::loadDataset(kind));
    }
    return cached;
}

std::map<std::string, std::string> TrainingWorker::environmentCard(const layerlab::Dataset& data) {
    return {{"qt", qVersion()},
            {"opencv", layerlab::vision::openCvVersion()},
            {"dataset_path", data.directory.string()},
            {"dataset_checksums", layerlab::datasetChecksums(data.directory)}};
}

void TrainingWorker::trainOnThread(layerlab::ExperimentSpec spec, std::string runDirectory,
                                   bool resume) {
    Observer guiObserver(m_inboxMutex, m_inbox);
    layerlab::TrainingObserver& observer = guiObserver;
    try {
        const auto kind = layerlab::datasetKindFromId(spec.dataset);
        if (!kind) {
            throw layerlab::SpecError("unknown dataset \"" + spec.dataset + "\"");
        }
        std::shared_ptr<const layerlab::Dataset> data = dataset(*kind);
        {
            std::lock_guard lock(m_resultsMutex);
            m_runData = data;
        }
        {
            std::lock_guard lock(m_inboxMutex);
            m_inbox.loaded = true;
        }
        if (m_stopRequested) {
            layerlab::RunSummary summary;
            summary.outcome = layerlab::RunOutcome::Stopped;
            summary.message = "stopped before the first step";
            observer.onFinish(summary);
            return;
        }

        layerlab::RunRecorder recorder(
            runDirectory, spec,
            resume ? layerlab::RunRecorder::Mode::Resume : layerlab::RunRecorder::Mode::Fresh);
        for (const auto& [key, value] : environmentCard(*data)) {
            recorder.setEnvironment(key, value);
        }
        layerlab::TrainerOptions options;
        options.checkpointFile = recorder.checkpointFile();
        options.snapshotEvery = kSnapshotEvery;
        if (resume) {
            options.resumeFrom = recorder.checkpointFile();
        }
        RecordingObserver recording(guiObserver, recorder, resume);
        layerlab::Trainer trainer(std::move(spec), std::move(data), options);
        {
            std::lock_guard lock(m_trainerMutex);
            m_trainer = &trainer;
            // A stop or pause pressed while the dataset loaded still counts.
            trainer.setPaused(m_pauseRequested);
            if (m_stopRequested) {
                trainer.requestStop();
            }
        }
        trainer.run(recording);
        {
            // The run's last weights outlive the trainer, for the canvas.
            std::lock_guard lock(m_resultsMutex);
            m_finalWeights = trainer.latestWeights();
        }
        std::lock_guard lock(m_trainerMutex);
        m_trainer = nullptr;
    } catch (const std::exception& error) {
        // DataError and SpecError carry a message written for the user; any
        // other exception is a bug, but the window must survive it too.
        {
            std::lock_guard lock(m_trainerMutex);
            m_trainer = nullptr;
        }
        layerlab::RunSummary summary;
        summary.outcome = layerlab::RunOutcome::Failed;
        summary.message = error.what();
        observer.onFinish(summary);
    }
    returnFreedMemory();
}

std::shared_ptr<const layerlab::ModelWeights> TrainingWorker::latestWeights() const {
    {
        std::lock_guard lock(m_trainerMutex);
        if (m_trainer) {
            if (auto weights = m_trainer->latestWeights()) {
                return weights;
            }
        }
    }
    std::lock_guard lock(m_resultsMutex);
    return m_finalWeights;
}

std::shared_ptr<const layerlab::Dataset> TrainingWorker::runDataset() const {
    std::lock_guard lock(m_resultsMutex);
    return m_runData;
}

void TrainingWorker::drain() {
    Inbox inbox;
    {
        std::lock_guard lock(m_inboxMutex);
        std::swap(inbox, m_inbox);
        // The flag describes the run, not this batch of news.
        m_inbox.loaded = inbox.loaded;
    }

    if (inbox.loaded && m_state == State::Loading) {
        setState(State::Running);
    }
    if (inbox.start) {
        qCInfo(lcTrain) << "running on" << QString::fromStdString(inbox.start->deviceName) << "-"
                        << inbox.start->totalSteps << "steps";
        emit runStarted(*inbox.start);
    }
    for (const std::string& notice : inbox.notices) {
        qCInfo(lcTrain) << "notice:" << QString::fromStdString(notice);
        emit noticeRaised(QString::fromStdString(notice));
    }
    if (!inbox.steps.empty()) {
        emit stepsArrived(inbox.steps);
    }
    for (const layerlab::EpochMetrics& epoch : inbox.epochs) {
        emit epochFinished(epoch);
    }
    if (inbox.summary) {
        // The thread ends right after onFinish (the trainer's destructor is all
        // that is left), so this join is not a wait on training.
        finishThread();
        m_drainTimer->stop();
        qCInfo(lcTrain) << "finished:" << QString::fromStdString(inbox.summary->message);
        setState(State::Idle);
        emit runFinished(*inbox.summary);
    }
}

void TrainingWorker::setState(State state) {
    if (m_state != state) {
        m_state = state;
        emit stateChanged(state);
    }
}
