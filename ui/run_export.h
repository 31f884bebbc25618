#pragma once

#include <QString>
#include <QVector>
#include <memory>

#include "chart_export.h"
#include "run_history.h"

struct ValidationResults;

// The pictures and files made from run folders: the comparison view draws
// the pictures, "Export blog bundle…" and `layerlab --export` write them.

// Loss and accuracy of the runs overlaid against epochs: per run, the
// training curve (smoothed) solid and named, validation dashed with markers.
ChartPicture lossPicture(const QVector<RunRecord>& runs);
ChartPicture accuracyPicture(const QVector<RunRecord>& runs);

// The Markdown a blog post pastes: a configuration table, a results table
// with differences to the first run, the environment, and the charts.
QString runsMarkdown(const QVector<RunRecord>& runs);

// Writes into `outDir` (created when missing): loss.png/.svg,
// accuracy.png/.svg, README.md, and per run its experiment JSON,
// metrics.csv, and, validated from its checkpoint, confusion.png/.svg and
// mistakes.png/.svg (the most confident mistakes); names start with the
// run's when there are several. False with `error` set on the first file
// that cannot be written. A run whose matrix cannot be made (no checkpoint,
// dataset not found) is exported without it, and `skipped` says why.
bool exportBundle(const QVector<RunRecord>& runs, const QString& outDir, QString* error,
                  QStringList* skipped = nullptr);

// The slow half of the bundle, a validation pass per run (about two seconds
// each on one core): touches no widget, so the window runs it on a thread
// of its own and then writes with the results. One entry per run, in order:
// its results, or why it has none.
struct BundleValidation {
    std::shared_ptr<const ValidationResults> results;
    QString missingBecause;
};
QVector<BundleValidation> validateForBundle(const QVector<RunRecord>& runs);
bool exportBundle(const QVector<RunRecord>& runs, const QVector<BundleValidation>& validations,
                  const QString& outDir, QString* error, QStringList* skipped = nullptr);

// `layerlab --export RUN_DIR [RUN_DIR...] --to OUT_DIR`: the bundle, with no
// window. True when `arguments` ask for it (then the caller sets up an
// offscreen QApplication and calls runHeadlessExport, which returns the
// process exit code and prints what went wrong on stderr).
bool isHeadlessExport(int argc, char** argv);
int runHeadlessExport(const QStringList& arguments);
