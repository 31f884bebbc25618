#include "evaluation_pictures.h"

#include <QFontMetrics>
#include <QImage>
#include <QObject>
#include <QPainter>
#include <QPalette>
#include <algorithm>
#include <cmath>

#include "picture_export.h"

namespace {

// Exported figures: cells large enough for a count and a percentage, and
// grid images at 3x (84 pixels), still crisp squares.
constexpr int kFigureCell = 52;
constexpr int kFigureScale = 3;
constexpr int kFigureColumns = 10;
constexpr int kFigureMargin = 16;

QColor cellColor(bool diagonal, int64_t count, double share) {
    if (diagonal) {
        return QColor::fromHsvF(0.58, std::min(1.0, share), 0.55 + 0.4 * (1 - share));
    }
    const double strength = count == 0 ? 0.0 : std::min(1.0, 0.12 + 4.0 * share);
    return QColor::fromHsvF(0.0, strength * 0.85, 1.0 - strength * 0.15);
}

QFont titleFont() {
    QFont font;
    font.setPointSizeF(font.pointSizeF() * 1.3);
    font.setBold(true);
    return font;
}

// Where the parts of an exported matrix go, from the fonts' sizes.
struct MatrixFigure {
    int titleHeight = 0;
    int rowLabelWidth = 0;      // class names down the left
    int columnLabelHeight = 0;  // class names across the top, turned when long
    bool turnedLabels = false;
    int summaryWidth = 0;  // recall column
    QPoint origin;
    QSize size;
};

MatrixFigure layoutMatrix(const ValidationResults& r) {
    const QFontMetrics text{QFont()};
    int longest = 0;
    for (const QString& name : r.classNames) {
        longest = std::max(longest, text.horizontalAdvance(name));
    }
    MatrixFigure f;
    f.titleHeight = QFontMetrics(titleFont()).height() * 2 + text.height() + 10;
    // The axis name, turned, then the names (or "Precision" under them).
    f.rowLabelWidth =
        text.height() + std::max(longest, text.horizontalAdvance(QObject::tr("Precision"))) + 12;
    f.turnedLabels = longest > kFigureCell - 6;
    f.columnLabelHeight = (f.turnedLabels ? longest + 8 : text.height() + 4) + text.height();
    f.summaryWidth = text.horizontalAdvance("Recall 100%") + 12;
    f.origin = {kFigureMargin + f.rowLabelWidth,
                kFigureMargin + f.titleHeight + f.columnLabelHeight};
    const int grid = kFigureCell * r.numClasses;
    f.size = {f.origin.x() + grid + f.summaryWidth + kFigureMargin,
              f.origin.y() + grid + text.height() * 2 + 8 + kFigureMargin};
    return f;
}

void paintMatrixFigure(QPainter& painter, const ValidationResults& r, const QString& title,
                       const MatrixFigure& f) {
    painter.setRenderHint(QPainter::TextAntialiasing);
    const QFontMetrics text{QFont()};
    const int classes = r.numClasses;
    const int grid = kFigureCell * classes;
    painter.setPen(Qt::black);
    painter.setFont(titleFont());
    painter.drawText(QRect(kFigureMargin, kFigureMargin, f.size.width() - 2 * kFigureMargin,
                           QFontMetrics(titleFont()).height() * 2),
                     Qt::AlignHCenter | Qt::AlignVCenter, title);
    painter.setFont(QFont());
    int64_t correct = 0;
    for (int c = 0; c < classes; ++c) {
        correct += r.cell(c, c);
    }
    painter.setPen(QColor(90, 90, 90));
    painter.drawText(QRect(kFigureMargin, kFigureMargin + QFontMetrics(titleFont()).height() * 2,
                           f.size.width() - 2 * kFigureMargin, text.height()),
                     Qt::AlignHCenter,
                     QObject::tr("%1 of %2 validation images right (%3)")
                         .arg(correct)
                         .arg(r.count())
                         .arg(sharePercent(r.count() ? double(correct) / double(r.count()) : 0)));

    // Axis names, then the class names along each axis.
    painter.setPen(Qt::black);
    const int labelsTop = f.origin.y() - f.columnLabelHeight;
    painter.drawText(QRect(f.origin.x(), labelsTop, grid, text.height()), Qt::AlignHCenter,
                     QObject::tr("Predicted class"));
    painter.save();
    painter.translate(kFigureMargin, f.origin.y() + grid / 2);
    painter.rotate(-90);
    painter.drawText(QRect(-grid / 2, 0, grid, text.height()), Qt::AlignHCenter,
                     QObject::tr("True class"));
    painter.restore();
    for (int c = 0; c < classes; ++c) {
        const QString name = r.classNames.value(c);
        painter.drawText(QRect(kFigureMargin + text.height(), f.origin.y() + c * kFigureCell,
                               f.rowLabelWidth - text.height() - 6, kFigureCell),
                         Qt::AlignRight | Qt::AlignVCenter, name);
        const int x = f.origin.x() + c * kFigureCell;
        if (f.turnedLabels) {
            painter.save();
            painter.translate(x + kFigureCell / 2 + text.ascent() / 2, f.origin.y() - 4);
            painter.rotate(-90);
            painter.drawText(0, 0, name);
            painter.restore();
        } else {
            painter.drawText(QRect(x, f.origin.y() - text.height() - 4, kFigureCell, text.height()),
                             Qt::AlignCenter, name);
        }
    }
    paintConfusionCells(painter, r, f.origin, kFigureCell);
    painter.setPen(QColor(150, 150, 150));
    painter.drawRect(QRect(f.origin, QSize(grid, grid)));

    // Recall per row on the right, precision per column underneath.
    painter.setPen(Qt::black);
    const int right = f.origin.x() + grid + 8;
    for (int c = 0; c < classes; ++c) {
        int64_t row = 0;
        int64_t column = 0;
        for (int o = 0; o < classes; ++o) {
            row += r.cell(c, o);
            column += r.cell(o, c);
        }
        const int64_t hit = r.cell(c, c);
        painter.drawText(QRect(right, f.origin.y() + c * kFigureCell, f.summaryWidth, kFigureCell),
                         Qt::AlignLeft | Qt::AlignVCenter,
                         row ? sharePercent(double(hit) / double(row)) : QStringLiteral("–"));
        painter.drawText(QRect(f.origin.x() + c * kFigureCell, f.origin.y() + grid + 4, kFigureCell,
                               text.height()),
                         Qt::AlignCenter,
                         column ? sharePercent(double(hit) / double(column)) : QStringLiteral("–"));
    }
    painter.drawText(QRect(right, f.origin.y() - text.height() - 4, f.summaryWidth, text.height()),
                     Qt::AlignLeft, QObject::tr("Recall"));
    painter.drawText(
        QRect(kFigureMargin, f.origin.y() + grid + 4, f.rowLabelWidth - 6, text.height()),
        Qt::AlignRight, QObject::tr("Precision"));
}

}  // namespace

