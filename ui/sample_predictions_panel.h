#pragma once

#include <QWidget>
#include <memory>
#include <random>
#include <vector>

#include "validation_results.h"

class QComboBox;
class QLabel;
class QPushButton;

// Validation images as tiles: the image scaled up crisply (nearest
// neighbour), the predicted class and confidence, the true class; mistakes
// framed in red.
class SampleGrid : public QWidget {
    Q_OBJECT
public:
    explicit SampleGrid(QWidget* parent = nullptr);
    void show(std::shared_ptr<const ValidationResults> results, std::vector<int64_t> indices);
    const std::vector<int64_t>& indices() const { return m_indices; }
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int width) const override;
    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent* event) override;
    void resizeEvent(QResizeEvent* event) override;

private:
    int columns(int width) const;

    std::shared_ptr<const ValidationResults> m_results;
    std::vector<int64_t> m_indices;
};

class SamplePredictionsPanel : public QWidget {
    Q_OBJECT
public:
    enum class Mode { Random, WorstMistakes, OneClass, OneCell };

    explicit SamplePredictionsPanel(QWidget* parent = nullptr);

    void setResults(std::shared_ptr<const ValidationResults> results);
    // Exactly the images of true class `trueClass` predicted as `predicted`,
    // most confident first (so for a mistake, the worst first).
    void showCell(int trueClass, int predicted);
    void setMode(Mode mode);
    Mode mode() const { return m_mode; }
    // The validation indices on show, in order.
    const std::vector<int64_t>& shownIndices() const { return m_grid->indices(); }
    QString caption() const;
    // The tiles on show, under the caption, as a figure (PNG at 2x or SVG
    // by the suffix); false with `error` set when not written.
    bool exportTo(const QString& file, QString* error) const;

    // "Show N more": the button under a list cut at its first tiles.
    QPushButton* moreButton() const { return m_more; }

private:
    // Chooses the images again; `tiles` > 0 shows that many of a list
    // (Show more), 0 its first page.
    void refresh(size_t tiles = 0);

    std::shared_ptr<const ValidationResults> m_results;
    Mode m_mode = Mode::WorstMistakes;
    int m_cellTrue = 0;
    int m_cellPredicted = 0;
    std::mt19937 m_random{12345};
    QComboBox* m_modeBox;
    QComboBox* m_classBox;
    QPushButton* m_shuffle;
    QPushButton* m_more;
    QPushButton* m_export;
    QLabel* m_caption;
    SampleGrid* m_grid;
};
