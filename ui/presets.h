#pragma once

#include <QString>
#include <QVector>

#include "layerlab/experiment.h"

// The experiments compiled into the app (resources/presets/*.json).
struct Preset {
    QString fileName;  // "seed-dropout.json"
    QString title;     // the experiment's name, or the file name
    layerlab::ExperimentSpec spec;
};

// Every preset that parses, seed first. A preset that does not parse is a
// build mistake: it is logged and left out, and the app still starts.
QVector<Preset> loadPresets();

// The blog's seed experiment: what a first start opens.
inline constexpr const char* kSeedPresetFile = "seed-dropout.json";
