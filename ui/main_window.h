#pragma once

#include <QMainWindow>
#include <functional>

#include "layerlab/trainer.h"

class Banner;
class ChartsPanel;
class EvaluationViews;
class CompareView;
class DropoutAb;
class RunsPanel;
class ExperimentDocument;
class NetworkBuilderPanel;
class RecentFiles;
class TrainingControlsPanel;
class TrainingWorker;
struct Preset;

// Wires the panels together around one document and one training worker,
// and keeps what a desktop user expects kept: window layout, recent files,
// the last experiment. The panels hold the behaviour; this class only
// connects them and owns the menus and the files.
class MainWindow : public QMainWindow {
    Q_OBJECT
public:
    explicit MainWindow(QWidget* parent = nullptr);
    ~MainWindow() override;

    ExperimentDocument* document() const { return m_document; }
    NetworkBuilderPanel* builder() const { return m_builder; }
    TrainingControlsPanel* controls() const { return m_controls; }
    ChartsPanel* charts() const { return m_charts; }
    TrainingWorker* worker() const { return m_worker; }
    Banner* banner() const { return m_banner; }
    // The confusion matrix, sample predictions and drawing canvas.
    EvaluationViews* evaluation() const { return m_evaluation; }
    RunsPanel* runs() const { return m_runs; }
    CompareView* comparison() const { return m_comparison; }
    DropoutAb* dropoutAb() const { return m_dropoutAb; }
    // Trains the current network with dropout on, then off, and compares.
    void startDropoutAb();

    // Each shows what went wrong in a dialog and leaves the current
    // experiment as it was.
    bool openFile(const QString& path);
    bool saveFile(const QString& path);
    void newExperiment();
    void openPreset(const Preset& preset);
    // Says where a dataset was looked for and offers to fetch it or pick its
    // folder (a first start with no MNIST, or a run that failed for it).
    void showDatasetSetup(layerlab::DatasetKind kind);

protected:
    void closeEvent(QCloseEvent* event) override;
    void showEvent(QShowEvent* event) override;

private:
    void buildDocks();
    void buildEvaluationDocks();
    void buildMenus();
    void restoreSession();
    void saveWindowState();
    bool maybeSave();
    bool save();
    bool saveAs();
    void open();
    void updateTitle();
    void startRun();
    void runFinished(const layerlab::RunSummary& summary);
    void showError(const QString& title, const QString& text);

    ExperimentDocument* m_document;
    TrainingWorker* m_worker;
    NetworkBuilderPanel* m_builder;
    TrainingControlsPanel* m_controls;
    ChartsPanel* m_charts;
    Banner* m_banner;
    RecentFiles* m_recentFiles = nullptr;
    EvaluationViews* m_evaluation = nullptr;
    RunsPanel* m_runs = nullptr;
    CompareView* m_comparison = nullptr;
    DropoutAb* m_dropoutAb = nullptr;
    // Dock sizes for a first start (no saved layout), applied once the
    // window is shown: before that the docks have no size to share.
    std::function<void()> m_firstLayout;
    void buildRunsDocks();
};
