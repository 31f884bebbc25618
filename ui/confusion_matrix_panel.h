#pragma once

#include <QWidget>
#include <memory>

#include "validation_results.h"

class QLabel;
class QTableWidget;
class QToolButton;

// The heatmap itself: counts and row-normalised percentages, shaded by the
// share of the true class; a click selects a cell.
class ConfusionMatrixView : public QWidget {
    Q_OBJECT
public:
    explicit ConfusionMatrixView(QWidget* parent = nullptr);
    void setResults(std::shared_ptr<const ValidationResults> results);
    // Where cell (trueClass, predicted) is drawn, for a click or a test.
    QRect cellRect(int trueClass, int predicted) const;
    QSize minimumSizeHint() const override;
    QSize sizeHint() const override;

signals:
    void cellClicked(int trueClass, int predicted);

protected:
    void paintEvent(QPaintEvent* event) override;
    void mousePressEvent(QMouseEvent* event) override;
    bool event(QEvent* event) override;

private:
    int cellSide() const;
    // The cell under `point`, or false.
    bool cellAt(const QPoint& point, int& trueClass, int& predicted) const;
    QPoint origin() const;

    std::shared_ptr<const ValidationResults> m_results;
    int m_selectedTrue = -1;
    int m_selectedPredicted = -1;
};

// A 10x10 confusion matrix of the latest validation pass, with per-class
// precision and recall. Clicking a cell asks for exactly those samples.
class ConfusionMatrixPanel : public QWidget {
    Q_OBJECT
public:
    explicit ConfusionMatrixPanel(QWidget* parent = nullptr);

    void setResults(std::shared_ptr<const ValidationResults> results);
    std::shared_ptr<const ValidationResults> results() const { return m_results; }
    ConfusionMatrixView* view() const { return m_view; }
    // The sum of all cells: the number of validation images.
    int64_t total() const;
    // The line above the matrix: whose verdict, and how many right.
    QString summaryText() const;
    // "Refresh now" works while a run trains: the run's current weights
    // over the validation set, without waiting for the epoch's end.
    void setRefreshAvailable(bool available);
    QToolButton* refreshButton() const { return m_refresh; }
    // The matrix with class names, recall and precision as a figure (PNG at
    // 2x or SVG by the suffix); false with `error` set when not written.
    bool exportTo(const QString& file, QString* error) const;

signals:
    void cellSelected(int trueClass, int predicted);
    void refreshRequested();

protected:
    void resizeEvent(QResizeEvent* event) override;

private:
    QString howToRead() const;

    std::shared_ptr<const ValidationResults> m_results;
    class QBoxLayout* m_body;
    QLabel* m_summary;
    ConfusionMatrixView* m_view;
    QTableWidget* m_perClass;
    QToolButton* m_refresh;
    QToolButton* m_export;
};
