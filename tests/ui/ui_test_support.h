#pragma once

// What every UI test needs before its first widget: no display, settings and
// standard paths of its own (so a test never reads or writes the user's
// layout and recent files), and the app's names for QSettings.

#include <QApplication>
#include <QSettings>
#include <QStandardPaths>
#include <QTemporaryDir>
#include <QtTest>

namespace layerlab_test {

inline void prepareEnvironment() {
    if (qEnvironmentVariableIsEmpty("QT_QPA_PLATFORM")) {
        qputenv("QT_QPA_PLATFORM", "offscreen");
    }
    QStandardPaths::setTestModeEnabled(true);
    QCoreApplication::setOrganizationName("LayerLabTests");
    QCoreApplication::setApplicationName("LayerLabTests");
}

// Settings live in a directory that disappears with the test process.
inline void useTemporarySettings(const QTemporaryDir& dir) {
    QSettings::setPath(QSettings::NativeFormat, QSettings::UserScope, dir.path());
    QSettings::setPath(QSettings::IniFormat, QSettings::UserScope, dir.path());
    QSettings().clear();
}

}  // namespace layerlab_test

#define LAYERLAB_UI_TEST_MAIN(TestClass)                   \
    int main(int argc, char** argv) {                      \
        layerlab_test::prepareEnvironment();               \
        QApplication app(argc, argv);                      \
        QTemporaryDir settingsDir;                         \
        layerlab_test::useTemporarySettings(settingsDir);  \
        QTemporaryDir runsDir; /* run folders of tests */  \
        qputenv("LAYERLAB_RUNS", runsDir.path().toUtf8()); \
        TestClass test;                                    \
        return QTest::qExec(&test, argc, argv);            \
    }
