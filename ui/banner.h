#pragma once

#include <QFrame>

class QLabel;

// A message across the top of the window for what went wrong in a run (data
// not found, NaN loss): it stays until dismissed, unlike a status-bar line,
// and unlike a dialog it does not stop the user from fixing the cause.
class Banner : public QFrame {
    Q_OBJECT
public:
    explicit Banner(QWidget* parent = nullptr);

    void showError(const QString& text);
    QString text() const;

private:
    QLabel* m_text;
};
