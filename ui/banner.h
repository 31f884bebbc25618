#pragma once

#include <QFrame>

#include <functional>

class QLabel;
class QPushButton;

// A message across the top of the window for what went wrong in a run (data
// not found, NaN loss): it stays until dismissed, unlike a status-bar line,
// and unlike a dialog it does not stop the user from fixing the cause.
class Banner : public QFrame {
    Q_OBJECT
public:
    explicit Banner(QWidget* parent = nullptr);

    void showError(const QString& text);
    // With a button that offers the fix ("Set Up Data…"); pressing it hides
    // the banner and runs `action`.
    void showError(const QString& text, const QString& actionText, std::function<void()> action);
    QString text() const;
    // The fix's button; hidden when the message offers none.
    QPushButton* actionButton() const { return m_action; }

private:
    QLabel* m_text;
    QPushButton* m_action;
    std::function<void()> m_onAction;
};
