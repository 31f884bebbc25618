#include "run_export.h"

#include <QDir>
#include <QFile>
#include <QJsonObject>
#include <QTextStream>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>

#include "evaluation_pictures.h"
#include "format.h"
#include "network_evaluation.h"

namespace {

// As the live chart smooths: about the last 20 steps, bias-corrected.
constexpr double kSmoothing = 0.95;
// Points per exported line: enough for a smooth curve in a 1600-pixel PNG,
// few enough that the SVG stays small.
constexpr int kMaxLinePoints = 800;
// Four rows of ten in the exported grid: enough to see what the network
// confuses, small enough for a post.
constexpr size_t kBundleMistakes = 40;

QVector<QPointF> smoothedSteps(const RunRecord& run, bool accuracy) {
    QVector<QPointF> points;
    const qsizetype count = run.steps.size();
    const qsizetype every = std::max<qsizetype>(1, count / kMaxLinePoints);
    points.reserve(count / every + 2);
    double ema = 0;
    double weight = 0;
    for (qsizetype i = 0; i < count; ++i) {
        const StepPoint& s = run.steps[i];
        const double value = accuracy ? s.accuracy * 100.0 : s.loss;
        if (!std::isfinite(value)) {
            continue;
        }
        ema = kSmoothing * ema + (1 - kSmoothing) * value;
        weight = kSmoothing * weight + (1 - kSmoothing);
        if (i % every == 0 || i == count - 1) {
            points.append(QPointF(double(s.step) / double(run.stepsPerEpoch), ema / weight));
        }
    }
    return points;
}

ChartPicture picture(const QVector<RunRecord>& runs, bool accuracy) {
    ChartPicture p;
    // One run's legend names its two lines; several runs' legend names the
    // runs, so the title says which line is which. A run of one epoch has
    // a validation dot, not a dashed line.
    const bool dashed = std::any_of(runs.begin(), runs.end(),
                                    [](const RunRecord& run) { return run.validation.size() > 1; });
    const QString key = runs.size() == 1 ? QString()
                        : dashed         ? QObject::tr(" (solid: training, dashed: validation)")
                                         : QObject::tr(" (lines: training, dots: validation)");
    p.title = (accuracy ? QObject::tr("Accuracy") : QObject::tr("Loss")) + key;
    p.xTitle = QObject::tr("epoch");
    p.yTitle = accuracy ? QObject::tr("accuracy (%)") : QObject::tr("cross-entropy loss");
    p.yCeiling = accuracy ? 100.0 : 1e300;
    p.yFormat = accuracy ? "%.1f" : "%.2f";
    int epochs = 1;
    for (int i = 0; i < runs.size(); ++i) {
        const RunRecord& run = runs[i];
        epochs = std::max({epochs, run.epochsPlanned, run.epochsDone});
        ChartLine train;
        train.name = runs.size() == 1 ? QObject::tr("training (smoothed)") : run.name;
        train.color = runColor(i);
        train.points = smoothedSteps(run, accuracy);
        ChartLine validation;
        validation.name = runs.size() == 1 ? QObject::tr("validation (per epoch)") : QString();
        validation.color = runs.size() == 1 ? runColor(1) : runColor(i);
        validation.style = Qt::DashLine;
        validation.markers = true;
        for (const ValidationPoint& v : run.validation) {
            validation.points.append(QPointF(v.epoch, accuracy ? v.accuracy * 100.0 : v.loss));
        }
        p.lines.append(train);
        p.lines.append(validation);
    }
    p.xMin = 0;
    p.xMax = epochs;
    return p;
}

QString layerText(const layerlab::LayerSpec& layer) {
    using layerlab::LayerKind;
    QString text = QString::fromStdString(layerlab::toString(layer.kind));
    switch (layer.kind) {
        case LayerKind::Conv2d:
            text += QString(" %1 %2×%2 %3")
                        .arg(layer.filters)
                        .arg(layer.kernel)
                        .arg(QString::fromStdString(layerlab::toString(layer.padding)));
            break;
        case LayerKind::MaxPool2d:
        case LayerKind::AvgPool2d:
            text += QString(" %1").arg(layer.kernel);
            break;
        case LayerKind::Dense:
            text += QString(" %1").arg(layer.units);
            break;
        case LayerKind::Dropout:
            text += layer.enabled ? QString(" %1").arg(layer.rate) : QObject::tr(" off");
            break;
        default:
            break;
    }
    if ((layer.kind == LayerKind::Conv2d || layer.kind == LayerKind::Dense ||
         layer.kind == LayerKind::Activation) &&
        layer.activation != layerlab::Activation::Linear) {
        text += " " + QString::fromStdString(layerlab::toString(layer.activation));
    }
    return text;
}

QString cell(QString text) {
    return text.replace('|', "\\|");
}

QString row(const QString& label, const QStringList& values) {
    QStringList cells{cell(label)};
    for (const QString& v : values) {
        cells << cell(v);
    }
    return "| " + cells.join(" | ") + " |\n";
}

bool writeText(const QString& file, const QString& text, QString* error) {
    QFile out(file);
    if (!out.open(QIODevice::WriteOnly | QIODevice::Truncate | QIODevice::Text) ||
        out.write(text.toUtf8()) < 0) {
        if (error) {
            *error = QObject::tr("%1: cannot write it: %2").arg(file, out.errorString());
        }
        return false;
    }
    return true;
}

bool copyReplacing(const QString& from, const QString& to, QString* error) {
    QFile::remove(to);
    if (!QFile::copy(from, to)) {
        if (error) {
            *error = QObject::tr("%1: cannot copy it to %2").arg(from, to);
        }
        return false;
    }
    return true;
}

}  // namespace

