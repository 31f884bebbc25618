#include "network_builder_panel.h"

#include <QAction>
#include <QApplication>
#include <QCheckBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QGridLayout>
#include <QLabel>
#include <QMimeData>
#include <QPainter>
#include <QScrollArea>
#include <QScrollBar>
#include <QSignalBlocker>
#include <QTimer>
#include <QToolButton>
#include <QVBoxLayout>
#include <functional>

#include "experiment_document.h"
#include "format.h"
#include "layer_card.h"
#include "logging.h"

// The scrolled column of cards. It accepts a dragged card and draws where it
// will land; the panel decides what the drop means.
class CardList : public QWidget {
public:
    std::function<void(int from, int to)> onDrop;
    std::function<const std::vector<LayerCard*>&()> cards;

    explicit CardList(QWidget* parent) : QWidget(parent) { setAcceptDrops(true); }

    // The slot a drop at `y` lands in: before the first card whose middle is
    // below it.
    int slotAt(int y) const {
        const auto& list = cards();
        for (size_t i = 0; i < list.size(); ++i) {
            if (y < list[i]->geometry().center().y()) {
                return int(i);
            }
        }
        return int(list.size());
    }

protected:
    void dragEnterEvent(QDragEnterEvent* event) override {
        if (event->mimeData()->hasFormat(LayerCard::kMimeType)) {
            event->acceptProposedAction();
        }
    }
    void dragMoveEvent(QDragMoveEvent* event) override {
        m_slot = slotAt(event->position().toPoint().y());
        event->acceptProposedAction();
        update();
    }
    void dragLeaveEvent(QDragLeaveEvent*) override {
        m_slot = -1;
        update();
    }
    void dropEvent(QDropEvent* event) override {
        const int from = event->mimeData()->data(LayerCard::kMimeType).toInt();
        int slot = slotAt(event->position().toPoint().y());
        m_slot = -1;
        update();
        event->acceptProposedAction();
        // Removing the card first shifts every slot below it up by one.
        if (slot > from) {
            --slot;
        }
        if (slot != from && onDrop) {
            // Queued: the drag's QDrag::exec() is still on the stack of the
            // card that the move is about to delete.
            QTimer::singleShot(0, this, [this, from, slot] { onDrop(from, slot); });
        }
    }
    void paintEvent(QPaintEvent*) override {
        if (m_slot < 0) {
            return;
        }
        const auto& list = cards();
        int y = 2;
        if (!list.empty()) {
            y = m_slot < int(list.size()) ? list[size_t(m_slot)]->geometry().top() - 3
                                          : list.back()->geometry().bottom() + 3;
        }
        QPainter painter(this);
        painter.setPen(QPen(palette().color(QPalette::Highlight), 3));
        painter.drawLine(4, y, width() - 4, y);
    }

private:
    int m_slot = -1;
};

namespace {

// Palette order: the order layers usually appear in a CNN.
const layerlab::LayerKind kPaletteKinds[] = {
    layerlab::LayerKind::Conv2d,    layerlab::LayerKind::MaxPool2d,  layerlab::LayerKind::AvgPool2d,
    layerlab::LayerKind::BatchNorm, layerlab::LayerKind::Flatten,    layerlab::LayerKind::Dense,
    layerlab::LayerKind::Dropout,   layerlab::LayerKind::Activation,
};
// Three buttons a row fit a 320-pixel dock at the default font.
constexpr int kPaletteColumns = 3;

const char* kCardStyle = R"(
    LayerCard { background: palette(base); border: 1px solid palette(mid); border-radius: 6px; }
    LayerCard[selected="true"] { border: 2px solid palette(highlight); }
    LayerCard[invalid="true"] { background: #fdecea; border: 2px solid #c62828; }
    QLabel#LayerError { color: #b71c1c; font-weight: bold; }
    QLabel#LayerOutput { color: #37474f; }
    QLabel#InputCard { background: palette(alternate-base); border: 1px dashed palette(mid);
                       border-radius: 6px; padding: 6px 8px; }
)";

}  // namespace

