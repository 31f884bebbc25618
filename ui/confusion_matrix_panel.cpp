#include "confusion_matrix_panel.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QHelpEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QTableWidget>
#include <QToolButton>
#include <QToolTip>
#include <QVBoxLayout>
#include <numeric>

#include "evaluation_pictures.h"
#include "picture_export.h"

namespace {
// Counts stay readable ("1135" in a small font) down to this side; the
// percentage joins them from 40 pixels on and is always in the tooltip.
constexpr int kMinCellSide = 24;
constexpr int kMaxCellSide = 52;
// Room for the class names down the left and across the top.
constexpr int kLabelMargin = 26;
}  // namespace

ConfusionMatrixView::ConfusionMatrixView(QWidget* parent) : QWidget(parent) {
    setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
    setMouseTracking(false);
}

void ConfusionMatrixView::setResults(std::shared_ptr<const ValidationResults> results) {
    m_results = std::move(results);
    updateGeometry();
    update();
}

QSize ConfusionMatrixView::minimumSizeHint() const {
    const int side = kLabelMargin + 10 * kMinCellSide + 2;
    return {side, side};
}

QSize ConfusionMatrixView::sizeHint() const {
    const int side = kLabelMargin + 10 * 40 + 2;
    return {side, side};
}

int ConfusionMatrixView::cellSide() const {
    const int classes = m_results ? m_results->numClasses : 10;
    const int room = std::min(width(), height()) - kLabelMargin - 2;
    return std::clamp(room / std::max(classes, 1), kMinCellSide / 2, kMaxCellSide);
}

QPoint ConfusionMatrixView::origin() const {
    return {kLabelMargin, kLabelMargin};
}

QRect ConfusionMatrixView::cellRect(int trueClass, int predicted) const {
    const int side = cellSide();
    return {origin().x() + predicted * side, origin().y() + trueClass * side, side, side};
}

void ConfusionMatrixView::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    painter.setRenderHint(QPainter::Antialiasing, false);
    const QPalette pal = palette();
    if (!m_results) {
        painter.setPen(pal.color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                         tr("The confusion matrix appears after the first epoch."));
        return;
    }
    const int classes = m_results->numClasses;
    const int side = cellSide();
    QFont small = font();
    small.setPointSizeF(std::max(6.5, font().pointSizeF() * (side < 40 ? 0.72 : 0.85)));
    painter.setFont(small);

    // Axis labels: predicted across the top, true down the left.
    painter.setPen(pal.color(QPalette::WindowText));
    for (int c = 0; c < classes; ++c) {
        const QString name = m_results->classNames.value(c).left(side < 40 ? 3 : 5);
        painter.drawText(QRect(origin().x() + c * side, 0, side, kLabelMargin - 2), Qt::AlignCenter,
                         name);
        painter.drawText(QRect(0, origin().y() + c * side, kLabelMargin - 3, side),
                         Qt::AlignRight | Qt::AlignVCenter, name);
    }

    paintConfusionCells(painter, *m_results, origin(), side);
    painter.setPen(pal.color(QPalette::Mid));
    painter.drawRect(QRect(origin(), QSize(classes * side, classes * side)));
    if (m_selectedTrue >= 0 && m_selectedTrue < classes && m_selectedPredicted < classes) {
        painter.setPen(QPen(pal.color(QPalette::Highlight), 3));
        painter.drawRect(cellRect(m_selectedTrue, m_selectedPredicted).adjusted(1, 1, -2, -2));
    }
}

bool ConfusionMatrixView::cellAt(const QPoint& point, int& trueClass, int& predicted) const {
    if (!m_results) {
        return false;
    }
    const int side = cellSide();
    const QPoint at = point - origin();
    predicted = at.x() / side;
    trueClass = at.y() / side;
    return at.x() >= 0 && at.y() >= 0 && predicted < m_results->numClasses &&
           trueClass < m_results->numClasses;
}

void ConfusionMatrixView::mousePressEvent(QMouseEvent* event) {
    int t = 0;
    int p = 0;
    if (event->button() != Qt::LeftButton || !cellAt(event->position().toPoint(), t, p)) {
        return;
    }
    m_selectedTrue = t;
    m_selectedPredicted = p;
    update();
    emit cellClicked(t, p);
}

// Small cells show counts only; the percentage is always a hover away.
bool ConfusionMatrixView::event(QEvent* event) {
    if (event->type() == QEvent::ToolTip) {
        auto* help = static_cast<QHelpEvent*>(event);
        int t = 0;
        int p = 0;
        if (cellAt(help->pos(), t, p)) {
            int64_t row = 0;
            for (int o = 0; o < m_results->numClasses; ++o) {
                row += m_results->cell(t, o);
            }
            const int64_t n = m_results->cell(t, p);
            QToolTip::showText(
                help->globalPos(),
                tr("True %1, predicted %2: %3 images, %4 of all %1")
                    .arg(m_results->classNames.value(t), m_results->classNames.value(p))
                    .arg(n)
                    .arg(sharePercent(row ? double(n) / double(row) : 0.0)),
                this);
        } else {
            QToolTip::hideText();
        }
        return true;
    }
    return QWidget::event(event);
}

