#include "run_history.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QJsonArray>
#include <QJsonDocument>
#include <QObject>
#include <algorithm>

#include <sys/stat.h>

#include "layerlab/dataset.h"
#include "layerlab/errors.h"
#include "layerlab/run_recorder.h"

QString runsDirectory() {
    return QString::fromStdString(layerlab::defaultRunsDirectory().string());
}

bool runWrittenElsewhere(const QString& directory, QString* why) {
    std::string writer;
    if (!layerlab::runIsBeingWritten(directory.toStdString(), &writer)) {
        return false;
    }
    *why = QObject::tr("%1 is still being trained by %2; stop that run first")
               .arg(directory, QString::fromStdString(writer));
    return true;
}

QString RunRecord::whyNotResumable() const {
    if (outcome.isEmpty() || outcome == "running") {
        return QObject::tr("it is still being trained (by layerlab-cli or a LayerLab window)");
    }
    if (outcome == "completed" || (epochsPlanned > 0 && epochsDone >= epochsPlanned)) {
        return epochsPlanned == 1
                   ? QObject::tr("it has trained its one epoch; there is nothing to resume")
                   : QObject::tr("it has trained all its %1 epochs; there is nothing to resume")
                         .arg(epochsPlanned);
    }
    if (!hasCheckpoint) {
        return QObject::tr("it has no checkpoint (one is written at the end of each epoch)");
    }
    return {};
}

QString RunRecord::dropoutText() const {
    int on = 0;
    int off = 0;
    for (const layerlab::LayerSpec& layer : spec.model.layers) {
        if (layer.kind == layerlab::LayerKind::Dropout) {
            (layer.enabled ? on : off)++;
        }
    }
    if (on + off == 0) {
        return QObject::tr("no dropout");
    }
    return on > 0 ? QObject::tr("dropout on") : QObject::tr("dropout off");
}

RunReader::RunReader(const QString& directory, Keep keep) : m_keep(keep) {
    m_record.directory = QDir(directory).absolutePath();
    m_record.name = QFileInfo(m_record.directory).fileName();
    readConfig();
}

void RunReader::readConfig() {
    const QString config = m_record.directory + "/config.json";
    m_record.date = QFileInfo(config).birthTime();
    if (!m_record.date.isValid()) {
        m_record.date = QFileInfo(config).lastModified();
    }
    try {
        m_record.spec = layerlab::loadExperiment(config.toStdString());
        m_record.specValid = true;
        m_record.dataset = QString::fromStdString(m_record.spec.dataset);
        m_record.epochsPlanned = m_record.spec.training.epochs;
    } catch (const std::exception&) {
        m_record.specValid = false;  // listed, with what its summary says
    }
}

bool RunReader::update() {
    const bool summaryChanged = readSummary();
    const bool metricsChanged = readMetrics();
    m_record.hasCheckpoint = QFileInfo::exists(m_record.directory + "/checkpoint.pt");
    // Checked at every update: a process that dies changes no file, and one
    // that resumes a stopped run writes no summary until its first epoch ends.
    const QString before = m_record.outcome;
    const bool saysRunning = m_writtenOutcome.isEmpty() || m_writtenOutcome == "running";
    if (layerlab::runIsBeingWritten(m_record.directory.toStdString())) {
        m_record.outcome = QStringLiteral("running");
    } else {
        m_record.outcome = saysRunning ? QStringLiteral("interrupted") : m_writtenOutcome;
    }
    return summaryChanged || metricsChanged || m_record.outcome != before;
}

bool RunReader::readSummary() {
    const QFileInfo info(m_record.directory + "/summary.json");
    // Each summary is a new file renamed into place: its inode tells it from
    // the last one read even when both were written within the same clock
    // tick, as a run's last epoch and its end are (a list showed the last
    // epoch's "running" after the run had completed).
    struct stat status {};
    if (::stat(QFile::encodeName(info.filePath()).constData(), &status) != 0) {
        return false;
    }
    const SummaryStamp stamp{status.st_ino, status.st_mtim.tv_sec, status.st_mtim.tv_nsec,
                             status.st_size};
    if (stamp == m_summaryStamp) {
        return false;
    }
    QFile file(info.filePath());
    if (!file.open(QIODevice::ReadOnly)) {
        return false;
    }
    const QJsonObject summary = QJsonDocument::fromJson(file.readAll()).object();
    if (summary.isEmpty()) {
        return false;  // replaced while we read it: next time
    }
    m_summaryStamp = stamp;
    RunRecord& r = m_record;
    r.summary = summary;
    m_writtenOutcome = summary.value("outcome").toString();
    r.epochsDone = summary.value("epochs").toInt();
    r.validationAccuracy = summary.value("val_accuracy").toDouble(-1);
    r.validationLoss = summary.value("val_loss").toDouble(-1);
    r.secondsPerEpoch = summary.value("seconds_per_epoch").toDouble();
    r.samplesPerSecond = summary.value("samples_per_second").toDouble();
    if (r.dataset.isEmpty()) {
        r.dataset = summary.value("dataset").toString();
    }
    const qint64 train = summary.value("train_samples").toInteger();
    if (train > 0 && r.specValid && r.spec.training.batchSize > 0) {
        r.stepsPerEpoch = (train + r.spec.training.batchSize - 1) / r.spec.training.batchSize;
    }
    return true;
}

