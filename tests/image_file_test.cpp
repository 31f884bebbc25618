// Reading a picture of a digit from a file: what is refused and how it is
// told (empty, damaged, cut short, too large, not an image format read), and
// what is read as the camera meant it.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "layerlab/digit_preprocessing.h"

namespace layerlab::vision {
namespace {

// A canvas-sized picture.
constexpr int kSide = 280;

TEST(ImageFiles, RefusesWhatIsNotAnImage) {
    EXPECT_THROW(preprocessDigit(cv::Mat()), std::invalid_argument);
    EXPECT_THROW(preprocessDigit(cv::Mat(10, 10, CV_32F, cv::Scalar(0))), std::invalid_argument);
    EXPECT_THROW(preprocessDigitFile("/nonexistent/digit.png"), std::runtime_error);
}

// The message a file that is not a readable picture gets.
std::string refusalOf(const std::filesystem::path& file) {
    try {
        preprocessDigitFile(file);
    } catch (const std::runtime_error& e) {
        return e.what();
    }
    return "";
}

TEST(ImageFiles, DamagedImageIsToldFromOtherFiles) {
    const std::filesystem::path dir = std::filesystem::temp_directory_path();
    std::vector<uchar> png;
    cv::imencode(".png", cv::Mat(28, 28, CV_8U, cv::Scalar(0)), png);
    const std::filesystem::path cut = dir / "layerlab-cut-short.png";
    const std::filesystem::path text = dir / "layerlab-not-an-image.png";
    std::ofstream(cut, std::ios::binary).write(reinterpret_cast<const char*>(png.data()), 40);
    std::ofstream(text) << "hello\n";
    EXPECT_NE(refusalOf(cut).find("starts like an image but does not decode"), std::string::npos)
        << refusalOf(cut);
    EXPECT_NE(refusalOf(text).find("not an image format it reads (PNG or JPG"), std::string::npos)
        << refusalOf(text);
    const std::filesystem::path empty = dir / "layerlab-empty.png";
    std::ofstream{empty};
    EXPECT_NE(refusalOf(empty).find("the file is empty"), std::string::npos) << refusalOf(empty);
    std::filesystem::remove(cut);
    std::filesystem::remove(text);
    std::filesystem::remove(empty);
}

void writeBytes(const std::filesystem::path& file, const std::vector<uchar>& bytes, size_t count) {
    std::ofstream(file, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(count));
}

TEST(ImageFiles, CutShortJpegAndOversizedPictureAreRefused) {
    const std::filesystem::path dir = std::filesystem::temp_directory_path();
    std::vector<uchar> jpeg;
    cv::Mat digit(kSide, kSide, CV_8U, cv::Scalar(255));
    cv::line(digit, {140, 40}, {130, 240}, cv::Scalar(0), 16);
    cv::imencode(".jpg", digit, jpeg);
    const std::filesystem::path whole = dir / "layerlab-whole.jpg";
    const std::filesystem::path cut = dir / "layerlab-cut.jpg";
    const std::filesystem::path trailer = dir / "layerlab-motion-photo.jpg";
    writeBytes(whole, jpeg, jpeg.size());
    // OpenCV decodes this one with a warning, grey where rows are missing.
    writeBytes(cut, jpeg, jpeg.size() / 2);
    // A phone's motion photo: the video follows the picture's end marker.
    std::vector<uchar> withVideo = jpeg;
    withVideo.insert(withVideo.end(), 5000, 0x42);
    writeBytes(trailer, withVideo, withVideo.size());
    EXPECT_FALSE(preprocessDigitFile(whole).empty);
    EXPECT_FALSE(preprocessDigitFile(trailer).empty);
    EXPECT_NE(refusalOf(cut).find("the JPEG ends before its picture does"), std::string::npos)
        << refusalOf(cut);

    // A small PNG whose header claims 30000x30000 pixels.
    std::vector<uchar> png;
    cv::imencode(".png", cv::Mat(1, 1, CV_8U, cv::Scalar(0)), png);
    for (const size_t at : {16, 20}) {
        const uint32_t side = 30000;
        for (int i = 0; i < 4; ++i) {
            png[at + size_t(i)] = uchar(side >> (8 * (3 - i)));
        }
    }
    const std::filesystem::path huge = dir / "layerlab-huge.png";
    writeBytes(huge, png, png.size());
    EXPECT_NE(refusalOf(huge).find("30000x30000 pixels, more than the 50 megapixels"),
              std::string::npos)
        << refusalOf(huge);

    const std::filesystem::path gif = dir / "layerlab-animation.gif";
    std::ofstream(gif) << "GIF89a\x01\x00\x01\x00";
    EXPECT_NE(refusalOf(gif).find("GIF is not read"), std::string::npos) << refusalOf(gif);
    for (const auto& file : {whole, cut, trailer, huge, gif}) {
        std::filesystem::remove(file);
    }
}

TEST(ImageFiles, PhotoIsTurnedAsItsExifSays) {
    // A bar lying across a wide JPEG, marked (EXIF orientation 6) as taken
    // with the phone upright: it is to be turned a quarter, standing up.
    cv::Mat page(100, 200, CV_8U, cv::Scalar(255));
    cv::rectangle(page, cv::Rect(30, 40, 140, 16), cv::Scalar(0), cv::FILLED);
    std::vector<uchar> jpeg;
    cv::imencode(".jpg", page, jpeg);
    const std::vector<uchar> exif = {
        0xFF, 0xE1, 0x00, 0x22, 'E',  'x',  'i',  'f',  0,    0,                 // APP1, 34 bytes
        'M',  'M',  0x00, 0x2A, 0x00, 0x00, 0x00, 0x08,                          // big-endian TIFF
        0x00, 0x01,                                                              // one entry:
        0x01, 0x12, 0x00, 0x03, 0x00, 0x00, 0x00, 0x01, 0x00, 0x06, 0x00, 0x00,  // orientation 6
        0x00, 0x00, 0x00, 0x00};                                                 // no next IFD
    jpeg.insert(jpeg.begin() + 2, exif.begin(), exif.end());
    const std::filesystem::path file = std::filesystem::temp_directory_path() / "layerlab-exif.jpg";
    writeBytes(file, jpeg, jpeg.size());
    const DigitImage digit = preprocessDigitFile(file);
    std::filesystem::remove(file);
    ASSERT_FALSE(digit.empty);
    EXPECT_GT(digit.inkBox.height, 4 * digit.inkBox.width) << digit.inkBox;
}

}  // namespace
}  // namespace layerlab::vision