ChartPicture lossPicture(const QVector<RunRecord>& runs) {
    return picture(runs, /*accuracy=*/false);
}

ChartPicture accuracyPicture(const QVector<RunRecord>& runs) {
    return picture(runs, /*accuracy=*/true);
}

QString runsMarkdown(const QVector<RunRecord>& runs) {
    QString md;
    QTextStream out(&md);
    QStringList names;
    for (const RunRecord& run : runs) {
        names << run.name;
    }
    out << "# " << (runs.size() == 1 ? runs.front().name : names.join(" vs ")) << "\n\n";

    out << "## Configuration\n\n" << row(QObject::tr("setting"), names);
    out << "|" << QString(" --- |").repeated(int(runs.size()) + 1) << "\n";
    const auto each = [&](const QString& label, auto value) {
        QStringList values;
        for (const RunRecord& run : runs) {
            values << (run.specValid ? value(run) : QStringLiteral("?"));
        }
        out << row(label, values);
    };
    each(QObject::tr("dataset"), [](const RunRecord& r) { return r.dataset; });
    each(QObject::tr("layers"), [](const RunRecord& r) {
        QStringList layers;
        for (const layerlab::LayerSpec& layer : r.spec.model.layers) {
            layers << layerText(layer);
        }
        return layers.join(" → ");
    });
    each(QObject::tr("dropout"), [](const RunRecord& r) { return r.dropoutText(); });
    each(QObject::tr("optimizer"), [](const RunRecord& r) {
        const layerlab::TrainingSpec& t = r.spec.training;
        QString text = QString("%1, learning rate %2")
                           .arg(QString::fromStdString(layerlab::toString(t.optimizer)))
                           .arg(t.learningRate);
        if (t.optimizer == layerlab::OptimizerKind::Sgd && t.momentum > 0) {
            text += QString(", momentum %1").arg(t.momentum);
        }
        return text;
    });
    each(QObject::tr("batch size"),
         [](const RunRecord& r) { return QString::number(r.spec.training.batchSize); });
    each(QObject::tr("epochs"),
         [](const RunRecord& r) { return QString::number(r.spec.training.epochs); });
    each(QObject::tr("training images"), [](const RunRecord& r) {
        // A run that ended before its first epoch has no count in its
        // summary; its experiment still says what it asked for.
        const qint64 n = r.summary.value("train_samples").toInteger();
        const int64_t limit = r.spec.training.trainLimit;
        return n > 0 ? fmt::grouped(n) : limit > 0 ? fmt::grouped(limit) : QObject::tr("all");
    });
    each(QObject::tr("seed"),
         [](const RunRecord& r) { return QString::number(qulonglong(r.spec.training.seed)); });

    out << "\n## Results\n\n"
        << row(QObject::tr("run"),
               {QObject::tr("validation accuracy"), QObject::tr("difference"),
                QObject::tr("validation loss"), QObject::tr("epochs"),
                QObject::tr("time per epoch"), QObject::tr("samples/s"), QObject::tr("outcome")})
        << "| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n";
    const double reference = runs.front().validationAccuracy;
    for (int i = 0; i < runs.size(); ++i) {
        const RunRecord& r = runs[i];
        const bool has = r.validationAccuracy >= 0;
        QString difference = QStringLiteral("—");
        if (i > 0 && has && reference >= 0) {
            difference = QString("%1%2 pt")
                             .arg(r.validationAccuracy >= reference ? "+" : "−")
                             .arg(std::abs(r.validationAccuracy - reference) * 100.0, 0, 'f', 2);
        }
        out << row(
            r.name,
            {has ? QString("%1%").arg(r.validationAccuracy * 100.0, 0, 'f', 2) : "—", difference,
             has ? QString::number(r.validationLoss, 'f', 4) : "—", QString::number(r.epochsDone),
             r.secondsPerEpoch > 0 ? fmt::duration(r.secondsPerEpoch) : "—",
             r.samplesPerSecond > 0 ? fmt::grouped(qint64(r.samplesPerSecond)) : "—", r.outcome});
    }

    // The device's name says its threads ("CPU (2 threads, batches
    // halved)"); the bare LibTorch thread count beside it (1) misled.
    out << "\n## Environment\n\n"
        << row(QObject::tr("run"), {"LayerLab", "LibTorch", "Qt", QObject::tr("device")})
        << "| --- | --- | --- | --- | --- |\n";
    for (const RunRecord& r : runs) {
        const QJsonObject env = r.summary.value("environment").toObject();
        if (env.isEmpty()) {
            // Written with the first epoch's summary: none yet.
            out << row(r.name, {"—", "—", "—", "—"});
            continue;
        }
        out << row(r.name, {env.value("layerlab").toString(), env.value("libtorch").toString(),
                            env.value("qt").toString(QObject::tr("(CLI)")),
                            env.value("device_name").toString()});
    }
    out << "\n![Loss](loss.svg)\n\n![Accuracy](accuracy.svg)\n";
    return md;
}

