// The network builder driven through its widgets, as a user would.

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QSpinBox>
#include <QToolButton>
#include <QWheelEvent>

#include "experiment_document.h"
#include "layer_card.h"
#include "layer_editors.h"
#include "main_window.h"
#include "network_builder_panel.h"
#include "presets.h"
#include "toggle_switch.h"
#include "training_controls_panel.h"
#include "ui_test_support.h"

using layerlab::LayerKind;

namespace {

// QComboBox::activated is what a user's choice emits; setCurrentIndex alone
// does not, so pick the item and emit it as the popup would.
void choose(QComboBox* combo, const QString& text) {
    const int index = combo->findText(text);
    QVERIFY2(index >= 0, qPrintable("no item " + text));
    combo->setCurrentIndex(index);
    emit combo->activated(index);
}

void add(NetworkBuilderPanel* builder, LayerKind kind) {
    QToolButton* button = builder->paletteButton(kind);
    QVERIFY(button);
    QTest::mouseClick(button, Qt::LeftButton);
}

// Shortcuts only reach an active window, and clicks need laid-out widgets.
void showActive(QWidget& window) {
    window.show();
    QApplication::setActiveWindow(&window);
    QVERIFY(QTest::qWaitForWindowActive(&window));
}

Preset seedPreset() {
    for (const Preset& preset : loadPresets()) {
        if (preset.fileName == kSeedPresetFile) {
            return preset;
        }
    }
    qFatal("the seed preset is not compiled in");
}

}  // namespace

class BuilderTest : public QObject {
    Q_OBJECT
private slots:
    void buildSeedNetworkFromPalette();
    void invalidLayerDisablesStartUntilUndo();
    void keyboardReorderIsUndoable();
    void duplicateAndRemove();
    void dropoutSwitches();
    void openBadFileKeepsExperiment();
    void saveAndReopen();
    void wheelScrollsRatherThanEdits();
    void seedTakesAnySixtyFourBitNumber();
};

void BuilderTest::buildSeedNetworkFromPalette() {
    MainWindow window;
    showActive(window);
    window.newExperiment();
    NetworkBuilderPanel* builder = window.builder();
    QCOMPARE(builder->cardCount(), 0);

    add(builder, LayerKind::Conv2d);
    QCOMPARE(builder->cardCount(), 1);
    LayerParamEditor* conv = builder->card(0)->editor();
    // Typed, as a user would: select the text and type a new number.
    conv->filtersEditor()->setFocus();
    conv->filtersEditor()->selectAll();
    QTest::keyClicks(conv->filtersEditor(), "32");
    conv->kernelEditor()->setValue(2);
    choose(conv->paddingEditor(), "same");
    choose(conv->activationEditor(), "relu");
    QVERIFY2(builder->card(0)->outputText().contains("28×28×32"),
             qPrintable(builder->card(0)->outputText()));

    add(builder, LayerKind::MaxPool2d);
    builder->card(1)->editor()->kernelEditor()->setValue(2);
    add(builder, LayerKind::Conv2d);
    builder->card(2)->editor()->filtersEditor()->setValue(64);
    builder->card(2)->editor()->kernelEditor()->setValue(2);
    choose(builder->card(2)->editor()->activationEditor(), "relu");
    add(builder, LayerKind::MaxPool2d);
    builder->card(3)->editor()->kernelEditor()->setValue(2);
    add(builder, LayerKind::Dense);
    builder->card(4)->editor()->unitsEditor()->setValue(1024);
    choose(builder->card(4)->editor()->activationEditor(), "relu");
    add(builder, LayerKind::Dropout);
    builder->card(5)->editor()->rateEditor()->setValue(0.2);
    add(builder, LayerKind::Dense);
    builder->card(6)->editor()->unitsEditor()->setValue(10);
    choose(builder->card(6)->editor()->activationEditor(), "softmax");

    QCOMPARE(builder->cardCount(), 7);
    QVERIFY2(builder->card(0)->outputText().contains("28×28×32"),
             qPrintable(builder->card(0)->outputText()));
    QVERIFY2(builder->card(3)->outputText().contains("7×7×64"),
             qPrintable(builder->card(3)->outputText()));
    QVERIFY2(window.document()->invalidReason().isEmpty(),
             qPrintable(window.document()->invalidReason()));
    // 3136·1024 + 1024 weights in the first dense layer alone: 3.2 M.
    QVERIFY2(builder->totalsText().contains("3.2"), qPrintable(builder->totalsText()));
    QVERIFY(window.controls()->startAction()->isEnabled());
}

