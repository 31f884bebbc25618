// MainWindow's experiment files and session: open, save, presets, recent
// files, and the window state remembered between runs of the app.
#include <QFileDialog>
#include <QFileInfo>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QUndoStack>

#include "banner.h"
#include "experiment_document.h"
#include "layerlab/errors.h"
#include "logging.h"
#include "main_window.h"
#include "main_window_keys.h"
#include "presets.h"
#include "recent_files.h"

using namespace main_window_keys;

void MainWindow::restoreSession() {
    QSettings settings;
    if (!restoreGeometry(settings.value(kGeometryKey).toByteArray())) {
        resize(1366, 768);
    }
    restoreState(settings.value(kStateKey).toByteArray());

    const QString last = settings.value(kLastExperimentKey).toString();
    if (!last.isEmpty() && QFileInfo::exists(last)) {
        try {
            m_document->reset(layerlab::loadExperiment(last.toStdString()), last);
            return;
        } catch (const layerlab::Error& error) {
            // Not a dialog before the window is even shown: a banner says why
            // the seed opened instead.
            m_banner->showError(tr("Could not reopen %1: %2").arg(last, error.what()));
        }
    }
    const QVector<Preset> presets = loadPresets();
    if (presets.isEmpty()) {
        newExperiment();
    } else {
        openPreset(presets.front());
    }
}

void MainWindow::saveWindowState() {
    QSettings settings;
    settings.setValue(kGeometryKey, saveGeometry());
    settings.setValue(kStateKey, saveState());
    settings.setValue(kLastExperimentKey, m_document->filePath());
}

bool MainWindow::openFile(const QString& path) {
    try {
        m_document->reset(layerlab::loadExperiment(path.toStdString()), path);
    } catch (const layerlab::Error& error) {
        showError(tr("Cannot open experiment"), QString::fromStdString(error.what()));
        return false;
    } catch (const std::exception& error) {
        showError(tr("Cannot open experiment"), tr("%1: %2").arg(path, error.what()));
        return false;
    }
    m_recentFiles->add(path);
    QSettings().setValue(kLastExperimentKey, path);
    statusBar()->showMessage(tr("Opened %1").arg(path), 4000);
    return true;
}

bool MainWindow::saveFile(const QString& path) {
    try {
        layerlab::saveExperiment(m_document->spec(), path.toStdString());
    } catch (const std::exception& error) {
        showError(tr("Cannot save experiment"), QString::fromStdString(error.what()));
        return false;
    }
    m_document->markSaved(path);
    m_recentFiles->add(path);
    QSettings().setValue(kLastExperimentKey, path);
    statusBar()->showMessage(tr("Saved %1").arg(path), 4000);
    return true;
}

void MainWindow::newExperiment() {
    layerlab::ExperimentSpec spec;
    spec.name = "untitled";
    m_document->reset(spec, QString());
}

void MainWindow::openPreset(const Preset& preset) {
    // A preset opens as an unsaved copy: Save asks where, and the built-in
    // file is never overwritten.
    m_document->reset(preset.spec, QString());
    statusBar()->showMessage(tr("Preset: %1").arg(preset.title), 4000);
}

void MainWindow::open() {
    if (!maybeSave()) {
        return;
    }
    const QString path = QFileDialog::getOpenFileName(
        this, tr("Open experiment"), QFileInfo(m_document->filePath()).path(), kFileFilter);
    if (!path.isEmpty()) {
        openFile(path);
    }
}

bool MainWindow::save() {
    return m_document->filePath().isEmpty() ? saveAs() : saveFile(m_document->filePath());
}

bool MainWindow::saveAs() {
    QString suggested = m_document->filePath();
    if (suggested.isEmpty()) {
        suggested = QString::fromStdString(m_document->spec().name) + ".json";
    }
    QString path =
        QFileDialog::getSaveFileName(this, tr("Save experiment"), suggested, kFileFilter);
    if (path.isEmpty()) {
        return false;
    }
    if (QFileInfo(path).suffix().isEmpty()) {
        path += ".json";
    }
    return saveFile(path);
}

bool MainWindow::maybeSave() {
    if (!m_document->isModified()) {
        return true;
    }
    const auto answer = QMessageBox::warning(
        this, tr("Unsaved changes"),
        tr("%1 has changes that are not saved.").arg(m_document->displayName()),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Save) {
        return save();
    }
    return answer == QMessageBox::Discard;
}

void MainWindow::updateTitle() {
    setWindowTitle(tr("%1[*] — LayerLab").arg(m_document->displayName()));
    setWindowModified(m_document->isModified());
}
