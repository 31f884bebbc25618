#include "recent_files.h"

#include <algorithm>

#include <QDir>
#include <QFileInfo>
#include <QMenu>
#include <QSettings>

namespace {
constexpr int kMaxRecentFiles = 10;
const char* kSettingsKey = "recentFiles";
}  // namespace

RecentFiles::RecentFiles(QMenu* menu, QObject* parent) : QObject(parent), m_menu(menu) {
    connect(m_menu, &QMenu::aboutToShow, this, &RecentFiles::rebuildMenu);
    rebuildMenu();
}

QStringList RecentFiles::files() const {
    return QSettings().value(kSettingsKey).toStringList();
}

void RecentFiles::add(const QString& path) {
    const QString absolute = QFileInfo(path).absoluteFilePath();
    QStringList list = files();
    list.removeAll(absolute);
    list.prepend(absolute);
    while (list.size() > kMaxRecentFiles) {
        list.removeLast();
    }
    QSettings().setValue(kSettingsKey, list);
    rebuildMenu();
}

void RecentFiles::remove(const QString& path) {
    QStringList list = files();
    list.removeAll(QFileInfo(path).absoluteFilePath());
    QSettings().setValue(kSettingsKey, list);
    rebuildMenu();
}

void RecentFiles::rebuildMenu() {
    m_menu->clear();
    QStringList list = files();
    list.erase(std::remove_if(list.begin(), list.end(),
                              [](const QString& file) { return !QFileInfo::exists(file); }),
               list.end());
    int number = 1;
    for (const QString& file : list) {
        const QString label = QStringLiteral("&%1  %2  —  %3")
                                  .arg(number++)
                                  .arg(QFileInfo(file).fileName(),
                                       QDir::toNativeSeparators(QFileInfo(file).absolutePath()));
        QAction* action = m_menu->addAction(label);
        connect(action, &QAction::triggered, this, [this, file] { emit openRequested(file); });
    }
    if (list.isEmpty()) {
        m_menu->addAction(tr("No recent files"))->setEnabled(false);
        return;
    }
    m_menu->addSeparator();
    connect(m_menu->addAction(tr("Clear list")), &QAction::triggered, this, [this] {
        QSettings().remove(kSettingsKey);
        rebuildMenu();
    });
}
