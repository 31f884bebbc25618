#pragma once

#include <QWidget>
#include <vector>

#include "layerlab/experiment.h"

class QAction;
class QCheckBox;
class QLabel;
class QScrollArea;
class QToolButton;
class ExperimentDocument;
class LayerCard;
class CardList;

// The network as a vertical list of layer cards, a palette to add layers,
// and the totals a user quotes (parameters, FLOPs, memory). Every edit is an
// undoable change of the document; the cards are redrawn from the document,
// never edited in place, so what is on screen is always what will train.
class NetworkBuilderPanel : public QWidget {
    Q_OBJECT
public:
    explicit NetworkBuilderPanel(ExperimentDocument* document, QWidget* parent = nullptr);

    int cardCount() const { return int(m_cards.size()); }
    LayerCard* card(int index) const { return m_cards.at(size_t(index)); }
    QToolButton* paletteButton(layerlab::LayerKind kind) const;
    QCheckBox* dropoutToggle() const { return m_dropoutToggle; }
    QString totalsText() const;
    int selectedIndex() const { return m_selected; }

    void addLayer(layerlab::LayerKind kind);
    void removeLayer(int index);
    void duplicateLayer(int index);
    void moveLayer(int from, int to);
    void selectLayer(int index);

private:
    void sync();
    void rebuildCards();
    void refreshTotals();
    void refreshDropoutToggle();
    void setLocked(bool locked);
    void editLayer(int index, const layerlab::LayerSpec& layer, const QString& field);
    void setAllDropout(bool enabled);
    QWidget* buildPalette();

    ExperimentDocument* m_document;
    std::vector<LayerCard*> m_cards;
    std::vector<QToolButton*> m_paletteButtons;
    int m_selected = -1;
    // Cards being replaced pass focus to each other as they go; that is not
    // the user selecting them.
    bool m_rebuilding = false;

    QLabel* m_input;
    CardList* m_list;
    QScrollArea* m_scroll;
    QWidget* m_palette;
    QLabel* m_totals;
    QCheckBox* m_dropoutToggle;
};