NetworkBuilderPanel::NetworkBuilderPanel(ExperimentDocument* document, QWidget* parent)
    : QWidget(parent), m_document(document) {
    setStyleSheet(kCardStyle);

    m_dropoutToggle = new QCheckBox(tr("Dropout on"), this);
    m_dropoutToggle->setToolTip(tr("Turns every dropout layer on or off; saved in the experiment"));
    connect(m_dropoutToggle, &QCheckBox::clicked, this, [this] {
        // A click on a partly-on toggle turns everything on.
        setAllDropout(m_dropoutToggle->checkState() != Qt::Unchecked);
    });

    m_input = new QLabel(this);
    m_input->setObjectName("InputCard");

    m_list = new CardList(this);
    m_list->cards = [this]() -> const std::vector<LayerCard*>& { return m_cards; };
    m_list->onDrop = [this](int from, int to) { moveLayer(from, to); };
    auto* listLayout = new QVBoxLayout(m_list);
    listLayout->setContentsMargins(0, 0, 4, 0);
    listLayout->setSpacing(6);
    listLayout->addStretch();

    m_scroll = new QScrollArea(this);
    m_scroll->setWidget(m_list);
    m_scroll->setWidgetResizable(true);
    m_scroll->setFrameShape(QFrame::NoFrame);
    m_scroll->setHorizontalScrollBarPolicy(Qt::ScrollBarAlwaysOff);

    m_palette = buildPalette();
    m_totals = new QLabel(this);
    m_totals->setWordWrap(true);
    m_totals->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* column = new QVBoxLayout(this);
    column->setContentsMargins(6, 6, 6, 6);
    column->addWidget(m_dropoutToggle);
    column->addWidget(m_input);
    column->addWidget(m_scroll, 1);
    column->addWidget(m_palette);
    column->addWidget(m_totals);

    // Shortcuts act on the selected card while focus is anywhere in the panel.
    const auto addShortcut = [this](const QKeySequence& keys, std::function<void()> action) {
        auto* shortcut = new QAction(this);
        shortcut->setShortcut(keys);
        shortcut->setShortcutContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QAction::triggered, this, action);
        addAction(shortcut);
    };
    addShortcut(QKeySequence(Qt::ALT | Qt::Key_Up),
                [this] { moveLayer(m_selected, m_selected - 1); });
    addShortcut(QKeySequence(Qt::ALT | Qt::Key_Down),
                [this] { moveLayer(m_selected, m_selected + 1); });
    addShortcut(QKeySequence(Qt::CTRL | Qt::Key_D), [this] { duplicateLayer(m_selected); });
    addShortcut(QKeySequence::Delete, [this] { removeLayer(m_selected); });

    connect(m_document, &ExperimentDocument::changed, this, &NetworkBuilderPanel::sync);
    connect(m_document, &ExperimentDocument::lockedChanged, this, &NetworkBuilderPanel::setLocked);
    sync();
}

QWidget* NetworkBuilderPanel::buildPalette() {
    auto* palette = new QWidget(this);
    auto* grid = new QGridLayout(palette);
    grid->setContentsMargins(0, 0, 0, 0);
    grid->setSpacing(3);
    int cell = 0;
    for (layerlab::LayerKind kind : kPaletteKinds) {
        auto* button = new QToolButton(palette);
        const QString name = LayerCard::kindTitle(kind);
        button->setText(name);
        button->setIcon(QIcon(":/icons/add.svg"));
        button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
        button->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
        button->setToolTip(tr("Add a %1 layer after the selected one").arg(name));
        connect(button, &QToolButton::clicked, this, [this, kind] { addLayer(kind); });
        grid->addWidget(button, cell / kPaletteColumns, cell % kPaletteColumns);
        m_paletteButtons.push_back(button);
        ++cell;
    }
    return palette;
}

QToolButton* NetworkBuilderPanel::paletteButton(layerlab::LayerKind kind) const {
    for (size_t i = 0; i < std::size(kPaletteKinds); ++i) {
        if (kPaletteKinds[i] == kind) {
            return m_paletteButtons[i];
        }
    }
    return nullptr;
}

QString NetworkBuilderPanel::totalsText() const {
    return m_totals->text();
}

