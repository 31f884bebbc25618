#include "presets.h"

#include <algorithm>

#include <QDir>
#include <QFile>

#include "layerlab/errors.h"
#include "logging.h"

QVector<Preset> loadPresets() {
    QVector<Preset> presets;
    const QDir dir(":/presets");
    for (const QString& fileName : dir.entryList({"*.json"}, QDir::Files, QDir::Name)) {
        QFile file(dir.filePath(fileName));
        if (!file.open(QIODevice::ReadOnly)) {
            continue;
        }
        try {
            Preset preset;
            preset.fileName = fileName;
            preset.spec =
                layerlab::parseExperiment(file.readAll().toStdString(), fileName.toStdString());
            preset.title =
                preset.spec.name.empty() ? fileName : QString::fromStdString(preset.spec.name);
            presets.append(std::move(preset));
        } catch (const layerlab::Error& error) {
            qCWarning(lcUi) << "preset" << fileName << "does not parse:" << error.what();
        }
    }
    std::stable_partition(presets.begin(), presets.end(),
                          [](const Preset& p) { return p.fileName == kSeedPresetFile; });
    return presets;
}
