// Internal to MainWindow's translation units: the QSettings keys it uses.
#pragma once

#include <QObject>
#include <QString>

namespace main_window_keys {
inline const char* kLastExperimentKey = "lastExperiment";
inline const char* kGeometryKey = "window/geometry";
inline const char* kStateKey = "window/state";
inline const QString kFileFilter = QObject::tr("LayerLab experiments (*.json);;All files (*)");
}  // namespace main_window_keys