QString sharePercent(double share) {
    // One image of a thousand is not none: "<1%", never "0%" beside a count.
    if (share > 0 && share < 0.005) {
        return QStringLiteral("<1%");
    }
    return QString::number(100.0 * share, 'f', share >= 0.995 || share < 0.1 ? 0 : 1) + "%";
}

void paintConfusionCells(QPainter& painter, const ValidationResults& r, QPoint origin, int side) {
    const int classes = r.numClasses;
    for (int t = 0; t < classes; ++t) {
        int64_t rowTotal = 0;
        for (int p = 0; p < classes; ++p) {
            rowTotal += r.cell(t, p);
        }
        for (int p = 0; p < classes; ++p) {
            const int64_t n = r.cell(t, p);
            const double share = rowTotal > 0 ? double(n) / double(rowTotal) : 0.0;
            const QRect cell(origin.x() + p * side, origin.y() + t * side, side, side);
            const QColor fill = cellColor(t == p, n, share);
            painter.fillRect(cell, fill);
            painter.setPen(fill.lightnessF() < 0.5 ? Qt::white : Qt::black);
            if (n > 0) {
                painter.drawText(cell, Qt::AlignCenter,
                                 side >= 40 ? QString("%1\n%2").arg(n).arg(sharePercent(share))
                                            : QString::number(n));
            }
        }
    }
}

int sampleTileHeight(int scale, int lineHeight) {
    return 28 * scale + 2 * kSampleTilePadding + 2 * lineHeight;
}