void NetworkBuilderPanel::addLayer(layerlab::LayerKind kind) {
    layerlab::ModelSpec model = m_document->spec().model;
    const int at = m_selected >= 0 ? m_selected + 1 : int(model.layers.size());
    model.layers.insert(model.layers.begin() + at, layerlab::defaultLayer(kind));
    m_selected = at;
    m_document->editModel(model, tr("Add %1").arg(QString::fromStdString(toString(kind))));
}

void NetworkBuilderPanel::removeLayer(int index) {
    layerlab::ModelSpec model = m_document->spec().model;
    if (index < 0 || index >= int(model.layers.size())) {
        return;
    }
    const QString kind = QString::fromStdString(toString(model.layers[size_t(index)].kind));
    model.layers.erase(model.layers.begin() + index);
    m_selected = std::min(index, int(model.layers.size()) - 1);
    m_document->editModel(model, tr("Remove %1").arg(kind));
}

void NetworkBuilderPanel::duplicateLayer(int index) {
    layerlab::ModelSpec model = m_document->spec().model;
    if (index < 0 || index >= int(model.layers.size())) {
        return;
    }
    const layerlab::LayerSpec copy = model.layers[size_t(index)];
    model.layers.insert(model.layers.begin() + index + 1, copy);
    m_selected = index + 1;
    m_document->editModel(model,
                          tr("Duplicate %1").arg(QString::fromStdString(toString(copy.kind))));
}

void NetworkBuilderPanel::moveLayer(int from, int to) {
    layerlab::ModelSpec model = m_document->spec().model;
    const int count = int(model.layers.size());
    if (from < 0 || from >= count || to < 0 || to >= count || from == to) {
        return;
    }
    const layerlab::LayerSpec moved = model.layers[size_t(from)];
    model.layers.erase(model.layers.begin() + from);
    model.layers.insert(model.layers.begin() + to, moved);
    m_selected = to;
    m_document->editModel(model, tr("Move %1").arg(QString::fromStdString(toString(moved.kind))));
}

void NetworkBuilderPanel::selectLayer(int index) {
    if (m_rebuilding) {
        return;
    }
    m_selected = index;
    for (size_t i = 0; i < m_cards.size(); ++i) {
        m_cards[i]->setSelected(int(i) == index);
    }
}

void NetworkBuilderPanel::editLayer(int index, const layerlab::LayerSpec& layer,
                                    const QString& field) {
    layerlab::ModelSpec model = m_document->spec().model;
    if (index < 0 || index >= int(model.layers.size())) {
        return;
    }
    model.layers[size_t(index)] = layer;
    m_selected = index;
    m_document->editModel(model, tr("Change %1 of layer %2").arg(field).arg(index + 1),
                          QStringLiteral("layer%1.%2").arg(index).arg(field));
}

void NetworkBuilderPanel::setAllDropout(bool enabled) {
    layerlab::ModelSpec model = m_document->spec().model;
    if (layerlab::setAllDropout(model, enabled) == 0) {
        return;
    }
    m_document->editModel(model, enabled ? tr("Turn dropout on") : tr("Turn dropout off"));
}

void NetworkBuilderPanel::sync() {
    const layerlab::ModelSpec& model = m_document->spec().model;
    m_input->setText(tr("<b>Input</b>  %1×%2×%3")
                         .arg(model.inputHeight)
                         .arg(model.inputWidth)
                         .arg(model.inputChannels));

    bool sameKinds = m_cards.size() == model.layers.size();
    for (size_t i = 0; sameKinds && i < m_cards.size(); ++i) {
        sameKinds = m_cards[i]->kind() == model.layers[i].kind;
    }
    if (!sameKinds) {
        rebuildCards();
    }

    const layerlab::ModelReport& report = m_document->report();
    for (size_t i = 0; i < m_cards.size(); ++i) {
        const layerlab::LayerReport layerReport =
            i < report.layers.size() ? report.layers[i] : layerlab::LayerReport{};
        m_cards[i]->setLayer(int(i), model.layers[i], layerReport, i + 1 == m_cards.size());
    }
    if (m_selected >= int(m_cards.size())) {
        m_selected = int(m_cards.size()) - 1;
    }
    selectLayer(m_selected);
    refreshTotals();
    refreshDropoutToggle();
}

