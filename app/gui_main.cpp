// The workbench: one window, the experiment from last time (or the blog's
// seed preset), training on a worker thread.

#include <QApplication>

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

    if (headlessExport) {
        return runHeadlessExport(QApplication::arguments());
    }

    MainWindow window;
    window.show();
    return app.exec();
}
