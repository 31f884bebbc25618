#include "layerlab/idx.h"

#include <gtest/gtest.h>

#include "layerlab/errors.h"
#include "test_support.h"

namespace layerlab {
namespace {

using test::idxImages;
using test::idxLabels;
using test::TempDir;
using test::writeFile;
using test::writeGzip;

// Expects readIdxImages to refuse `file` with a message naming the file and
// containing `fault`.
void expectImagesRefused(const std::filesystem::path& file, const std::string& fault) {
    try {
        readIdxImages(file);
        FAIL() << "accepted " << file;
    } catch (const DataError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(file.string()), std::string::npos) << message;
        EXPECT_NE(message.find(fault), std::string::npos) << message;
    }
}

void expectLabelsRefused(const std::filesystem::path& file, const std::string& fault) {
    try {
        readIdxLabels(file, 10);
        FAIL() << "accepted " << file;
    } catch (const DataError& e) {
        const std::string message = e.what();
        EXPECT_NE(message.find(file.string()), std::string::npos) << message;
        EXPECT_NE(message.find(fault), std::string::npos) << message;
    }
}

TEST(IdxReader, ReadsRawImages) {
    TempDir dir;
    writeFile(dir / "images", idxImages(3, 4, 5));
    const IdxImages images = readIdxImages(dir / "images");
    EXPECT_EQ(images.count, 3);
    EXPECT_EQ(images.rows, 4);
    EXPECT_EQ(images.cols, 5);
    ASSERT_EQ(images.pixels.size(), 60u);
    EXPECT_EQ(images.pixels[1], 7);
}

TEST(IdxReader, ReadsGzipImagesWhateverTheName) {
    TempDir dir;
    writeGzip(dir / "images-without-gz-suffix", idxImages(2, 28, 28));
    const IdxImages images = readIdxImages(dir / "images-without-gz-suffix");
    EXPECT_EQ(images.count, 2);
    EXPECT_EQ(images.pixels.size(), 2u * 28 * 28);
}

TEST(IdxReader, ReadsLabels) {
    TempDir dir;
    writeGzip(dir / "labels.gz", idxLabels({3, 1, 4, 1, 5, 9}));
    const IdxLabels labels = readIdxLabels(dir / "labels.gz", 10);
    EXPECT_EQ(labels.values, (std::vector<uint8_t>{3, 1, 4, 1, 5, 9}));
}

TEST(IdxReader, RefusesMissingFile) {
    TempDir dir;
    expectImagesRefused(dir / "nothing-here", "file not found");
}

TEST(IdxReader, RefusesEmptyFile) {
    TempDir dir;
    writeFile(dir / "empty", "");
    expectImagesRefused(dir / "empty", "empty");
}

TEST(IdxReader, RefusesTruncatedFile) {
    TempDir dir;
    const std::string bytes = idxImages(10, 28, 28);
    writeFile(dir / "cut", bytes.substr(0, bytes.size() / 2));
    expectImagesRefused(dir / "cut", "truncated");
}

TEST(IdxReader, RefusesTruncatedHeader) {
    TempDir dir;
    writeFile(dir / "cut-header", idxImages(10, 28, 28).substr(0, 9));
    expectImagesRefused(dir / "cut-header", "header ends");
}

TEST(IdxReader, RefusesTrailingData) {
    TempDir dir;
    writeFile(dir / "long", idxImages(2, 28, 28) + "extra");
    expectImagesRefused(dir / "long", "trailing data");
}

TEST(IdxReader, RefusesWrongMagic) {
    TempDir dir;
    std::string bytes = idxImages(2, 28, 28);
    bytes[2] = 0x09;
    writeFile(dir / "magic", bytes);
    expectImagesRefused(dir / "magic", "wrong magic number");
}

TEST(IdxReader, RefusesLabelsWhereImagesAreExpected) {
    TempDir dir;
    writeFile(dir / "labels-as-images", idxLabels({1, 2, 3}));
    expectImagesRefused(dir / "labels-as-images", "labels file, but images were expected");
}

TEST(IdxReader, RefusesImagesWhereLabelsAreExpected) {
    TempDir dir;
    writeFile(dir / "images-as-labels", idxImages(2, 28, 28));
    expectLabelsRefused(dir / "images-as-labels", "images file, but labels were expected");
}

TEST(IdxReader, RefusesHeaderClaimingBillionsOfImages) {
    TempDir dir;
    // A header for 4 billion images in front of just two: must fail fast
    // from the size check, not by trying to allocate 3 TB.
    writeFile(dir / "huge", idxImages(4'000'000'000u, 28, 28, /*payload=*/2 * 28 * 28));
    expectImagesRefused(dir / "huge", "the header promises");
    writeGzip(dir / "huge.gz", idxImages(4'000'000'000u, 28, 28, /*payload=*/2 * 28 * 28));
    expectImagesRefused(dir / "huge.gz", "the header promises");
}

TEST(IdxReader, RefusesZeroRows) {
    TempDir dir;
    writeFile(dir / "zero", idxImages(5, 0, 28));
    expectImagesRefused(dir / "zero", "describes no data");
    writeFile(dir / "none", idxImages(0, 28, 28));
    expectImagesRefused(dir / "none", "describes no data");
}

TEST(IdxReader, RefusesImplausibleImageSize) {
    TempDir dir;
    writeFile(dir / "wide", idxImages(1, 1, 100000, /*payload=*/0));
    expectImagesRefused(dir / "wide", "implausible image size");
}

TEST(IdxReader, RefusesLabelOutOfRange) {
    TempDir dir;
    writeFile(dir / "labels", idxLabels({1, 2, 10, 3}));
    expectLabelsRefused(dir / "labels", "label 10 at index 2 is out of range");
}

TEST(IdxReader, RefusesLabelCountThatDisagreesWithFile) {
    TempDir dir;
    writeFile(dir / "labels", idxLabels({1, 2, 3}, /*claimedCount=*/5));
    expectLabelsRefused(dir / "labels", "the header promises");
}

TEST(IdxReader, RefusesGzipCutShort) {
    TempDir dir;
    writeGzip(dir / "full.gz", idxImages(50, 28, 28));
    const std::string compressed = test::readFile(dir / "full.gz");
    writeFile(dir / "cut.gz", compressed.substr(0, compressed.size() * 2 / 3));
    expectImagesRefused(dir / "cut.gz", "gzip");
}

TEST(IdxReader, RefusesCorruptGzip) {
    TempDir dir;
    writeGzip(dir / "full.gz", idxImages(50, 28, 28));
    std::string compressed = test::readFile(dir / "full.gz");
    for (size_t i = 30; i < 60; ++i) {
        compressed[i] = char(~compressed[i]);
    }
    writeFile(dir / "corrupt.gz", compressed);
    expectImagesRefused(dir / "corrupt.gz", "gzip");
}

TEST(IdxReader, RefusesHtmlPageSavedAsDataset) {
    TempDir dir;
    writeFile(dir / "train-images-idx3-ubyte",
              "<!DOCTYPE html>\n<html><head><title>404 Not Found</title></head></html>\n");
    expectImagesRefused(dir / "train-images-idx3-ubyte", "HTML page");
}

TEST(IdxReader, RefusesDirectory) {
    TempDir dir;
    expectImagesRefused(dir.path(), "directory");
}

}  // namespace
}  // namespace layerlab
