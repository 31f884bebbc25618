#include "layer_card.h"

#include <QAbstractScrollArea>
#include <QAbstractSpinBox>
#include <QApplication>
#include <QComboBox>
#include <QDrag>
#include <QHBoxLayout>
#include <QIcon>
#include <QLabel>
#include <QMimeData>
#include <QMouseEvent>
#include <QScrollBar>
#include <QStyle>
#include <QToolButton>
#include <QVBoxLayout>

#include "format.h"
#include "layer_editors.h"

QString LayerCard::kindTitle(layerlab::LayerKind kind) {
    switch (kind) {
        case layerlab::LayerKind::Conv2d:
            return QObject::tr("Conv2d");
        case layerlab::LayerKind::MaxPool2d:
            return QObject::tr("MaxPool");
        case layerlab::LayerKind::AvgPool2d:
            return QObject::tr("AvgPool");
        case layerlab::LayerKind::BatchNorm:
            return QObject::tr("BatchNorm");
        case layerlab::LayerKind::Flatten:
            return QObject::tr("Flatten");
        case layerlab::LayerKind::Dense:
            return QObject::tr("Dense");
        case layerlab::LayerKind::Dropout:
            return QObject::tr("Dropout");
        case layerlab::LayerKind::Activation:
            return QObject::tr("Activation");
    }
    return {};
}

LayerCard::LayerCard(int index, const layerlab::LayerSpec& layer, QWidget* parent)
    : QFrame(parent), m_index(index), m_layer(layer) {
    setObjectName("LayerCard");
    setFrameShape(QFrame::StyledPanel);
    setFocusPolicy(Qt::ClickFocus);
    setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);

    auto* grip = new QLabel(this);
    grip->setPixmap(QIcon(":/icons/grip.svg").pixmap(QSize(12, 16)));
    grip->setToolTip(tr("Drag to reorder (or Alt+Up / Alt+Down)"));
    grip->setCursor(Qt::OpenHandCursor);
    m_title = new QLabel(this);
    QFont titleFont = m_title->font();
    titleFont.setBold(true);
    m_title->setFont(titleFont);

    m_up = addTool("up", tr("Move up (Alt+Up)"));
    m_down = addTool("down", tr("Move down (Alt+Down)"));
    m_duplicate = addTool("duplicate", tr("Duplicate"));
    m_remove = addTool("remove", tr("Remove"));
    connect(m_up, &QToolButton::clicked, this,
            [this] { emit moveRequested(m_index, m_index - 1); });
    connect(m_down, &QToolButton::clicked, this,
            [this] { emit moveRequested(m_index, m_index + 1); });
    connect(m_duplicate, &QToolButton::clicked, this, [this] { emit duplicateRequested(m_index); });
    connect(m_remove, &QToolButton::clicked, this, [this] { emit removeRequested(m_index); });

    auto* header = new QHBoxLayout;
    header->setSpacing(4);
    header->addWidget(grip);
    header->addWidget(m_title, 1);
    header->addWidget(m_up);
    header->addWidget(m_down);
    header->addWidget(m_duplicate);
    header->addWidget(m_remove);

    m_editor = new LayerParamEditor(layer.kind, this);
    connect(m_editor, &LayerParamEditor::edited, this,
            [this](const layerlab::LayerSpec& edited, const QString& field) {
                emit this->edited(m_index, edited, field);
            });
    // Clicking into an editor selects the card, so Alt+Up moves the layer
    // being edited.
    for (QWidget* child : m_editor->findChildren<QWidget*>()) {
        child->installEventFilter(this);
        if (qobject_cast<QAbstractSpinBox*>(child) || qobject_cast<QComboBox*>(child)) {
            child->setFocusPolicy(Qt::StrongFocus);  // not focused by the wheel: see eventFilter
        }
    }

    m_output = new QLabel(this);
    m_output->setObjectName("LayerOutput");
    m_output->setTextInteractionFlags(Qt::TextSelectableByMouse);
    // Wrapped: "→ ? (the shape depends on the invalid layer above)" unwrapped
    // widened every card past the Network panel.
    m_output->setWordWrap(true);
    m_error = new QLabel(this);
    m_error->setObjectName("LayerError");
    m_error->setWordWrap(true);
    m_error->hide();

    auto* column = new QVBoxLayout(this);
    column->setContentsMargins(8, 6, 8, 6);
    column->setSpacing(4);
    column->addLayout(header);
    column->addWidget(m_editor);
    column->addWidget(m_output);
    column->addWidget(m_error);
    if (layer.kind == layerlab::LayerKind::BatchNorm ||
        layer.kind == layerlab::LayerKind::Flatten) {
        m_editor->hide();
    }
}