bool RunReader::readMetrics() {
    QFile file(m_record.directory + "/metrics.csv");
    if (!file.open(QIODevice::ReadOnly)) {
        return false;
    }
    if (file.size() < m_metricsOffset) {
        // Rewritten (a resume drops a cut-short epoch): read it again.
        m_metricsOffset = 0;
        m_record.steps.clear();
        m_record.validation.clear();
        m_sawSteps = false;
    }
    if (file.size() == m_metricsOffset || !file.seek(m_metricsOffset)) {
        return false;
    }
    const QByteArray bytes = file.readAll();
    const qsizetype end = bytes.lastIndexOf('\n');
    if (end < 0) {
        return false;
    }
    bool changed = false;
    const QList<QByteArray> lines = bytes.left(end).split('\n');
    for (const QByteArray& line : lines) {
        const QList<QByteArray> cells = line.split(',');
        if (cells.size() < 7 || cells[0] == "step") {
            continue;
        }
        bool ok = false;
        const int64_t step = cells[0].toLongLong(&ok);
        if (!ok) {
            continue;
        }
        const int epoch = cells[1].toInt();
        if (!cells[4].isEmpty()) {
            m_record.validation.append({epoch, step, cells[4].toDouble(), cells[5].toDouble()});
            if (m_record.summary.isEmpty() && epoch == 1) {
                m_record.stepsPerEpoch = std::max<int64_t>(1, step);
            }
        } else {
            m_sawSteps = true;
            if (m_keep == Keep::EveryStep) {
                m_record.steps.append({step, epoch, cells[2].toDouble(), cells[3].toDouble()});
            }
        }
        changed = true;
    }
    m_metricsOffset += end + 1;
    if (m_record.stepsPerEpoch <= 1 && !m_record.validation.isEmpty()) {
        m_record.stepsPerEpoch = std::max<int64_t>(1, m_record.validation.front().step);
    }
    if (m_record.stepsPerEpoch <= 1 && m_record.specValid && m_sawSteps) {
        // No validation row yet: a live run's first epoch. Guess from the
        // spec's training limit (MNIST's 60,000 when it has none).
        const layerlab::TrainingSpec& t = m_record.spec.training;
        const auto kind = layerlab::datasetKindFromId(m_record.spec.dataset);
        const int64_t images =
            t.trainLimit > 0 ? t.trainLimit : (kind ? layerlab::datasetInfo(*kind).trainCount : 0);
        if (images > 0 && t.batchSize > 0) {
            m_record.stepsPerEpoch = (images + t.batchSize - 1) / t.batchSize;
        }
    }
    if (!m_record.validation.isEmpty()) {
        const ValidationPoint& last = m_record.validation.back();
        m_record.epochsDone = std::max(m_record.epochsDone, last.epoch);
        if (m_writtenOutcome.isEmpty() || m_writtenOutcome == "running") {
            m_record.validationAccuracy = last.accuracy;
            m_record.validationLoss = last.loss;
        }
    }
    return changed;
}

QVector<RunRecord> RunListing::list(const QString& directory) {
    QVector<RunRecord> runs;
    std::map<QString, RunReader> listed;
    const QDir dir(directory);
    for (const QFileInfo& entry : dir.entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot)) {
        if (!QFileInfo::exists(entry.filePath() + "/config.json")) {
            continue;
        }
        const QString folder = QDir(entry.filePath()).absolutePath();
        auto known = m_readers.find(folder);
        RunReader reader = known != m_readers.end()
                               ? std::move(known->second)
                               : RunReader(folder, RunReader::Keep::ValidationOnly);
        reader.update();
        runs.append(reader.record());
        listed.emplace(folder, std::move(reader));
    }
    m_readers = std::move(listed);
    std::sort(runs.begin(), runs.end(),
              [](const RunRecord& a, const RunRecord& b) { return a.date > b.date; });
    return runs;
}

QVector<RunRecord> listRuns(const QString& directory) {
    return RunListing().list(directory);
}
