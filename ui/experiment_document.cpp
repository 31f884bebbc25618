#include "experiment_document.h"

#include <algorithm>

#include <QFileInfo>
#include <QUndoCommand>
#include <QUndoStack>

#include "layerlab/dataset.h"
#include "logging.h"

namespace {

// Whole-spec snapshots: an experiment is a few hundred bytes, so storing two
// per edit is cheaper than a command class per kind of edit, and it makes
// undo exact by construction.
class SpecCommand : public QUndoCommand {
public:
    SpecCommand(ExperimentDocument* document, layerlab::ExperimentSpec before,
                layerlab::ExperimentSpec after, const QString& text, QString mergeKey)
        : QUndoCommand(text),
          m_document(document),
          m_before(std::move(before)),
          m_after(std::move(after)),
          m_mergeKey(std::move(mergeKey)) {}

    void undo() override { m_document->apply(m_before); }
    void redo() override { m_document->apply(m_after); }

    // Only commands with a merge key share the id that lets QUndoStack ask.
    int id() const override { return m_mergeKey.isEmpty() ? -1 : 1; }

    bool mergeWith(const QUndoCommand* other) override {
        const auto* next = static_cast<const SpecCommand*>(other);
        if (next->m_mergeKey != m_mergeKey) {
            return false;
        }
        m_after = next->m_after;
        return true;
    }

private:
    ExperimentDocument* m_document;
    layerlab::ExperimentSpec m_before;
    layerlab::ExperimentSpec m_after;
    QString m_mergeKey;
};

}  // namespace

ExperimentDocument::ExperimentDocument(QObject* parent)
    : QObject(parent), m_undoStack(new QUndoStack(this)) {
    connect(m_undoStack, &QUndoStack::cleanChanged, this,
            [this](bool clean) { emit modifiedChanged(!clean); });
    connect(m_undoStack, &QUndoStack::indexChanged, this, &ExperimentDocument::undoRedoChanged);
    refreshReport();
}

int ExperimentDocument::numClasses() const {
    const auto kind = layerlab::datasetKindFromId(m_spec.dataset);
    if (!kind) {
        // An unknown dataset is reported by validateExperiment; shapes are
        // still worth showing against the usual ten classes.
        return 10;
    }
    return int(layerlab::datasetInfo(*kind).classNames.size());
}

void ExperimentDocument::edit(const layerlab::ExperimentSpec& after, const QString& text,
                              const QString& mergeKey) {
    if (m_locked) {
        qCWarning(lcUi) << "edit refused while a run is going on:" << text;
        return;
    }
    m_undoStack->push(new SpecCommand(this, m_spec, after, text, mergeKey));
}

void ExperimentDocument::editModel(const layerlab::ModelSpec& model, const QString& text,
                                   const QString& mergeKey) {
    layerlab::ExperimentSpec after = m_spec;
    after.model = model;
    edit(after, text, mergeKey);
}

void ExperimentDocument::editTraining(const layerlab::TrainingSpec& training, const QString& text,
                                      const QString& mergeKey) {
    layerlab::ExperimentSpec after = m_spec;
    after.training = training;
    edit(after, text, mergeKey);
}

void ExperimentDocument::reset(const layerlab::ExperimentSpec& spec, const QString& filePath) {
    m_undoStack->clear();
    m_filePath = filePath;
    apply(spec);
    m_undoStack->setClean();
    emit filePathChanged(m_filePath);
    emit modifiedChanged(false);
}

QString ExperimentDocument::displayName() const {
    if (!m_filePath.isEmpty()) {
        return QFileInfo(m_filePath).fileName();
    }
    if (!m_spec.name.empty()) {
        return QString::fromStdString(m_spec.name) + tr(" (unsaved)");
    }
    return tr("untitled");
}

bool ExperimentDocument::isModified() const {
    return !m_undoStack->isClean();
}

void ExperimentDocument::markSaved(const QString& filePath) {
    m_filePath = filePath;
    m_undoStack->setClean();
    emit filePathChanged(m_filePath);
}

void ExperimentDocument::undo() {
    if (!m_locked) {
        m_undoStack->undo();
    }
}

void ExperimentDocument::redo() {
    if (!m_locked) {
        m_undoStack->redo();
    }
}

bool ExperimentDocument::canUndo() const {
    return !m_locked && m_undoStack->canUndo();
}
bool ExperimentDocument::canRedo() const {
    return !m_locked && m_undoStack->canRedo();
}

void ExperimentDocument::setLocked(bool locked) {
    if (m_locked == locked) {
        return;
    }
    m_locked = locked;
    emit lockedChanged(locked);
    emit undoRedoChanged();
}

void ExperimentDocument::apply(const layerlab::ExperimentSpec& spec) {
    m_spec = spec;
    refreshReport();
    emit changed();
}

void ExperimentDocument::refreshReport() {
    m_report = layerlab::inspectModel(m_spec.model, numClasses(), m_spec.training.batchSize);

    // Model errors first: they are what the builder shows in red.
    std::vector<std::string> problems = m_report.errors;
    for (const std::string& problem : layerlab::validateExperiment(m_spec)) {
        if (std::find(problems.begin(), problems.end(), problem) == problems.end()) {
            problems.push_back(problem);
        }
    }
    m_invalidReason = problems.empty() ? QString() : QString::fromStdString(problems.front());
}
