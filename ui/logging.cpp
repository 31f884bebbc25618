#include "logging.h"

Q_LOGGING_CATEGORY(lcUi, "layerlab.ui", QtInfoMsg)
Q_LOGGING_CATEGORY(lcTrain, "layerlab.train", QtInfoMsg)