void BuilderTest::invalidLayerDisablesStartUntilUndo() {
    MainWindow window;
    showActive(window);
    window.openPreset(seedPreset());
    QAction* start = window.controls()->startAction();
    QVERIFY(start->isEnabled());

    const int cardWidth = window.builder()->card(3)->minimumSizeHint().width();
    LayerCard* conv = window.builder()->card(0);
    conv->editor()->kernelEditor()->setValue(40);  // larger than the 28×28 input
    QVERIFY(window.builder()->card(0)->isInvalid());
    // The cards below say their shape is unknown, wrapped within the panel.
    QApplication::processEvents();
    QVERIFY2(window.builder()->card(3)->minimumSizeHint().width() <= cardWidth,
             qPrintable(QString::number(window.builder()->card(3)->minimumSizeHint().width())));
    QVERIFY(!window.builder()->card(0)->errorText().isEmpty());
    QVERIFY(!start->isEnabled());
    QVERIFY2(start->toolTip().contains("kernel"), qPrintable(start->toolTip()));
    QVERIFY2(start->toolTip().contains("conv"), qPrintable(start->toolTip()));

    QTest::keyClick(&window, Qt::Key_Z, Qt::ControlModifier);
    QVERIFY(!window.builder()->card(0)->isInvalid());
    QVERIFY(start->isEnabled());
    QCOMPARE(window.document()->spec().model.layers[0].kernel, 2);
}

void BuilderTest::keyboardReorderIsUndoable() {
    MainWindow window;
    showActive(window);
    window.openPreset(seedPreset());
    NetworkBuilderPanel* builder = window.builder();

    // Select the dropout card (index 5) by clicking it, then Alt+Up twice.
    LayerCard* dropout = builder->card(5);
    QTest::mouseClick(dropout, Qt::LeftButton, {}, QPoint(4, 4));
    QCOMPARE(builder->selectedIndex(), 5);
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Up, Qt::AltModifier);
    QCOMPARE(builder->selectedIndex(), 4);
    QVERIFY(QApplication::focusWidget() == builder->card(4));
    QTest::keyClick(QApplication::focusWidget(), Qt::Key_Up, Qt::AltModifier);
    const auto& layers = window.document()->spec().model.layers;
    QVERIFY(layers[3].kind == LayerKind::Dropout);
    QVERIFY(builder->card(3)->kind() == LayerKind::Dropout);

    window.document()->undo();
    window.document()->undo();
    QVERIFY(window.document()->spec().model.layers[5].kind == LayerKind::Dropout);
    QVERIFY(!window.document()->isModified());
}

void BuilderTest::duplicateAndRemove() {
    MainWindow window;
    showActive(window);
    window.openPreset(seedPreset());
    NetworkBuilderPanel* builder = window.builder();
    const int before = builder->cardCount();

    builder->duplicateLayer(0);
    QCOMPARE(builder->cardCount(), before + 1);
    QVERIFY(builder->card(1)->kind() == LayerKind::Conv2d);
    builder->removeLayer(1);
    builder->removeLayer(0);
    QCOMPARE(builder->cardCount(), before - 1);
    window.document()->undo();
    window.document()->undo();
    window.document()->undo();
    QCOMPARE(builder->cardCount(), before);
    QVERIFY(!window.document()->isModified());
}

