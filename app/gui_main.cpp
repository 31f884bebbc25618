// The workbench: one window, the experiment from last time (or the blog's
// seed preset), training on a worker thread.

#include <QApplication>

#include "main_window.h"

int main(int argc, char** argv) {
    QApplication app(argc, argv);
    // The names QSettings files the window layout and recent files under.
    QApplication::setOrganizationName("LayerLab");
    QApplication::setApplicationName("LayerLab");
    QApplication::setApplicationDisplayName("LayerLab");

    MainWindow window;
    window.show();
    return app.exec();
}