QVector<BundleValidation> validateForBundle(const QVector<RunRecord>& runs) {
    QVector<BundleValidation> validations;
    std::shared_ptr<const layerlab::Dataset> data;  // loaded once for all runs
    for (const RunRecord& run : runs) {
        BundleValidation& validation = validations.emplace_back();
        if (!run.hasCheckpoint) {
            validation.missingBecause = QObject::tr("no checkpoint");
            continue;
        }
        try {
            validation.results = validateRunFolder(run.directory, data).results;
            data = validation.results->data;
        } catch (const std::exception& failure) {
            validation.missingBecause = QString::fromUtf8(failure.what());
        }
    }
    return validations;
}

bool exportBundle(const QVector<RunRecord>& runs, const QString& outDir, QString* error,
                  QStringList* skipped) {
    return exportBundle(runs, validateForBundle(runs), outDir, error, skipped);
}

bool exportBundle(const QVector<RunRecord>& runs, const QVector<BundleValidation>& validations,
                  const QString& outDir, QString* error, QStringList* skipped) {
    if (runs.isEmpty() || validations.size() != runs.size()) {
        if (error) {
            *error = QObject::tr("no run to export");
        }
        return false;
    }
    if (!QDir().mkpath(outDir)) {
        if (error) {
            *error = QObject::tr("%1: cannot create the folder").arg(outDir);
        }
        return false;
    }
    const QDir dir(outDir);
    const ChartPicture loss = lossPicture(runs);
    const ChartPicture accuracy = accuracyPicture(runs);
    if (!saveChartPng(loss, dir.filePath("loss.png"), error) ||
        !saveChartSvg(loss, dir.filePath("loss.svg"), error) ||
        !saveChartPng(accuracy, dir.filePath("accuracy.png"), error) ||
        !saveChartSvg(accuracy, dir.filePath("accuracy.svg"), error)) {
        return false;
    }
    QString markdown = runsMarkdown(runs);
    QStringList prefixes;  // two runs of the same folder name must not overwrite each other
    for (qsizetype i = 0; i < runs.size(); ++i) {
        const RunRecord& run = runs[i];
        QString prefix = runs.size() == 1 ? QString() : run.name + "-";
        for (int n = 2; prefixes.contains(prefix); ++n) {
            prefix = run.name + "-" + QString::number(n) + "-";
        }
        prefixes << prefix;
        const QString metrics = run.directory + "/metrics.csv";
        if (!copyReplacing(run.directory + "/config.json", dir.filePath(prefix + "experiment.json"),
                           error) ||
            (QFile::exists(metrics) &&
             !copyReplacing(metrics, dir.filePath(prefix + "metrics.csv"), error))) {
            return false;
        }
        const std::shared_ptr<const ValidationResults>& results = validations[i].results;
        if (!results) {
            if (skipped) {
                skipped->append(QObject::tr("%1: no confusion matrix: %2")
                                    .arg(run.name, validations[i].missingBecause));
            }
            continue;
        }
        const QString mistakesTitle = QObject::tr("%1 · the most confident mistakes").arg(run.name);
        const std::vector<int64_t> mistakes = worstMistakes(*results, kBundleMistakes);
        for (const char* suffix : {".png", ".svg"}) {
            if (!saveConfusionMatrix(*results, QObject::tr("Confusion matrix · %1").arg(run.name),
                                     dir.filePath(prefix + "confusion" + suffix), error) ||
                !savePredictionGrid(*results, mistakes, mistakesTitle,
                                    dir.filePath(prefix + "mistakes" + suffix), error)) {
                return false;
            }
        }
        markdown += QObject::tr(
                        "\n### %1\n\n![Confusion matrix](%2confusion.svg)\n\n"
                        "![The most confident mistakes](%2mistakes.svg)\n")
                        .arg(run.name, prefix);
    }
    return writeText(dir.filePath("README.md"), markdown, error);
}

