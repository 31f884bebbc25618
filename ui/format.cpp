#include "format.h"

#include <QLocale>
#include <cmath>

namespace fmt {

namespace {

// Three significant digits: enough to tell 3.23 M from 3.2 M, short enough
// for a card that is 300 pixels wide.
QString scaled(double value, const char* const* units, int unitCount, double base) {
    int unit = 0;
    while (std::abs(value) >= base && unit + 1 < unitCount) {
        value /= base;
        ++unit;
    }
    const int decimals =
        unit == 0 ? 0 : (std::abs(value) < 10 ? 2 : (std::abs(value) < 100 ? 1 : 0));
    return QString::number(value, 'f', decimals) + QString::fromLatin1(units[unit]);
}

}  // namespace

QString count(int64_t value) {
    static const char* const kUnits[] = {"", " k", " M", " G"};
    return scaled(double(value), kUnits, 4, 1000.0);
}

QString flops(int64_t value) {
    static const char* const kUnits[] = {" FLOP", " kFLOP", " MFLOP", " GFLOP", " TFLOP"};
    return scaled(double(value), kUnits, 5, 1000.0);
}

// Decimal units, as `layerlab-cli validate` prints them: the same network's
// memory read 73.7 MB here (binary megabytes) and 77 MB there.
QString bytes(int64_t value) {
    static const char* const kUnits[] = {" B", " kB", " MB", " GB"};
    return scaled(double(value), kUnits, 4, 1000.0);
}

QString duration(double seconds) {
    if (!std::isfinite(seconds) || seconds < 0) {
        return QStringLiteral("–");
    }
    const qint64 total = qint64(std::llround(seconds));
    const qint64 hours = total / 3600;
    const qint64 minutes = (total / 60) % 60;
    const qint64 secs = total % 60;
    if (hours > 0) {
        return QStringLiteral("%1:%2:%3")
            .arg(hours)
            .arg(minutes, 2, 10, QLatin1Char('0'))
            .arg(secs, 2, 10, QLatin1Char('0'));
    }
    return QStringLiteral("%1:%2").arg(minutes).arg(secs, 2, 10, QLatin1Char('0'));
}

QString grouped(int64_t value) {
    // The C locale, so a test or a screenshot reads the same on every machine.
    QLocale locale(QLocale::English);
    return locale.toString(qlonglong(value));
}

QString percent(double fraction) {
    return QString::number(fraction * 100.0, 'f', 1) + '%';
}

}  // namespace fmt
