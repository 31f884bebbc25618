#pragma once

#include <QSize>
#include <QString>
#include <functional>

class QPainter;
class QWidget;

// Writes a picture drawn by `paint` over `size` logical pixels: as SVG
// (Qt SVG) when `file` ends in .svg, else as PNG with `pixelRatio` times as
// many pixels each way, on white. Works without a window (offscreen). False
// with `error` naming the file when it cannot be written.
using PaintPicture = std::function<void(QPainter& painter, QSize size)>;
bool savePicture(const QString& file, QSize size, const QString& title, const PaintPicture& paint,
                 QString* error = nullptr, qreal pixelRatio = 2.0);

// Asks where to save a picture (PNG or SVG, by the chosen filter when the
// name has no suffix); empty when cancelled. `suggestedName` has no suffix.
QString askPictureFile(QWidget* parent, const QString& caption, const QString& suggestedName);

// Saves with `save` and tells the user in a message box when it failed.
bool savePictureOrSay(QWidget* parent, const QString& file,
                      const std::function<bool(const QString& file, QString* error)>& save);
