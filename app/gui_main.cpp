// The workbench: one window, the experiment from last time (or the blog's
// seed preset), training on a worker thread.

#include <QApplication>
#include <QIcon>
#include <QTimer>

#include <cstdio>
#include <cstring>
#include <optional>

#include "dataset_setup_dialog.h"
#include "layerlab/version.h"
#include "main_window.h"
#include "run_export.h"

namespace {

constexpr const char* kUsage =
    "Usage: layerlab [EXPERIMENT.json]\n"
    "       layerlab --export RUN_DIR [RUN_DIR...] --to OUT_DIR\n"
    "\n"
    "The LayerLab workbench: build a CNN, train it, watch it learn. With a file,\n"
    "opens that experiment. --export writes a blog bundle of finished runs\n"
    "(charts, confusion matrix, mistakes, summary) without a window.\n"
    "Training without a display: layerlab-cli (see layerlab-cli --help).\n";

// Answered before Qt starts: QApplication aborts when there is no display,
// and would open a window for --help.
std::optional<int> answerWithoutWindow(int argc, char** argv, bool headlessExport) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--help") == 0 || std::strcmp(argv[i], "-h") == 0) {
            std::fputs(kUsage, stdout);
            return 0;
        }
        if (std::strcmp(argv[i], "--version") == 0) {
            std::printf("layerlab %s\n", LAYERLAB_VERSION_STRING);
            return 0;
        }
    }
    bool platformArgument = false;  // Qt's own -platform NAME
    for (int i = 1; i < argc; ++i) {
        platformArgument = platformArgument || std::strcmp(argv[i], "-platform") == 0;
    }
    const bool display = platformArgument || !qEnvironmentVariableIsEmpty("DISPLAY") ||
                         !qEnvironmentVariableIsEmpty("WAYLAND_DISPLAY") ||
                         !qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM");
    if (!display && !headlessExport) {
        std::fputs(
            "layerlab: no display to open the window on (DISPLAY and WAYLAND_DISPLAY are "
            "unset); train without one with layerlab-cli, or export finished runs with "
            "layerlab --export\n",
            stderr);
        return 1;
    }
    return std::nullopt;
}

}  // namespace

int main(int argc, char** argv) {
    // `layerlab --export RUN_DIR --to OUT_DIR` draws its charts without a
    // window, so it runs on a box with no display too.
    const bool headlessExport = isHeadlessExport(argc, argv);
    if (const std::optional<int> exitCode = answerWithoutWindow(argc, argv, headlessExport)) {
        return *exitCode;
    }
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

    // Qt has taken its own options (-platform, -style...) out by now: what
    // is left is at most one experiment file.
    const QStringList arguments = QApplication::arguments().mid(1);
    for (const QString& argument : arguments) {
        if (argument.startsWith('-')) {
            std::fprintf(stderr, "layerlab: unknown option %s (see layerlab --help)\n",
                         qUtf8Printable(argument));
            return 2;
        }
    }
    if (arguments.size() > 1) {
        std::fprintf(stderr,
                     "layerlab: opens one experiment file, got %lld (see layerlab --help)\n",
                     static_cast<long long>(arguments.size()));
        return 2;
    }

    MainWindow window;
    window.show();
    // `layerlab FILE`, as the menu entry and file managers start it.
    if (!arguments.isEmpty()) {
        window.openFile(arguments.first());
    }
    // First run with no MNIST: say where it was looked for and offer to fetch
    // it, once the window is up behind the dialog.
    if (!layerlab::findDataset(layerlab::DatasetKind::Mnist, std::nullopt)) {
        QTimer::singleShot(0, &window,
                           [&window] { window.showDatasetSetup(layerlab::DatasetKind::Mnist); });
    }
    return app.exec();
}
