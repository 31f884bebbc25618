#include "sample_predictions_panel.h"

#include <QComboBox>
#include <QHBoxLayout>
#include <QImage>
#include <QLabel>
#include <QPainter>
#include <QPushButton>
#include <QVBoxLayout>
#include <algorithm>
#include <numeric>

#include "evaluation_pictures.h"
#include "picture_export.h"

namespace {
// Enough to see a pattern in the mistakes without a page of scrolling;
// Show more adds as many again.
constexpr size_t kMaxTiles = 60;
// 28x28 at 2x: crisp, and five tiles fit a narrow dock.
constexpr int kImageScale = 2;
}  // namespace

SampleGrid::SampleGrid(QWidget* parent) : QWidget(parent) {
    QSizePolicy policy(QSizePolicy::Preferred, QSizePolicy::Preferred);
    policy.setHeightForWidth(true);
    setSizePolicy(policy);
}

void SampleGrid::show(std::shared_ptr<const ValidationResults> results,
                      std::vector<int64_t> indices) {
    m_results = std::move(results);
    m_indices = std::move(indices);
    updateGeometry();
    update();
}

namespace {
int tileWidth() {
    return 28 * kImageScale + 2 * kSampleTilePadding;
}
}  // namespace

int SampleGrid::columns(int width) const {
    return std::max(1, width / tileWidth());
}

int SampleGrid::heightForWidth(int width) const {
    const int tileHeight = sampleTileHeight(kImageScale, fontMetrics().height());
    const int rows = int((m_indices.size() + size_t(columns(width)) - 1) / size_t(columns(width)));
    return std::max(rows, 1) * tileHeight;
}

QSize SampleGrid::sizeHint() const {
    return {5 * tileWidth(), heightForWidth(5 * tileWidth())};
}

QSize SampleGrid::minimumSizeHint() const {
    return {3 * tileWidth(), 28 * kImageScale};
}

void SampleGrid::resizeEvent(QResizeEvent* event) {
    QWidget::resizeEvent(event);
    updateGeometry();
}

void SampleGrid::paintEvent(QPaintEvent*) {
    QPainter painter(this);
    if (!m_results || m_indices.empty()) {
        painter.setPen(palette().color(QPalette::PlaceholderText));
        painter.drawText(rect(), Qt::AlignCenter | Qt::TextWordWrap,
                         m_results ? tr("No images here.")
                                   : tr("Validation images appear after the first epoch."));
        return;
    }
    QFont small = font();
    small.setPointSizeF(font().pointSizeF() * 0.85);
    painter.setFont(small);
    const int tileHeight = sampleTileHeight(kImageScale, fontMetrics().height());
    const int cols = columns(width());
    for (size_t n = 0; n < m_indices.size(); ++n) {
        const QRect tile(int(n % size_t(cols)) * tileWidth(), int(n / size_t(cols)) * tileHeight,
                         tileWidth(), tileHeight);
        paintSampleTile(painter, *m_results, m_indices[n], tile, kImageScale, palette());
    }
}

SamplePredictionsPanel::SamplePredictionsPanel(QWidget* parent)
    : QWidget(parent),
      m_modeBox(new QComboBox(this)),
      m_classBox(new QComboBox(this)),
      m_shuffle(new QPushButton(tr("Shuffle"), this)),
      m_more(new QPushButton(this)),
      m_export(new QPushButton(tr("Export…"), this)),
      m_caption(new QLabel(this)),
      m_grid(new SampleGrid(this)) {
    m_modeBox->addItem(tr("Worst mistakes"), int(Mode::WorstMistakes));
    m_modeBox->addItem(tr("Random sample"), int(Mode::Random));
    m_modeBox->addItem(tr("One class"), int(Mode::OneClass));
    m_modeBox->addItem(tr("Matrix cell"), int(Mode::OneCell));
    m_modeBox->setToolTip(
        tr("Which validation images to show; click a confusion matrix cell "
           "to see exactly its images"));
    auto* controls = new QHBoxLayout;
    controls->addWidget(m_modeBox);
    controls->addWidget(m_classBox);
    controls->addWidget(m_shuffle);
    controls->addWidget(m_more);
    controls->addStretch();
    m_export->setToolTip(tr("Save these images with their predictions as PNG or SVG"));
    controls->addWidget(m_export);
    auto* layout = new QVBoxLayout(this);
    layout->addLayout(controls);
    m_caption->setWordWrap(true);
    layout->addWidget(m_caption);
    layout->addWidget(m_grid, 1);

    connect(m_modeBox, &QComboBox::activated, this,
            [this] { setMode(Mode(m_modeBox->currentData().toInt())); });
    connect(m_classBox, &QComboBox::activated, this, [this] { refresh(); });
    connect(m_shuffle, &QPushButton::clicked, this, [this] { refresh(); });
    connect(m_more, &QPushButton::clicked, this,
            [this] { refresh(m_grid->indices().size() + kMaxTiles); });
    connect(m_export, &QPushButton::clicked, this, [this] {
        const QString file = askPictureFile(this, tr("Export predictions"), tr("predictions"));
        if (!file.isEmpty()) {
            savePictureOrSay(this, file, [this](const QString& f, QString* error) {
                return exportTo(f, error);
            });
        }
    });
    refresh();
}

