// The workbench: one window, the experiment from last time (or the blog's
// seed preset), training on a worker thread.

#include <QApplication>
#include <QIcon>
#include <QTimer>

#include "dataset_setup_dialog.h"
#include "main_window.h"
#include "run_export.h"

int main(int argc, char** argv) {
    // `layerlab --export RUN_DIR --to OUT_DIR` draws its charts without a
    // window, so it runs on a box with no display too.
    const bool headlessExport = isHeadlessExport(argc, argv);
    if (headlessExport && qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QApplication app(argc, argv);
    // The names QSettings files the window layout and recent files under.
    QApplication::setOrganizationName("LayerLab");
    QApplication::setApplicationName("LayerLab");
    QApplication::setApplicationDisplayName("LayerLab");
    // The menu entry's name, so a Wayland shell matches the window to it.
    QGuiApplication::setDesktopFileName("org.example.LayerLab");
    QApplication::setWindowIcon(QIcon(":/layerlab.svg"));

    // A data folder picked in the first-run dialog, unless $LAYERLAB_DATA
    // says otherwise.
    DatasetSetupDialog::restoreDataFolder();

    if (headlessExport) {
        return runHeadlessExport(QApplication::arguments());
    }

    MainWindow window;
    window.show();
    // `layerlab FILE`, as the menu entry and file managers start it.
    const QStringList arguments = QApplication::arguments();
    if (arguments.size() > 1 && !arguments.at(1).startsWith('-')) {
        window.openFile(arguments.at(1));
    }
    // First run with no MNIST: say where it was looked for and offer to fetch
    // it, once the window is up behind the dialog.
    if (!layerlab::findDataset(layerlab::DatasetKind::Mnist, std::nullopt)) {
        QTimer::singleShot(0, &window,
                           [&window] { window.showDatasetSetup(layerlab::DatasetKind::Mnist); });
    }
    return app.exec();
}
