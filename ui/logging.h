#pragma once

#include <QLoggingCategory>

// Enable with QT_LOGGING_RULES="layerlab.*.debug=true".
Q_DECLARE_LOGGING_CATEGORY(lcUi)
Q_DECLARE_LOGGING_CATEGORY(lcTrain)
