#include "layerlab/dataset.h"

#include <cstdlib>

#include <gtest/gtest.h>

#include "layerlab/errors.h"
#include "test_support.h"

namespace layerlab {
namespace {

using test::TempDir;

// Points the XDG and LAYERLAB_DATA variables at a test folder for the
// test's lifetime, so the real user data cannot leak into a result.
class ScopedDataEnvironment {
public:
    explicit ScopedDataEnvironment(const std::filesystem::path& root) {
        save("LAYERLAB_DATA");
        save("XDG_DATA_HOME");
        save("XDG_DATA_DIRS");
        unsetenv("LAYERLAB_DATA");
        setenv("XDG_DATA_HOME", (root / "home").c_str(), 1);
        setenv("XDG_DATA_DIRS", (root / "system").c_str(), 1);
    }
    ~ScopedDataEnvironment() {
        for (const auto& [name, value] : m_saved) {
            value ? setenv(name.c_str(), value->c_str(), 1) : unsetenv(name.c_str());
        }
    }

private:
    void save(const char* name) {
        const char* value = std::getenv(name);
        m_saved.emplace_back(name, value ? std::optional<std::string>(value) : std::nullopt);
    }
    std::vector<std::pair<std::string, std::optional<std::string>>> m_saved;
};

TEST(Dataset, LoadsRawFilesWithDashedNames) {
    TempDir dir;
    test::writeTinyDataset(dir.path(), 20, /*gzip=*/false);
    const Dataset data = loadDatasetFrom(DatasetKind::Mnist, dir.path());
    EXPECT_EQ(data.train.images.count, 20);
    EXPECT_EQ(data.test.labels.size(), 20u);
    EXPECT_EQ(data.train.labels[13], 3);
}

TEST(Dataset, LoadsGzipFilesWithDottedNames) {
    TempDir dir;
    test::writeTinyDataset(dir.path(), 12, /*gzip=*/true, /*separator=*/".");
    const Dataset data = loadDatasetFrom(DatasetKind::FashionMnist, dir.path());
    EXPECT_EQ(data.test.images.count, 12);
}

TEST(Dataset, RefusesImageAndLabelCountsThatDisagree) {
    TempDir dir;
    test::writeTinyDataset(dir.path(), 10, false);
    test::writeFile(dir / "t10k-labels-idx1-ubyte", test::idxLabels({1, 2, 3}));
    try {
        loadDatasetFrom(DatasetKind::Mnist, dir.path());
        FAIL();
    } catch (const DataError& e) {
        EXPECT_NE(std::string(e.what()).find("holds 3 labels but t10k-images-idx3-ubyte holds 10"),
                  std::string::npos)
            << e.what();
    }
}

// The environment card's record of which bytes a run read: CRC-32 of each
// IDX file as stored ("123456789" is the standard check value, cbf43926).
TEST(Dataset, ChecksumsNameEachFileAndItsCrc) {
    test::TempDir dir;
    test::writeFile(dir / "t10k-labels-idx1-ubyte", "123456789");
    test::writeFile(dir / "train-images-idx3-ubyte", "");
    test::writeFile(dir / "notes.txt", "not a dataset file");
    EXPECT_EQ(datasetChecksums(dir.path()),
              "t10k-labels-idx1-ubyte crc32 cbf43926, train-images-idx3-ubyte crc32 00000000");
}

TEST(Dataset, NamesTheMissingFile) {
    TempDir dir;
    test::writeTinyDataset(dir.path(), 10, false);
    std::filesystem::remove(dir / "train-labels-idx1-ubyte");
    try {
        loadDatasetFrom(DatasetKind::Mnist, dir.path());
        FAIL();
    } catch (const DataError& e) {
        EXPECT_NE(std::string(e.what()).find("train-labels-idx1-ubyte: file not found"),
                  std::string::npos)
            << e.what();
    }
}

TEST(Dataset, SearchesExplicitDirThenEnvironmentThenXdg) {
    TempDir root;
    ScopedDataEnvironment environment(root.path());
    std::filesystem::create_directories(root / "home/layerlab/mnist");
    test::writeTinyDataset(root / "home/layerlab/mnist", 5, false);
    EXPECT_EQ(findDataset(DatasetKind::Mnist, std::nullopt), root / "home/layerlab/mnist");

    std::filesystem::create_directories(root / "env/mnist");
    test::writeTinyDataset(root / "env/mnist", 5, true);
    setenv("LAYERLAB_DATA", (root / "env").c_str(), 1);
    EXPECT_EQ(findDataset(DatasetKind::Mnist, std::nullopt), root / "env/mnist");

    std::filesystem::create_directories(root / "explicit");
    test::writeTinyDataset(root / "explicit", 5, false);
    EXPECT_EQ(findDataset(DatasetKind::Mnist, root / "explicit"), root / "explicit");
}

TEST(Dataset, FindsSystemWideDataInXdgDataDirs) {
    TempDir root;
    ScopedDataEnvironment environment(root.path());
    std::filesystem::create_directories(root / "system/layerlab/fashion-mnist");
    test::writeTinyDataset(root / "system/layerlab/fashion-mnist", 5, true);
    EXPECT_EQ(findDataset(DatasetKind::FashionMnist, std::nullopt),
              root / "system/layerlab/fashion-mnist");
}

TEST(Dataset, ExplicitDirIsTheOnlyPlaceLookedAt) {
    TempDir root;
    ScopedDataEnvironment environment(root.path());
    std::filesystem::create_directories(root / "home/layerlab/mnist");
    test::writeTinyDataset(root / "home/layerlab/mnist", 5, false);
    EXPECT_FALSE(findDataset(DatasetKind::Mnist, root / "empty"));
}

TEST(Dataset, MissingDatasetSaysWhereItLookedAndWhatToDo) {
    TempDir root;
    ScopedDataEnvironment environment(root.path());
    try {
        loadDataset(DatasetKind::Mnist, root / "nowhere");
        FAIL();
    } catch (const DataError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find("MNIST not found"), std::string::npos) << message;
        EXPECT_NE(message.find((root / "nowhere").string()), std::string::npos) << message;
        EXPECT_NE(message.find("scripts/fetch-data"), std::string::npos) << message;
    }
}

TEST(Dataset, KnowsClassNames) {
    EXPECT_EQ(datasetInfo(DatasetKind::FashionMnist).classNames.at(9), "Ankle boot");
    EXPECT_EQ(datasetKindFromId("fashion-mnist"), DatasetKind::FashionMnist);
    EXPECT_FALSE(datasetKindFromId("cifar10"));
}

TEST(Dataset, RealMnistLoadsWithExpectedCounts) {
    const auto data = test::realMnist();
    ASSERT_TRUE(data);
    EXPECT_EQ(data->train.images.count, 60000);
    EXPECT_EQ(data->test.images.count, 10000);
    EXPECT_EQ(data->train.images.rows, 28);
    EXPECT_EQ(data->train.labels[0], 5);  // MNIST's first training digit is a 5
    EXPECT_EQ(data->test.labels[0], 7);   // and its first test digit a 7
}

}  // namespace
}  // namespace layerlab
