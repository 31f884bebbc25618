#include "banner.h"

#include <QHBoxLayout>
#include <QLabel>
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

    setStyleSheet(
        "QFrame#Banner { background: #fdecea; border: 1px solid #e57373; border-radius: 4px; }"
        "QLabel { color: #7f0000; }");

    auto* row = new QHBoxLayout(this);
    row->setContentsMargins(10, 6, 6, 6);
    row->addWidget(m_text, 1);
    row->addWidget(close, 0, Qt::AlignTop);
    hide();
}

void Banner::showError(const QString& text) {
    m_text->setText(text);
    show();
}

QString Banner::text() const {
    return isVisible() ? m_text->text() : QString();
}
