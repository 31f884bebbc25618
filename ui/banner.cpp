#include "banner.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QToolButton>

Banner::Banner(QWidget* parent) : QFrame(parent) {
    setObjectName("Banner");
    m_text = new QLabel(this);
    m_text->setWordWrap(true);
    m_text->setTextInteractionFlags(Qt::TextSelectableByMouse);
    auto* close = new QToolButton(this);
    close->setIcon(QIcon(":/icons/remove.svg"));
    close->setAutoRaise(true);
    close->setToolTip(tr("Dismiss"));
    connect(close, &QToolButton::clicked, this, &Banner::hide);
    m_action = new QPushButton(this);
    m_action->hide();
    connect(m_action, &QPushButton::clicked, this, [this] {
        hide();
        if (m_onAction) {
            m_onAction();
        }
    });

    setStyleSheet(
        "QFrame#Banner { background: #fdecea; border: 1px solid #e57373; border-radius: 4px; }"
        "QLabel { color: #7f0000; }");

    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(10, 6, 6, 6);
    row->addWidget(m_text, 1);
    row->addWidget(m_action, 0, Qt::AlignTop);
    row->addWidget(close, 0, Qt::AlignTop);
    hide();
}

void Banner::showError(const QString& text) {
    showError(text, QString(), nullptr);
}

void Banner::showError(const QString& text, const QString& actionText,
                       std::function<void()> action) {
    m_text->setText(text);
    m_onAction = std::move(action);
    m_action->setText(actionText);
    m_action->setVisible(!actionText.isEmpty() && m_onAction);
    show();
}

QString Banner::text() const {
    return isVisible() ? m_text->text() : QString();
}