QToolButton* LayerCard::addTool(const QString& iconName, const QString& tip) {
    auto* button = new QToolButton(this);
    button->setIcon(QIcon(QStringLiteral(":/icons/%1.svg").arg(iconName)));
    button->setIconSize(QSize(14, 14));
    button->setAutoRaise(true);
    button->setToolTip(tip);
    button->setAccessibleName(tip);
    button->setFocusPolicy(Qt::NoFocus);
    return button;
}

void LayerCard::setLayer(int index, const layerlab::LayerSpec& layer,
                         const layerlab::LayerReport& report, bool isLast) {
    m_index = index;
    m_layer = layer;
    m_title->setText(QStringLiteral("%1  %2").arg(index + 1).arg(kindTitle(layer.kind)));
    m_editor->setLayer(layer);
    m_up->setEnabled(index > 0);
    m_down->setEnabled(!isLast);

    QString output;
    if (!report.shapeKnown) {
        // Past an invalid layer the shape cannot be known; "0×0×0" would
        // read as a second error.
        output = tr("→ ?  (the shape depends on the invalid layer above)");
    } else {
        // Core writes "28x28x32" for files and terminals; on screen the
        // multiplication sign reads as a shape, not a word.
        QString shape = QString::fromStdString(report.output.toString());
        shape.replace(QLatin1Char('x'), QChar(0x00D7));
        output = QStringLiteral("→ %1").arg(shape);
        if (report.parameters > 0) {
            output += tr("  ·  %1 params").arg(fmt::count(report.parameters));
        }
        if (report.flops > 0) {
            output += tr("  ·  %1").arg(fmt::flops(report.flops));
        }
    }
    m_output->setText(output);

    m_invalid = !report.error.empty();
    // The card already names the layer, so it shows the problem without
    // the "layer 1 (conv2d): " prefix that messages read elsewhere carry.
    m_error->setText(QString::fromStdString(report.problem));
    m_error->setVisible(m_invalid);
    // A shape past an error is a guess; showing it would mislead.
    m_output->setVisible(!m_invalid);
    refreshStyle();
}

void LayerCard::setSelected(bool selected) {
    if (m_selected != selected) {
        m_selected = selected;
        refreshStyle();
    }
}

void LayerCard::setLocked(bool locked) {
    m_editor->setLocked(locked);
    for (QToolButton* button : {m_up, m_down, m_duplicate, m_remove}) {
        button->setVisible(!locked);
    }
}

QString LayerCard::outputText() const {
    return m_output->text();
}
QString LayerCard::errorText() const {
    return m_error->isVisible() ? m_error->text() : QString();
}

void LayerCard::refreshStyle() {
    setProperty("invalid", m_invalid);
    setProperty("selected", m_selected);
    // Dynamic properties only restyle after an explicit re-polish.
    style()->unpolish(this);
    style()->polish(this);
}

void LayerCard::mousePressEvent(QMouseEvent* event) {
    if (event->button() == Qt::LeftButton) {
        m_pressed = true;
        m_pressPos = event->position().toPoint();
        emit activated(m_index);
    }
    QFrame::mousePressEvent(event);
}

void LayerCard::mouseMoveEvent(QMouseEvent* event) {
    if (!m_pressed || !(event->buttons() & Qt::LeftButton) ||
        (event->position().toPoint() - m_pressPos).manhattanLength() <
            QApplication::startDragDistance()) {
        return;
    }
    m_pressed = false;
    auto* mime = new QMimeData;
    mime->setData(kMimeType, QByteArray::number(m_index));
    auto* drag = new QDrag(this);
    drag->setMimeData(mime);
    drag->setPixmap(grab().scaledToWidth(qMin(width(), 240), Qt::SmoothTransformation));
    drag->setHotSpot(QPoint(12, 12));
    drag->exec(Qt::MoveAction);
}

void LayerCard::focusInEvent(QFocusEvent* event) {
    emit activated(m_index);
    QFrame::focusInEvent(event);
}

bool LayerCard::eventFilter(QObject* watched, QEvent* event) {
    if (event->type() == QEvent::FocusIn) {
        emit activated(m_index);
    }
    // The wheel scrolls the list of cards: a spin box or list the pointer
    // merely passes over must not change a layer (64 filters became 60
    // while scrolling). Once clicked into, it takes the wheel as usual.
    auto* field = qobject_cast<QWidget*>(watched);
    const bool editsOnWheel =
        qobject_cast<QAbstractSpinBox*>(watched) || qobject_cast<QComboBox*>(watched);
    if (event->type() == QEvent::Wheel && editsOnWheel && !field->hasFocus()) {
        for (QWidget* up = parentWidget(); up != nullptr; up = up->parentWidget()) {
            if (auto* area = qobject_cast<QAbstractScrollArea*>(up)) {
                QCoreApplication::sendEvent(area->verticalScrollBar(), event);
                break;
            }
        }
        return true;
    }
    return QFrame::eventFilter(watched, event);
}
