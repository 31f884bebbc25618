#pragma once

#include <QWidget>
#include <deque>
#include <functional>
#include <utility>

#include "layerlab/trainer.h"
#include "training_worker.h"

class QAction;
class QComboBox;
class QDoubleSpinBox;
class QGroupBox;
class QLabel;
class QLineEdit;
class QProgressBar;
class QSpinBox;
class QToolButton;
class ExperimentDocument;

// The training settings of the experiment, the run buttons and the progress
// of the run. Settings are document edits (undoable, saved with the
// experiment); the buttons only ask, and the main window passes the request
// to the worker.
class TrainingControlsPanel : public QWidget {
    Q_OBJECT
public:
    explicit TrainingControlsPanel(ExperimentDocument* document, QWidget* parent = nullptr);

    QAction* startAction() const { return m_start; }
    QAction* pauseAction() const { return m_pause; }
    QAction* stopAction() const { return m_stop; }
    QProgressBar* progressBar() const { return m_progress; }
    QComboBox* datasetCombo() const { return m_dataset; }
    QComboBox* deviceCombo() const { return m_device; }
    QLineEdit* seedField() const { return m_seed; }
    QString statusText() const;
    QString rateText() const;

    void setRunState(TrainingWorker::State state);
    void runStarted(const layerlab::RunStart& start);
    void stepsArrived(const std::vector<layerlab::StepMetrics>& steps);
    void epochFinished(const layerlab::EpochMetrics& epoch);
    void runFinished(const layerlab::RunSummary& summary);
    // A run resumed from the Runs panel trains with its own settings, not
    // the open experiment's: says so above them until the run ends.
    void showResumedRun(const QString& runName, const layerlab::TrainingSpec& training);
    QString resumedRunNote() const;

signals:
    void startRequested();
    void pauseRequested();
    void resumeRequested();
    void stopRequested();

private:
    QGroupBox* buildSettings();
    void sync();
    void refreshStartAction();
    void editTraining(const QString& field,
                      const std::function<void(layerlab::TrainingSpec&)>& change);

    ExperimentDocument* m_document;
    TrainingWorker::State m_state = TrainingWorker::State::Idle;

    QAction* m_start;
    QAction* m_pause;
    QAction* m_stop;

    QGroupBox* m_settings;
    QComboBox* m_dataset;
    QComboBox* m_optimizer;
    QDoubleSpinBox* m_learningRate;
    QDoubleSpinBox* m_momentum;
    QSpinBox* m_batchSize;
    QSpinBox* m_epochs;
    QLineEdit* m_seed;
    QComboBox* m_device;
    QSpinBox* m_threads;
    QSpinBox* m_trainLimit;
    QSpinBox* m_validationLimit;

    QProgressBar* m_progress;
    QLabel* m_rate;
    QLabel* m_status;
    QLabel* m_resumedNote;

    // The run's shape, from RunStart, and recent (step, seconds) pairs for a
    // samples/s that follows the current speed rather than the average.
    layerlab::RunStart m_run;
    double m_runBatchSize = 1;
    std::deque<std::pair<int64_t, double>> m_recent;
    // The last rate shown, kept without its ETA once the run has ended.
    QString m_lastRate;
};
