// Every kind of bad input a user can hand LayerLab, each refused with a
// message that names the file (or layer and field) and the fault, the way
// the CLI and the GUI receive it: through loadDatasetFrom, loadExperiment
// and validateExperiment.

#include <gtest/gtest.h>

#include <fstream>

#include "layerlab/dataset.h"
#include "layerlab/errors.h"
#include "layerlab/experiment.h"
#include "layerlab/shape_inference.h"
#include "test_support.h"

namespace layerlab {
namespace {

namespace fs = std::filesystem;
using test::TempDir;

// The message loadDatasetFrom throws for `dir`, or "" when it loads.
std::string datasetRefusal(DatasetKind kind, const fs::path& dir) {
    try {
        loadDatasetFrom(kind, dir);
    } catch (const DataError& e) {
        return e.what();
    }
    return "";
}

// A good tiny dataset with one of its files replaced by `bytes`; the message
// must name that file's path and hold `fault`.
struct DataCase {
    const char* name;
    const char* file;
    std::string bytes;
    const char* fault;
};

class BadDataFile : public testing::TestWithParam<DataCase> {};

TEST_P(BadDataFile, IsRefusedNamingTheFileAndFault) {
    const DataCase& c = GetParam();
    TempDir dir;
    test::writeTinyDataset(dir.path(), 10, /*gzip=*/false);
    test::writeFile(dir / c.file, c.bytes);
    const std::string message = datasetRefusal(DatasetKind::Mnist, dir.path());
    EXPECT_NE(message.find((dir / c.file).string() + ": "), std::string::npos) << message;
    EXPECT_NE(message.find(c.fault), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << "one message, one line: " << message;
}

std::string gzipped(const std::string& bytes) {
    TempDir dir;
    test::writeGzip(dir / "f.gz", bytes);
    return test::readFile(dir / "f.gz");
}

const std::string kImages = test::idxImages(10, 28, 28);
const std::string kGzImages = gzipped(test::idxImages(10, 28, 28));

INSTANTIATE_TEST_SUITE_P(
    EveryKind, BadDataFile,
    testing::Values(DataCase{"Truncated", "train-images-idx3-ubyte",
                             kImages.substr(0, kImages.size() / 2), "truncated"},
                    DataCase{"Empty", "train-images-idx3-ubyte", "", "the file is empty"},
                    DataCase{"WrongMagic", "t10k-images-idx3-ubyte",
                             "\x12\x34\x56\x78" + kImages.substr(4),
                             "wrong magic number 0x12345678"},
                    DataCase{"LabelsWhereImagesExpected", "train-images-idx3-ubyte",
                             test::idxLabels({1, 2, 3}), "labels file, but images were expected"},
                    DataCase{"ImagesWhereLabelsExpected", "train-labels-idx1-ubyte", kImages,
                             "images file, but labels were expected"},
                    DataCase{"CountsDisagree", "train-labels-idx1-ubyte",
                             test::idxLabels({1, 2, 3}),
                             "holds 3 labels but train-images-idx3-ubyte holds 10 images"},
                    DataCase{"BillionsOfImages", "train-images-idx3-ubyte",
                             test::idxImages(3'000'000'000u, 28, 28, /*payload=*/10 * 28 * 28),
                             "the header promises 2352000000016 bytes but the file has 7856"},
                    DataCase{"ZeroRows", "train-images-idx3-ubyte", test::idxImages(10, 0, 28),
                             "describes no data (10 images of 0x28)"},
                    DataCase{"ZeroLabels", "t10k-labels-idx1-ubyte", test::idxLabels({}),
                             "describes no labels (count 0)"},
                    DataCase{"LabelOutOfRange", "t10k-labels-idx1-ubyte",
                             test::idxLabels({0, 1, 2, 3, 4, 5, 6, 7, 8, 200}),
                             "label 200 at index 9 is out of range (classes are 0..9)"},
                    DataCase{"GzipCutShort", "train-images-idx3-ubyte",
                             kGzImages.substr(0, kGzImages.size() / 2), "gzip"},
                    DataCase{"HtmlPage", "train-labels-idx1-ubyte",
                             "<!doctype html>\n<html><body>Rate limit exceeded</body></html>\n",
                             "it is an HTML page, not an IDX file"},
                    DataCase{"BinaryJunk", "t10k-images-idx3-ubyte",
                             std::string("\x89PNG\r\n\x1a\n", 8), "it is not an IDX file"}),
    [](const testing::TestParamInfo<DataCase>& info) { return std::string(info.param.name); });

TEST(BadData, MissingFileIsNamed) {
    TempDir dir;
    test::writeTinyDataset(dir.path(), 10, false);
    fs::remove(dir / "t10k-images-idx3-ubyte");
    const std::string message = datasetRefusal(DatasetKind::FashionMnist, dir.path());
    EXPECT_NE(message.find((dir / "t10k-images-idx3-ubyte").string() + ": file not found"),
              std::string::npos)
        << message;
}

TEST(BadData, UnreadableFileIsNamed) {
    if (geteuid() == 0) {
        GTEST_SKIP() << "root reads any file; the permission fault cannot be made here";
    }
    TempDir dir;
    test::writeTinyDataset(dir.path(), 10, false);
    fs::permissions(dir / "train-images-idx3-ubyte", fs::perms::none);
    const std::string message = datasetRefusal(DatasetKind::Mnist, dir.path());
    EXPECT_NE(message.find((dir / "train-images-idx3-ubyte").string()), std::string::npos)
        << message;
}

// The real files, told apart by checksum: same names, sizes and headers.
std::optional<fs::path> realDatasetDir(DatasetKind kind) {
    return findDataset(kind, std::nullopt);
}

TEST(BadData, MnistWhereFashionMnistIsExpectedIsNamed) {
    const auto mnist = realDatasetDir(DatasetKind::Mnist);
    ASSERT_TRUE(mnist) << "needs the real MNIST (scripts/fetch-data)";
    const std::string message = datasetRefusal(DatasetKind::FashionMnist, *mnist);
    EXPECT_NE(message.find("train-images-idx3-ubyte: this is MNIST's train-images file, but "
                           "Fashion-MNIST was expected here"),
              std::string::npos)
        << message;
}

TEST(BadData, FashionMnistWhereMnistIsExpectedIsNamed) {
    const auto fashion = realDatasetDir(DatasetKind::FashionMnist);
    if (!fashion) {
        GTEST_SKIP() << "Debian's dataset-fashion-mnist is not installed";
    }
    const std::string message = datasetRefusal(DatasetKind::Mnist, *fashion);
    EXPECT_NE(message.find("this is Fashion-MNIST's train-images file, but MNIST was expected"),
              std::string::npos)
        << message;
}

TEST(BadData, OneMnistFileAmongFashionFilesIsNamed) {
    const auto mnist = realDatasetDir(DatasetKind::Mnist);
    const auto fashion = realDatasetDir(DatasetKind::FashionMnist);
    if (!mnist || !fashion) {
        GTEST_SKIP() << "needs both MNIST and Fashion-MNIST";
    }
    TempDir dir;
    for (const char* name : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                             "t10k-images-idx3-ubyte.gz"}) {
        fs::create_symlink(*fashion / name, dir / name);
    }
    fs::create_symlink(*mnist / "t10k-labels-idx1-ubyte", dir / "t10k-labels-idx1-ubyte");
    const std::string message = datasetRefusal(DatasetKind::FashionMnist, dir.path());
    EXPECT_NE(message.find((dir / "t10k-labels-idx1-ubyte").string() +
                           ": this is MNIST's t10k-labels file"),
              std::string::npos)
        << message;
}

TEST(BadData, ChecksumIsOfTheUncompressedBytes) {
    TempDir dir;
    const std::string bytes = test::idxImages(3, 28, 28);
    test::writeFile(dir / "raw", bytes);
    test::writeGzip(dir / "packed", bytes);
    const uint32_t expected =
        uint32_t(crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), unsigned(bytes.size())));
    EXPECT_EQ(readIdxImages(dir / "raw").checksum, expected);
    EXPECT_EQ(readIdxImages(dir / "packed").checksum, expected);
}

// What the CLI and the GUI show for an experiment file: the parser's error,
// or the validation errors, one per line.
std::string experimentRefusal(const std::string& text) {
    TempDir dir;
    test::writeFile(dir / "exp.json", text);
    try {
        const ExperimentSpec spec = loadExperiment(dir / "exp.json");
        std::string all;
        for (const std::string& error : validateExperiment(spec)) {
            all += error + "\n";
        }
        return all;
    } catch (const SpecError& e) {
        const std::string message = e.what();
        // The file is named first, wherever it lives.
        EXPECT_EQ(message.rfind((dir / "exp.json").string(), 0), 0u) << message;
        return message.substr((dir / "exp.json").string().size());
    }
}

// The seed network, with one layer's JSON replaced and `training` merged in.
std::string seedWith(const std::string& layer3, const std::string& training = "") {
    // A field given twice is an error of its own: the default learning rate
    // goes in only where the case sets none.
    const bool setsRate = training.find("learning_rate") != std::string::npos;
    const std::string fields = setsRate ? training
                                        : std::string(R"("learning_rate": 0.01)") +
                                              (training.empty() ? "" : ", ") + training;
    return R"({"dataset": "mnist", "model": {"input": [28, 28, 1], "layers": [
        {"type": "conv2d", "filters": 8, "kernel": 3},
        {"type": "maxpool2d", "kernel": 2},
        )" +
           layer3 + R"(,
        {"type": "flatten"},
        {"type": "dense", "units": 10, "activation": "linear"}]},
        "training": {)" +
           fields + "}}";
}