ConfusionMatrixPanel::ConfusionMatrixPanel(QWidget* parent)
    : QWidget(parent),
      m_summary(new QLabel(this)),
      m_view(new ConfusionMatrixView(this)),
      m_perClass(new QTableWidget(this)),
      m_refresh(new QToolButton(this)),
      m_export(new QToolButton(this)) {
    auto* layout = new QVBoxLayout(this);
    m_summary->setWordWrap(true);
    m_summary->setText(howToRead());
    m_refresh->setText(tr("Refresh now"));
    m_refresh->setToolTip(
        tr("Validate the run's current weights now, without waiting for the epoch's end"));
    m_refresh->setEnabled(false);
    m_export->setText(tr("Export…"));
    m_export->setToolTip(tr("Save the matrix with recall and precision as PNG or SVG"));
    m_export->setEnabled(false);
    auto* buttons = new QHBoxLayout;
    buttons->addWidget(m_refresh);
    buttons->addWidget(m_export);
    buttons->addStretch();
    layout->addLayout(buttons);
    layout->addWidget(m_summary);
    connect(m_refresh, &QToolButton::clicked, this, &ConfusionMatrixPanel::refreshRequested);
    connect(m_export, &QToolButton::clicked, this, [this] {
        const QString file =
            askPictureFile(this, tr("Export confusion matrix"), tr("confusion-matrix"));
        if (!file.isEmpty()) {
            savePictureOrSay(this, file, [this](const QString& f, QString* error) {
                return exportTo(f, error);
            });
        }
    });
    m_body = new QBoxLayout(QBoxLayout::TopToBottom);
    m_body->addWidget(m_view, 3);
    layout->addLayout(m_body, 1);
    m_perClass->setColumnCount(4);
    m_perClass->setHorizontalHeaderLabels(
        {tr("Class"), tr("Images"), tr("Recall"), tr("Precision")});
    m_perClass->horizontalHeaderItem(2)->setToolTip(
        tr("Per-class accuracy: the share of this class's images classified as it"));
    m_perClass->horizontalHeaderItem(3)->setToolTip(
        tr("The share of images classified as this class that really are"));
    m_perClass->verticalHeader()->hide();
    m_perClass->setEditTriggers(QAbstractItemView::NoEditTriggers);
    m_perClass->setSelectionMode(QAbstractItemView::NoSelection);
    m_perClass->horizontalHeader()->setSectionResizeMode(QHeaderView::Stretch);
    m_perClass->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 4);
    m_perClass->setMinimumHeight(fontMetrics().height() * 6);
    m_body->addWidget(m_perClass, 2);
    connect(m_view, &ConfusionMatrixView::cellClicked, this, &ConfusionMatrixPanel::cellSelected);
}

void ConfusionMatrixPanel::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    // In a wide, short dock the per-class table goes beside the matrix.
    m_body->setDirection(width() > height() * 3 / 2 ? QBoxLayout::LeftToRight
                                                    : QBoxLayout::TopToBottom);
}

QString ConfusionMatrixPanel::summaryText() const {
    return m_summary->text();
}

QString ConfusionMatrixPanel::howToRead() const {
    return tr("Rows: true class, columns: predicted. Click a cell to see its images.");
}

int64_t ConfusionMatrixPanel::total() const {
    if (!m_results) {
        return 0;
    }
    return std::accumulate(m_results->confusion.begin(), m_results->confusion.end(), int64_t(0));
}

void ConfusionMatrixPanel::setRefreshAvailable(bool available) {
    m_refresh->setEnabled(available);
}

bool ConfusionMatrixPanel::exportTo(const QString& file, QString* error) const {
    if (!m_results) {
        if (error) {
            *error = tr("%1: there is no confusion matrix yet").arg(file);
        }
        return false;
    }
    return saveConfusionMatrix(*m_results, tr("Confusion matrix · %1").arg(m_results->label), file,
                               error);
}

void ConfusionMatrixPanel::setResults(std::shared_ptr<const ValidationResults> results) {
    m_results = std::move(results);
    m_view->setResults(m_results);
    m_export->setEnabled(m_results != nullptr);
    if (!m_results) {
        // No verdict, not the last run's: a new run starts with an empty panel.
        m_summary->setText(howToRead());
        m_perClass->setRowCount(0);
        return;
    }
    const int classes = m_results->numClasses;
    int64_t correct = 0;
    for (int c = 0; c < classes; ++c) {
        correct += m_results->cell(c, c);
    }
    const int64_t all = total();
    m_summary->setText(tr("%1: %2 of %3 validation images right (%4). %5")
                           .arg(m_results->label)
                           .arg(QLocale().toString(qlonglong(correct)))
                           .arg(QLocale().toString(qlonglong(all)))
                           .arg(sharePercent(all ? double(correct) / double(all) : 0.0))
                           .arg(howToRead()));

    m_perClass->setRowCount(classes);
    for (int c = 0; c < classes; ++c) {
        int64_t row = 0;
        int64_t column = 0;
        for (int o = 0; o < classes; ++o) {
            row += m_results->cell(c, o);
            column += m_results->cell(o, c);
        }
        const int64_t hit = m_results->cell(c, c);
        const auto item = [](const QString& text) {
            auto* cell = new QTableWidgetItem(text);
            cell->setTextAlignment(Qt::AlignCenter);
            return cell;
        };
        m_perClass->setItem(c, 0, item(m_results->classNames.value(c)));
        m_perClass->setItem(c, 1, item(QLocale().toString(qlonglong(row))));
        m_perClass->setItem(c, 2, item(row ? sharePercent(double(hit) / double(row)) : "–"));
        m_perClass->setItem(c, 3, item(column ? sharePercent(double(hit) / double(column)) : "–"));
    }
}