void BuilderTest::dropoutSwitches() {
    MainWindow window;
    showActive(window);
    window.openPreset(seedPreset());
    NetworkBuilderPanel* builder = window.builder();
    LayerCard* dropout = builder->card(5);
    QVERIFY(dropout->kind() == LayerKind::Dropout);
    QVERIFY(dropout->findChildren<QLabel*>().size() > 0);
    bool described = false;
    for (QLabel* label : dropout->findChildren<QLabel*>()) {
        described = described || label->text() == "drops 20% (TFlearn keep 0.8)";
    }
    QVERIFY(described);

    QCheckBox* toggle = builder->dropoutToggle();
    QCOMPARE(toggle->checkState(), Qt::Checked);
    // On the box itself: a checkbox only reacts to clicks on its box and text.
    QTest::mouseClick(toggle, Qt::LeftButton, {}, QPoint(8, toggle->height() / 2));
    QVERIFY(!window.document()->spec().model.layers[5].enabled);
    QCOMPARE(toggle->checkState(), Qt::Unchecked);

    // One card switched back on: the global toggle shows "partly".
    QTest::mouseClick(builder->card(5)->editor()->enabledSwitch(), Qt::LeftButton);
    QVERIFY(window.document()->spec().model.layers[5].enabled);
    QCOMPARE(toggle->checkState(), Qt::Checked);

    // Saved in the experiment through each layer's `enabled`.
    window.document()->undo();
    const std::string json = layerlab::experimentToJson(window.document()->spec());
    QVERIFY2(QString::fromStdString(json).contains("\"enabled\": false"), json.c_str());
}

void BuilderTest::openBadFileKeepsExperiment() {
    MainWindow window;
    showActive(window);
    window.openPreset(seedPreset());
    QTemporaryDir dir;
    const QString path = dir.filePath("broken.json");
    QFile file(path);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("{ \"model\": { \"layers\": [ { \"type\": \"conv2d\", ");
    file.close();

    QVERIFY(!window.openFile(path));
    QMessageBox* box = nullptr;
    QTRY_VERIFY((box = window.findChild<QMessageBox*>()) != nullptr);
    QVERIFY2(box->text().contains("broken.json"), qPrintable(box->text()));
    QCOMPARE(window.builder()->cardCount(), 7);
    box->close();
}

void BuilderTest::saveAndReopen() {
    MainWindow window;
    showActive(window);
    window.openPreset(seedPreset());
    window.builder()->card(0)->editor()->filtersEditor()->setValue(16);
    QVERIFY(window.document()->isModified());
    QTemporaryDir dir;
    const QString path = dir.filePath("mine.json");
    QVERIFY(window.saveFile(path));
    QVERIFY(!window.document()->isModified());

    window.newExperiment();
    QCOMPARE(window.builder()->cardCount(), 0);
    QVERIFY(window.openFile(path));
    QCOMPARE(window.document()->spec().model.layers[0].filters, 16);
    QVERIFY(window.windowTitle().contains("mine.json"));
}

void BuilderTest::wheelScrollsRatherThanEdits() {
    MainWindow window;
    showActive(window);
    window.openPreset(seedPreset());
    QSpinBox* kernel = window.builder()->card(2)->editor()->kernelEditor();
    QCOMPARE(kernel->value(), 2);
    const auto turnWheelDown = [kernel] {
        const QPointF centre = QRectF(kernel->rect()).center();
        QWheelEvent wheel(centre, kernel->mapToGlobal(centre), QPoint(), QPoint(0, -120),
                          Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
        QApplication::sendEvent(kernel, &wheel);
    };
    turnWheelDown();  // the pointer passing over while the list scrolls
    QCOMPARE(kernel->value(), 2);
    kernel->setFocus(Qt::MouseFocusReason);  // clicked into: now it is the user's field
    turnWheelDown();
    QCOMPARE(kernel->value(), 1);
}

void BuilderTest::seedTakesAnySixtyFourBitNumber() {
    MainWindow window;
    showActive(window);
    Preset preset = seedPreset();
    preset.spec.training.seed = 3000000000ULL;  // past a spin box's int
    window.openPreset(preset);
    QLineEdit* seed = window.controls()->seedField();
    QCOMPARE(seed->text(), QString("3000000000"));

    seed->setText("18446744073709551615");
    emit seed->editingFinished();
    QCOMPARE(window.document()->spec().training.seed, 18446744073709551615ULL);
    // One more does not fit: the field goes back to the seed in force.
    seed->setText("18446744073709551616");
    emit seed->editingFinished();
    QCOMPARE(seed->text(), QString("18446744073709551615"));
    seed->clear();                        // emptied: the same
    QVERIFY(seed->hasAcceptableInput());  // so that leaving the field is noticed
    emit seed->editingFinished();
    QCOMPARE(seed->text(), QString("18446744073709551615"));
    QCOMPARE(window.document()->spec().training.seed, 18446744073709551615ULL);
}

LAYERLAB_UI_TEST_MAIN(BuilderTest)
#include "builder_test.moc"