void SamplePredictionsPanel::setResults(std::shared_ptr<const ValidationResults> results) {
    m_results = std::move(results);
    const int keep = m_classBox->currentIndex();
    m_classBox->clear();
    if (m_results) {
        m_classBox->addItems(m_results->classNames);
        m_classBox->setCurrentIndex(std::max(0, keep));
    }
    refresh();
}

void SamplePredictionsPanel::showCell(int trueClass, int predicted) {
    m_cellTrue = trueClass;
    m_cellPredicted = predicted;
    setMode(Mode::OneCell);
}

void SamplePredictionsPanel::setMode(Mode mode) {
    m_mode = mode;
    m_modeBox->setCurrentIndex(m_modeBox->findData(int(mode)));
    refresh();
}

QString SamplePredictionsPanel::caption() const {
    return m_caption->text();
}

bool SamplePredictionsPanel::exportTo(const QString& file, QString* error) const {
    if (!m_results) {
        if (error) {
            *error = tr("%1: there are no predictions yet").arg(file);
        }
        return false;
    }
    return savePredictionGrid(*m_results, m_grid->indices(), caption(), file, error);
}

void SamplePredictionsPanel::refresh(size_t tiles) {
    m_classBox->setVisible(m_mode == Mode::OneClass);
    m_shuffle->setVisible(m_mode == Mode::Random);
    m_more->hide();
    m_export->setEnabled(m_results != nullptr);
    if (!m_results) {
        m_caption->clear();
        m_grid->show(nullptr, {});
        return;
    }
    const ValidationResults& r = *m_results;
    std::vector<int64_t> chosen;
    const auto confidentFirst = [&r](int64_t a, int64_t b) {
        return r.confidence[size_t(a)] > r.confidence[size_t(b)];
    };
    QString what;
    switch (m_mode) {
        case Mode::Random: {
            std::vector<int64_t> all(size_t(r.count()));
            std::iota(all.begin(), all.end(), 0);
            std::shuffle(all.begin(), all.end(), m_random);
            all.resize(std::min(all.size(), kMaxTiles));
            chosen = std::move(all);
            what = tr("a random sample of the %1 validation images").arg(r.count());
            break;
        }
        case Mode::WorstMistakes:
            for (int64_t i = 0; i < r.count(); ++i) {
                if (r.trueLabels[size_t(i)] != r.predicted[size_t(i)]) {
                    chosen.push_back(i);
                }
            }
            what = tr("mistakes, the most confident first");
            break;
        case Mode::OneClass: {
            const int c = std::max(0, m_classBox->currentIndex());
            for (int64_t i = 0; i < r.count(); ++i) {
                if (r.trueLabels[size_t(i)] == c) {
                    chosen.push_back(i);
                }
            }
            // Mistakes first, then the least sure right answers.
            std::stable_sort(chosen.begin(), chosen.end(), [&r](int64_t a, int64_t b) {
                const bool wrongA = r.trueLabels[size_t(a)] != r.predicted[size_t(a)];
                const bool wrongB = r.trueLabels[size_t(b)] != r.predicted[size_t(b)];
                if (wrongA != wrongB) {
                    return wrongA;
                }
                return wrongA ? r.confidence[size_t(a)] > r.confidence[size_t(b)]
                              : r.confidence[size_t(a)] < r.confidence[size_t(b)];
            });
            what =
                tr("true class %1: mistakes first, then the least sure").arg(r.classNames.value(c));
            break;
        }
        case Mode::OneCell:
            for (int64_t i = 0; i < r.count(); ++i) {
                if (r.trueLabels[size_t(i)] == m_cellTrue &&
                    r.predicted[size_t(i)] == m_cellPredicted) {
                    chosen.push_back(i);
                }
            }
            what =
                m_cellTrue == m_cellPredicted
                    ? tr("%1 classified right, the most confident first")
                          .arg(r.classNames.value(m_cellTrue))
                    : tr("true %1 predicted as %2, the most confident mistakes first")
                          .arg(r.classNames.value(m_cellTrue), r.classNames.value(m_cellPredicted));
            break;
    }
    if (m_mode == Mode::WorstMistakes || m_mode == Mode::OneCell) {
        std::stable_sort(chosen.begin(), chosen.end(), confidentFirst);
    }
    const size_t found = chosen.size();
    chosen.resize(std::min(found, tiles > 0 ? tiles : kMaxTiles));
    // A random sample is re-drawn by Shuffle; the lists are read on.
    if (m_mode != Mode::Random && found > chosen.size()) {
        m_more->setText(tr("Show %1 more").arg(std::min(kMaxTiles, found - chosen.size())));
        m_more->show();
    }
    m_caption->setText(
        found > chosen.size()
            ? tr("%1 · %2 of %3: %4").arg(r.label).arg(chosen.size()).arg(found).arg(what)
            : tr("%1 · %2 images: %3").arg(r.label).arg(found).arg(what));
    m_grid->show(m_results, std::move(chosen));
}
