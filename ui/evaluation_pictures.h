#pragma once

#include <QString>
#include <cstdint>
#include <vector>

#include "validation_results.h"

class QPainter;
class QPalette;
class QPoint;
class QRect;

// The confusion matrix and the prediction grid as pictures: the panels draw
// their cells and tiles with these, and the exports lay whole figures out
// at a size of their own (title, axis names, per-class recall and
// precision), as PNG at 2x or SVG.

// The cells of the matrix, `side` pixels each, from `origin`: right answers
// blue, mistakes red (a small share boosted so a 2% confusion still shows);
// counts, and the row share when a cell is at least 40 pixels.
void paintConfusionCells(QPainter& painter, const ValidationResults& results, QPoint origin,
                         int side);

// One tile of the grid: validation image `index` scaled `scale` times
// (nearest neighbour) at the top of `tile`, framed red when wrong, then the
// predicted class with its confidence and the true class on two lines.
void paintSampleTile(QPainter& painter, const ValidationResults& results, int64_t index,
                     const QRect& tile, int scale, const QPalette& palette);
// A tile's height for `scale` and a text line height.
int sampleTileHeight(int scale, int lineHeight);
constexpr int kSampleTilePadding = 4;

// A share as the panels print it: "97.1%", "100%", "3%" (tenths only from
// 10%, where they tell classes apart), "<1%", "0%".
QString sharePercent(double share);

// Whole figures into a file; the format follows the suffix (.svg, else PNG
// at 2x). False with `error` naming the file when it cannot be written.
bool saveConfusionMatrix(const ValidationResults& results, const QString& title,
                         const QString& file, QString* error = nullptr);
bool savePredictionGrid(const ValidationResults& results, const std::vector<int64_t>& indices,
                        const QString& title, const QString& file, QString* error = nullptr);

// The validation images a blog post shows first: the mistakes, the most
// confident first, at most `limit`.
std::vector<int64_t> worstMistakes(const ValidationResults& results, size_t limit);