void paintSampleTile(QPainter& painter, const ValidationResults& r, int64_t index,
                     const QRect& tile, int scale, const QPalette& palette) {
    const int rows = r.imageRows();
    const int cols = r.imageCols();
    const QImage image(r.image(index), cols, rows, cols, QImage::Format_Grayscale8);
    const QRect target(
        tile.topLeft() + QPoint((tile.width() - cols * scale) / 2, kSampleTilePadding),
        QSize(cols * scale, rows * scale));
    // Nearest neighbour: a pixel of the dataset stays a crisp square.
    painter.setRenderHint(QPainter::SmoothPixmapTransform, false);
    painter.drawImage(target, image);
    const int truth = r.trueLabels[size_t(index)];
    const int guess = r.predicted[size_t(index)];
    const bool wrong = truth != guess;
    if (wrong) {
        painter.setPen(QPen(QColor(220, 40, 40), 2));
        painter.drawRect(target.adjusted(-1, -1, 0, 0));
    }
    const int lineHeight = painter.fontMetrics().height();
    const QRect line(tile.x(), target.bottom() + 2, tile.width(), lineHeight);
    painter.setPen(wrong ? QColor(200, 30, 30) : palette.color(QPalette::WindowText));
    painter.drawText(line, Qt::AlignHCenter,
                     QString("%1 %2%")
                         .arg(r.classNames.value(guess).left(7))
                         .arg(int(std::lround(100 * r.confidence[size_t(index)]))));
    painter.setPen(palette.color(QPalette::PlaceholderText));
    const QString truthName = r.classNames.value(truth).left(7);
    painter.drawText(
        line.translated(0, lineHeight), Qt::AlignHCenter,
        wrong ? QObject::tr("true %1").arg(truthName) : QObject::tr("✓ %1").arg(truthName));
}

bool saveConfusionMatrix(const ValidationResults& results, const QString& title,
                         const QString& file, QString* error) {
    const MatrixFigure figure = layoutMatrix(results);
    return savePicture(
        file, figure.size, title,
        [&](QPainter& painter, QSize) { paintMatrixFigure(painter, results, title, figure); },
        error);
}

bool savePredictionGrid(const ValidationResults& results, const std::vector<int64_t>& indices,
                        const QString& title, const QString& file, QString* error) {
    const QFontMetrics text{QFont()};
    const int tileWidth = 28 * kFigureScale + 2 * kSampleTilePadding + 8;
    const int tileHeight = sampleTileHeight(kFigureScale, text.height());
    const int columns = std::max(1, std::min(kFigureColumns, int(indices.size())));
    const int rows = std::max(1, int((indices.size() + size_t(columns) - 1) / size_t(columns)));
    const int titleHeight = QFontMetrics(titleFont()).height() * 2;
    const QSize size(std::max(columns * tileWidth, 480) + 2 * kFigureMargin,
                     titleHeight + rows * tileHeight + 2 * kFigureMargin);
    QPalette light;  // printed on white whatever the desktop's theme
    light.setColor(QPalette::WindowText, Qt::black);
    light.setColor(QPalette::PlaceholderText, QColor(110, 110, 110));
    return savePicture(
        file, size, title,
        [&](QPainter& painter, QSize area) {
            painter.setRenderHint(QPainter::TextAntialiasing);
            painter.setFont(titleFont());
            painter.setPen(Qt::black);
            painter.drawText(
                QRect(kFigureMargin, kFigureMargin, area.width() - 2 * kFigureMargin, titleHeight),
                Qt::AlignCenter, title);
            painter.setFont(QFont());
            if (indices.empty()) {
                painter.drawText(QRect(0, titleHeight, area.width(), tileHeight), Qt::AlignCenter,
                                 QObject::tr("No images here."));
            }
            for (size_t n = 0; n < indices.size(); ++n) {
                const QRect tile(
                    kFigureMargin + int(n % size_t(columns)) * tileWidth,
                    kFigureMargin + titleHeight + int(n / size_t(columns)) * tileHeight, tileWidth,
                    tileHeight);
                paintSampleTile(painter, results, indices[n], tile, kFigureScale, light);
            }
        },
        error);
}

std::vector<int64_t> worstMistakes(const ValidationResults& r, size_t limit) {
    std::vector<int64_t> mistakes;
    for (int64_t i = 0; i < r.count(); ++i) {
        if (r.trueLabels[size_t(i)] != r.predicted[size_t(i)]) {
            mistakes.push_back(i);
        }
    }
    std::stable_sort(mistakes.begin(), mistakes.end(), [&r](int64_t a, int64_t b) {
        return r.confidence[size_t(a)] > r.confidence[size_t(b)];
    });
    mistakes.resize(std::min(mistakes.size(), limit));
    return mistakes;
}