bool isHeadlessExport(int argc, char** argv) {
    for (int i = 1; i < argc; ++i) {
        if (std::strcmp(argv[i], "--export") == 0) {
            return true;
        }
    }
    return false;
}

int runHeadlessExport(const QStringList& arguments) {
    QStringList runs;
    QString out;
    for (qsizetype i = 1; i < arguments.size(); ++i) {
        if (arguments[i] == "--to" && i + 1 < arguments.size()) {
            out = arguments[++i];
        } else if (arguments[i] != "--export") {
            runs << arguments[i];
        }
    }
    if (runs.isEmpty() || out.isEmpty()) {
        std::fprintf(stderr, "usage: layerlab --export RUN_DIR [RUN_DIR...] --to OUT_DIR\n");
        return 2;
    }
    QVector<RunRecord> records;
    for (const QString& run : runs) {
        if (!QFile::exists(run + "/metrics.csv")) {
            std::fprintf(stderr, "error: %s: not a run folder (no metrics.csv)\n", qPrintable(run));
            return 1;
        }
        RunReader reader(run);
        reader.update();
        records.append(reader.record());
    }
    QString error;
    QStringList skipped;
    if (!exportBundle(records, out, &error, &skipped)) {
        std::fprintf(stderr, "error: %s\n", qPrintable(error));
        return 1;
    }
    for (const QString& note : skipped) {
        std::fprintf(stderr, "note: %s\n", qPrintable(note));
    }
    std::printf("exported %d run(s) to %s\n", int(records.size()), qPrintable(out));
    return 0;
}
