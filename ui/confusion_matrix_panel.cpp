#include "confusion_matrix_panel.h"

#include <QHeaderView>
#include <QHelpEvent>
#include <QLabel>
#include <QMouseEvent>
#include <QPainter>
#include <QTableWidget>
#include <QToolTip>
#include <QVBoxLayout>
#include <numeric>

namespace {
// Counts stay readable ("1135" in a small font) down to this side; the
// percentage joins them from 40 pixels on and is always in the tooltip.
constexpr int kMinCellSide = 24;
constexpr int kMaxCellSide = 52;
// Room for the class names down the left and across the top.
constexpr int kLabelMargin = 26;

QString percent(double share) {
    return QString::number(100.0 * share, 'f', share >= 0.995 || share < 0.1 ? 0 : 1) + "%";
}
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

    for (int t = 0; t < classes; ++t) {
        int64_t rowTotal = 0;
        for (int p = 0; p < classes; ++p) {
            rowTotal += m_results->cell(t, p);
        }
        for (int p = 0; p < classes; ++p) {
            const int64_t n = m_results->cell(t, p);
            const double share = rowTotal > 0 ? double(n) / double(rowTotal) : 0.0;
            const QRect cell = cellRect(t, p);
            // Right answers in blue, mistakes in red; off the diagonal a
            // small share is boosted so a 2% confusion still shows.
            QColor fill;
            if (t == p) {
                fill = QColor::fromHsvF(0.58, std::min(1.0, share), 0.55 + 0.4 * (1 - share));
            } else {
                const double strength = n == 0 ? 0.0 : std::min(1.0, 0.12 + 4.0 * share);
                fill = QColor::fromHsvF(0.0, strength * 0.85, 1.0 - strength * 0.15);
            }
            painter.fillRect(cell, fill);
            const bool dark = fill.lightnessF() < 0.5;
            painter.setPen(dark ? Qt::white : Qt::black);
            if (n > 0) {
                const QString text =
                    side >= 40 ? QString("%1\n%2").arg(n).arg(percent(share)) : QString::number(n);
                painter.drawText(cell, Qt::AlignCenter, text);
            }
        }
    }
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
                    .arg(percent(row ? double(n) / double(row) : 0.0)),
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
      m_perClass(new QTableWidget(this)) {
    auto* layout = new QVBoxLayout(this);
    m_summary->setWordWrap(true);
    m_summary->setText(
        tr("Rows: true class · columns: predicted. Click a cell to see its images."));
    layout->addWidget(m_summary);
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

int64_t ConfusionMatrixPanel::total() const {
    if (!m_results) {
        return 0;
    }
    return std::accumulate(m_results->confusion.begin(), m_results->confusion.end(), int64_t(0));
}

void ConfusionMatrixPanel::setResults(std::shared_ptr<const ValidationResults> results) {
    m_results = std::move(results);
    m_view->setResults(m_results);
    if (!m_results) {
        m_perClass->setRowCount(0);
        return;
    }
    const int classes = m_results->numClasses;
    int64_t correct = 0;
    for (int c = 0; c < classes; ++c) {
        correct += m_results->cell(c, c);
    }
    const int64_t all = total();
    m_summary->setText(tr("Epoch %1: %2 of %3 validation images right (%4). Rows: true class, "
                          "columns: predicted. Click a cell to see its images.")
                           .arg(m_results->epoch)
                           .arg(QLocale().toString(qlonglong(correct)))
                           .arg(QLocale().toString(qlonglong(all)))
                           .arg(percent(all ? double(correct) / double(all) : 0.0)));

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
        m_perClass->setItem(c, 2, item(row ? percent(double(hit) / double(row)) : "–"));
        m_perClass->setItem(c, 3, item(column ? percent(double(hit) / double(column)) : "–"));
    }
}