void NetworkBuilderPanel::rebuildCards() {
    // The focused card is about to be deleted; remember to hand focus to its
    // successor so Alt+Up pressed twice moves the layer twice.
    const bool hadFocus = m_list->isAncestorOf(QApplication::focusWidget());
    m_rebuilding = true;
    for (LayerCard* card : m_cards) {
        card->deleteLater();
        card->hide();
    }
    m_cards.clear();

    auto* listLayout = static_cast<QVBoxLayout*>(m_list->layout());
    const auto& layers = m_document->spec().model.layers;
    for (size_t i = 0; i < layers.size(); ++i) {
        auto* card = new LayerCard(int(i), layers[i], m_list);
        connect(card, &LayerCard::edited, this, &NetworkBuilderPanel::editLayer);
        connect(card, &LayerCard::removeRequested, this, &NetworkBuilderPanel::removeLayer);
        connect(card, &LayerCard::duplicateRequested, this, &NetworkBuilderPanel::duplicateLayer);
        connect(card, &LayerCard::moveRequested, this, &NetworkBuilderPanel::moveLayer);
        connect(card, &LayerCard::activated, this, &NetworkBuilderPanel::selectLayer);
        card->setLocked(m_document->isLocked());
        listLayout->insertWidget(int(i), card);
        // Shown now rather than when the layout gets to it, so it can take
        // focus below.
        card->show();
        m_cards.push_back(card);
    }
    m_rebuilding = false;
    if (hadFocus && m_selected >= 0 && m_selected < int(m_cards.size())) {
        m_cards[size_t(m_selected)]->setFocus();
    }
    if (m_selected >= 0 && m_selected < int(m_cards.size())) {
        LayerCard* selected = m_cards[size_t(m_selected)];
        QTimer::singleShot(0, selected,
                           [this, selected] { m_scroll->ensureWidgetVisible(selected); });
    }
}

void NetworkBuilderPanel::refreshTotals() {
    const layerlab::ModelReport& report = m_document->report();
    QString text = tr("<b>%1 params</b> · %2/sample · ~%3 training memory (batch %4)")
                       .arg(fmt::count(report.totalParameters), fmt::flops(report.totalFlops),
                            fmt::bytes(report.estimatedTrainingBytes))
                       .arg(m_document->spec().training.batchSize);
    const QString invalid = m_document->invalidReason();
    if (!invalid.isEmpty()) {
        text += QStringLiteral("<br><span style='color:#b71c1c'>%1</span>")
                    .arg(invalid.toHtmlEscaped());
    }
    m_totals->setText(text);
}

void NetworkBuilderPanel::refreshDropoutToggle() {
    int dropouts = 0;
    int enabled = 0;
    for (const layerlab::LayerSpec& layer : m_document->spec().model.layers) {
        if (layer.kind == layerlab::LayerKind::Dropout) {
            ++dropouts;
            enabled += layer.enabled ? 1 : 0;
        }
    }
    QSignalBlocker blocker(m_dropoutToggle);
    m_dropoutToggle->setTristate(enabled > 0 && enabled < dropouts);
    m_dropoutToggle->setCheckState(enabled == 0          ? Qt::Unchecked
                                   : enabled == dropouts ? Qt::Checked
                                                         : Qt::PartiallyChecked);
    m_dropoutToggle->setEnabled(dropouts > 0 && !m_document->isLocked());
    if (dropouts == 0) {
        m_dropoutToggle->setText(tr("Dropout (no dropout layers)"));
    } else if (enabled == dropouts || enabled == 0) {
        m_dropoutToggle->setText(enabled ? tr("Dropout on") : tr("Dropout off"));
    } else {
        m_dropoutToggle->setText(tr("Dropout on in %1 of %2 layers").arg(enabled).arg(dropouts));
    }
}

void NetworkBuilderPanel::setLocked(bool locked) {
    for (LayerCard* card : m_cards) {
        card->setLocked(locked);
    }
    m_palette->setVisible(!locked);
    refreshDropoutToggle();
}
