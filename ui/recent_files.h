#pragma once

#include <QObject>
#include <QStringList>

class QMenu;

// The "Open Recent" list, kept in QSettings and shown as a menu that is
// rebuilt whenever the list changes. Files that no longer exist drop out when
// the menu is shown, so it never offers something that cannot open.
class RecentFiles : public QObject {
    Q_OBJECT
public:
    RecentFiles(QMenu* menu, QObject* parent = nullptr);

    void add(const QString& path);
    void remove(const QString& path);
    QStringList files() const;

signals:
    void openRequested(const QString& path);

private:
    void rebuildMenu();

    QMenu* m_menu;
};
