#pragma once

#include <QObject>
#include <QString>

#include "layerlab/experiment.h"
#include "layerlab/shape_inference.h"

class QUndoStack;

// The experiment being edited: the one source of truth every panel reads.
// Every edit goes through the undo stack as a whole-spec before/after pair,
// so undo is exact whatever the edit was, and the model report is recomputed
// after each one. While a run goes on the document is locked: the run trains
// a copy, and an edit then would make the charts describe a network that is
// no longer on screen.
class ExperimentDocument : public QObject {
    Q_OBJECT
public:
    explicit ExperimentDocument(QObject* parent = nullptr);

    const layerlab::ExperimentSpec& spec() const { return m_spec; }
    const layerlab::ModelReport& report() const { return m_report; }
    int numClasses() const;

    // Why the experiment cannot be trained, naming the layer or field; empty
    // when it can.
    QString invalidReason() const { return m_invalidReason; }

    // Pushes an undoable edit. Consecutive edits with the same non-empty
    // `mergeKey` (one spin box being typed into) become one undo step.
    void edit(const layerlab::ExperimentSpec& after, const QString& text,
              const QString& mergeKey = {});
    void editModel(const layerlab::ModelSpec& model, const QString& text,
                   const QString& mergeKey = {});
    void editTraining(const layerlab::TrainingSpec& training, const QString& text,
                      const QString& mergeKey = {});

    // Replaces the whole experiment (new, open, preset) and forgets the undo
    // history. An empty path means "untitled".
    void reset(const layerlab::ExperimentSpec& spec, const QString& filePath);

    QString filePath() const { return m_filePath; }
    QString displayName() const;
    bool isModified() const;
    void markSaved(const QString& filePath);

    QUndoStack* undoStack() const { return m_undoStack; }
    void undo();
    void redo();
    bool canUndo() const;
    bool canRedo() const;

    bool isLocked() const { return m_locked; }
    void setLocked(bool locked);

    // Applies a spec without touching the undo stack; the undo commands'
    // entry point.
    void apply(const layerlab::ExperimentSpec& spec);

signals:
    void changed();
    void modifiedChanged(bool modified);
    void filePathChanged(const QString& filePath);
    void lockedChanged(bool locked);
    void undoRedoChanged();

private:
    void refreshReport();

    layerlab::ExperimentSpec m_spec;
    layerlab::ModelReport m_report;
    QString m_invalidReason;
    QString m_filePath;
    QUndoStack* m_undoStack;
    bool m_locked = false;
};