struct ExperimentCase {
    const char* name;
    std::string text;
    const char* fault;
};

class BadExperiment : public testing::TestWithParam<ExperimentCase> {};

TEST_P(BadExperiment, IsRefusedNamingTheFault) {
    const ExperimentCase& c = GetParam();
    const std::string message = experimentRefusal(c.text);
    EXPECT_NE(message.find(c.fault), std::string::npos) << message;
}

const std::string kGoodLayer = R"({"type": "conv2d", "filters": 8, "kernel": 3})";

INSTANTIATE_TEST_SUITE_P(
    EveryKind, BadExperiment,
    testing::Values(
        ExperimentCase{"SyntaxErrorHasLineAndColumn", "{\n  \"dataset\": \"mnist\"\n  \"model\"",
                       ":3:9: JSON syntax error"},
        ExperimentCase{"TrailingComma", seedWith(kGoodLayer + ",", ""), ": JSON syntax error"},
        ExperimentCase{"CutShort", seedWith(kGoodLayer).substr(0, 80), ": JSON syntax error"},
        ExperimentCase{"EmptyFile", "", ": the file is empty"},
        ExperimentCase{"BinaryFile", std::string("PK\x03\x04\0\0\x08\0", 8),
                       ": this is a binary file"},
        ExperimentCase{"NotAnObject", "\"seed-dropout\"", "must be a JSON object, got a string"},
        ExperimentCase{"UnknownLayerKind", seedWith(R"({"type": "lstm"})"),
                       "layer 3: field 'type': unknown layer kind \"lstm\""},
        ExperimentCase{"MissingType", seedWith(R"({"filters": 8})"),
                       "layer 3: field 'type' is missing"},
        ExperimentCase{"WrongType", seedWith(R"({"type": "conv2d", "filters": 8, "kernel": "3"})"),
                       "layer 3 (conv2d): field 'kernel' must be an integer, got a string"},
        ExperimentCase{"FractionalSize",
                       seedWith(R"({"type": "conv2d", "filters": 8.5, "kernel": 3})"),
                       "layer 3 (conv2d): field 'filters' must be an integer, got a number"},
        ExperimentCase{"NegativeSize",
                       seedWith(R"({"type": "conv2d", "filters": -8, "kernel": 3})"),
                       "layer 3 (conv2d): field 'filters' must be at least 1, got -8"},
        ExperimentCase{"ZeroSize", seedWith(R"({"type": "dense", "units": 0})"),
                       "layer 3 (dense): field 'units' must be at least 1, got 0"},
        ExperimentCase{
            "HugeSize", seedWith(R"({"type": "dense", "units": 99999999999})"),
            "layer 3 (dense): field 'units' must be at most 1000000000, got 99999999999"},
        ExperimentCase{"ZeroStride",
                       seedWith(R"({"type": "conv2d", "filters": 8, "kernel": 3, "stride": 0})"),
                       "layer 3 (conv2d): field 'stride' must be at least 1, got 0"},
        ExperimentCase{
            "KernelLargerThanInput",
            seedWith(R"({"type": "conv2d", "filters": 8, "kernel": 15, "padding": "valid"})"),
            "layer 3 (conv2d): field 'kernel': 15x15 is larger than its 14x14 input"},
        ExperimentCase{"DropoutOne", seedWith(R"({"type": "dropout", "rate": 1})"),
                       "layer 3 (dropout): field 'rate': must be in [0, 1)"},
        ExperimentCase{"DropoutNegative", seedWith(R"({"type": "dropout", "rate": -0.2})"),
                       "layer 3 (dropout): field 'rate': must be in [0, 1)"},
        ExperimentCase{"DropoutHuge", seedWith(R"({"type": "dropout", "rate": 1e300})"),
                       "layer 3 (dropout): field 'rate': must be in [0, 1)"},
        ExperimentCase{"DropoutAsText", seedWith(R"({"type": "dropout", "rate": "0.5"})"),
                       "layer 3 (dropout): field 'rate' must be a number, got a string"},
        ExperimentCase{"LearningRateZero", seedWith(kGoodLayer, R"("learning_rate": 0)"),
                       "training: field 'learning_rate' must be a finite number above 0"},
        ExperimentCase{"LearningRateNegative", seedWith(kGoodLayer, R"("learning_rate": -0.1)"),
                       "training: field 'learning_rate' must be a finite number above 0"},
        // JSON has no NaN or Infinity literal; an exponent past double's range
        // is refused where it is written, with its line and column.
        ExperimentCase{"LearningRateInfinite", seedWith(kGoodLayer, R"("learning_rate": 1e999)"),
                       ":7:39: the number 1e999 is too large for any field"},
        ExperimentCase{"LearningRateMinusInfinite",
                       seedWith(kGoodLayer, R"("learning_rate": -1e999)"),
                       ": the number -1e999 is too large for any field"},
        ExperimentCase{"LearningRateNaNLiteral", seedWith(kGoodLayer, R"("learning_rate": NaN)"),
                       ": JSON syntax error"},
        ExperimentCase{"LearningRateNull", seedWith(kGoodLayer, R"("learning_rate": null)"),
                       "training: field 'learning_rate' must be a number, got null"},
        ExperimentCase{"BatchSizeZero", seedWith(kGoodLayer, R"("batch_size": 0)"),
                       "training: field 'batch_size' must be at least 1, got 0"},
        ExperimentCase{"BatchSizeNegative", seedWith(kGoodLayer, R"("batch_size": -64)"),
                       "training: field 'batch_size' must be at least 1, got -64"},
        ExperimentCase{"EpochsZero", seedWith(kGoodLayer, R"("epochs": 0)"),
                       "training: field 'epochs' must be at least 1, got 0"},
        ExperimentCase{
            "UnknownDataset",
            R"({"dataset": "cifar10", "model": {"layers": [{"type": "dense", "units": 10}]}})",
            "dataset: unknown dataset \"cifar10\""},
        ExperimentCase{"NoLayers", R"({"dataset": "mnist", "model": {"layers": []}})",
                       "model: field 'layers' is empty"},
        ExperimentCase{"MissingModel", R"({"dataset": "mnist"})", "field 'model' is missing"}),
    [](const testing::TestParamInfo<ExperimentCase>& info) {
        return std::string(info.param.name);
    });

TEST(BadExperiment, ValidPresetStillPasses) {
    // The helper itself: a good file gives no message at all.
    EXPECT_EQ(experimentRefusal(seedWith(kGoodLayer)), "");
}

TEST(BadExperiment, DirectoryIsNotAnExperiment) {
    TempDir dir;
    try {
        loadExperiment(dir.path());
        FAIL();
    } catch (const SpecError& e) {
        EXPECT_EQ(std::string(e.what()), dir.path().string() + ": not a regular file");
    }
}

}  // namespace
}  // namespace layerlab
