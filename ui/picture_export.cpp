#include "picture_export.h"

#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QImage>
#include <QMessageBox>
#include <QObject>
#include <QPainter>
#include <QStandardPaths>
#include <QSvgGenerator>

namespace {

// Neither QImage::save nor QSvgGenerator says why a write failed; the
// folder usually does.
QString whyNotWritable(const QString& file) {
    const QFileInfo info(file);
    const QFileInfo folder(info.absolutePath());
    if (!folder.exists()) {
        return QObject::tr("the folder %1 does not exist").arg(folder.filePath());
    }
    if (!folder.isDir()) {
        return QObject::tr("%1 is not a folder").arg(folder.filePath());
    }
    if (info.exists() && !info.isWritable()) {
        return QObject::tr("the file exists and is read-only");
    }
    if (!folder.isWritable()) {
        return QObject::tr("the folder %1 is not writable").arg(folder.filePath());
    }
    return QObject::tr("the disk refused it (is it full?)");
}

bool fail(QString* error, const QString& file, const char* kind) {
    if (error) {
        *error = QObject::tr("%1: cannot write the %2: %3")
                     .arg(file, QString::fromLatin1(kind), whyNotWritable(file));
    }
    return false;
}

bool saveSvg(const QString& file, QSize size, const QString& title, const PaintPicture& paint,
             QString* error) {
    QSvgGenerator svg;
    svg.setFileName(file);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(0, 0), size));
    svg.setTitle(title);
    svg.setDescription(QObject::tr("Exported by LayerLab"));
    {
        QPainter painter;
        if (!painter.begin(&svg)) {
            return fail(error, file, "SVG");
        }
        painter.fillRect(QRect(QPoint(0, 0), size), Qt::white);
        paint(painter, size);
    }
    // QSvgGenerator reports nothing when its file cannot be created.
    return QFileInfo(file).isFile() || fail(error, file, "SVG");
}

}  // namespace

bool savePicture(const QString& file, QSize size, const QString& title, const PaintPicture& paint,
                 QString* error, qreal pixelRatio) {
    if (QFileInfo(file).suffix().compare("svg", Qt::CaseInsensitive) == 0) {
        return saveSvg(file, size, title, paint, error);
    }
    QImage image(size * pixelRatio, QImage::Format_ARGB32_Premultiplied);
    image.setDevicePixelRatio(pixelRatio);
    image.fill(Qt::white);
    {
        QPainter painter(&image);
        paint(painter, size);
    }
    return image.save(file, "PNG") || fail(error, file, "PNG");
}

QString askPictureFile(QWidget* parent, const QString& caption, const QString& suggestedName) {
    const QString png = QObject::tr("PNG image, 2x (*.png)");
    const QString svg = QObject::tr("SVG drawing (*.svg)");
    QString filter = png;
    const QString start = QDir(QStandardPaths::writableLocation(QStandardPaths::PicturesLocation))
                              .filePath(suggestedName + ".png");
    QString file = QFileDialog::getSaveFileName(parent, caption, start, png + ";;" + svg, &filter);
    if (!file.isEmpty() && QFileInfo(file).suffix().isEmpty()) {
        file += filter == svg ? ".svg" : ".png";
    }
    return file;
}

bool savePictureOrSay(QWidget* parent, const QString& file,
                      const std::function<bool(const QString& file, QString* error)>& save) {
    QString error;
    if (save(file, &error)) {
        return true;
    }
    QMessageBox::warning(parent, QObject::tr("Export failed"), error);
    return false;
}
