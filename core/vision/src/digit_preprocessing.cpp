#include "layerlab/digit_preprocessing.h"

#include <algorithm>
#include <stdexcept>

#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>

#include "image_file.h"
#include "ink_map.h"

namespace layerlab::vision {
namespace {

// The largest picture read, in megapixels: a 48-megapixel phone photo
// fits; a header claiming more (a 30000x30000 PNG of 1 MB) would make
// OpenCV allocate gigabytes before anything could be said about it.
constexpr int64_t kMostMegapixels = 50;

// Ink down to this share of the Otsu level between page and stroke is part
// of the digit: the anti-aliased edge of a stroke, not page texture.
constexpr double kEdgeShare = 0.25;

// The ink-weighted mean pixel position of a float image; its middle when
// there is no ink. Summed here because cv::moments() takes a float image one
// or two pixels wide for a list of points, which a tall, thin "1" fitted into
// the 20x20 box is: its centre came out near the top and the stroke was
// pushed half out of the 28x28 field.
cv::Point2d centreOfMass(const cv::Mat& ink) {
    double total = 0;
    double sumX = 0;
    double sumY = 0;
    for (int y = 0; y < ink.rows; ++y) {
        const float* row = ink.ptr<float>(y);
        for (int x = 0; x < ink.cols; ++x) {
            total += row[x];
            sumX += double(row[x]) * x;
            sumY += double(row[x]) * y;
        }
    }
    if (total <= 0) {
        return {(ink.cols - 1) / 2.0, (ink.rows - 1) / 2.0};
    }
    return {sumX / total, sumY / total};
}

// A marker draws far thicker strokes than the pens of MNIST's writers, and
// the canvas's default pen, on a digit filling the canvas, thinner ones.
// Brought into the widths MNIST's writers mostly used (relative to the
// digit's size), the network sees the strokes it learned from. Strokes
// already in that range are left alone: MNIST's own test digits, scaled up
// and read back, lost 0.4 points when every one was evened out to the
// median, 0.2 with this range. Its thick end sits just above the median
// because a marker's strokes keep the loops and gaps they filled and read
// better thinner: thinned only to MNIST's 90th percentile, the redrawn test
// digits read 0.3 points worse. `ink` is eroded or dilated (padded, so a
// stroke at the edge keeps its growth), `box` becomes the box of its
// strokes; false when none are left.
bool bringStrokesToMnistWidth(cv::Mat& ink, double threshold, cv::Rect& box) {
    cv::Mat strokes;
    cv::threshold(ink(box), strokes, threshold, 255, cv::THRESH_BINARY);
    const double boxScale = double(kDigitBox) / std::max(box.width, box.height);
    const double widthInBox = strokeWidth(strokes) * boxScale;
    const double target = std::clamp(widthInBox, kThinnestStrokeWidth, kThickestStrokeWidth);
    const bool thicker = widthInBox > target;
    int radius = int(std::lround(std::abs(widthInBox - target) / boxScale / 2));
    if (thicker) {
        // Never more than a quarter of the digit: a filled blob stays a blob.
        radius = std::min(radius, std::min(box.width, box.height) / 4);
    }
    if (radius <= 0) {
        return true;
    }
    // An octagonal pen, grown a pixel at a time by alternating a cross and
    // a square: nearly round, and at the radius a thin pen needs (about 15)
    // a quarter of the time of one elliptic kernel, which cost a drawing a
    // millisecond.
    const cv::Mat cross = cv::getStructuringElement(cv::MORPH_CROSS, cv::Size(3, 3));
    const cv::Mat square = cv::getStructuringElement(cv::MORPH_RECT, cv::Size(3, 3));
    if (!thicker) {
        cv::Mat padded;
        cv::copyMakeBorder(ink, padded, radius, radius, radius, radius, cv::BORDER_CONSTANT,
                           cv::Scalar(0));
        ink = padded;
    }
    for (int step = 0; step < radius; ++step) {
        const cv::Mat& pen = step % 2 == 0 ? cross : square;
        if (thicker) {
            cv::erode(ink, ink, pen);
        } else {
            cv::dilate(ink, ink, pen);
        }
    }
    cv::threshold(ink, strokes, threshold, 255, cv::THRESH_BINARY);
    box = cv::boundingRect(strokes);
    return !box.empty();
}

}  // namespace

double strokeWidth(const cv::Mat& mask) {
    // Padded: a crop's ink touches its edges, where its distances must end.
    cv::Mat padded;
    cv::copyMakeBorder(mask, padded, 1, 1, 1, 1, cv::BORDER_CONSTANT, cv::Scalar(0));
    cv::Mat distance;
    cv::distanceTransform(padded, distance, cv::DIST_L2, 3);
    // The ridge: ink pixels at least as far from the edge as their
    // neighbours, the middle line of each stroke.
    cv::Mat neighbourhoodMax;
    cv::dilate(distance, neighbourhoodMax, cv::Mat());
    const cv::Mat ridge = (distance >= neighbourhoodMax) & padded;
    std::vector<float> halfWidths;
    for (int y = 0; y < ridge.rows; ++y) {
        const uint8_t* onRidge = ridge.ptr<uint8_t>(y);
        const float* toEdge = distance.ptr<float>(y);
        for (int x = 0; x < ridge.cols; ++x) {
            if (onRidge[x] != 0) {
                halfWidths.push_back(toEdge[x]);
            }
        }
    }
    return halfWidths.empty() ? 0 : 2.0 * medianOf(std::move(halfWidths));
}

DigitImage preprocessDigit(const cv::Mat& image) {
    if (image.empty() || image.depth() != CV_8U) {
        throw std::invalid_argument("preprocessDigit: expected a non-empty 8-bit image");
    }
    DigitImage result;
    InkSource source = InkSource::None;
    cv::Mat ink = inkMap(image, source);

    double strongest = 0;
    cv::minMaxLoc(ink, nullptr, &strongest);
    if (strongest < kMinInkContrast) {
        return result;
    }

    if (image.rows == kDigitSide && image.cols == kDigitSide) {
        // Already MNIST's form (as `layerlab-cli export --predictions` writes
        // its images): cropping, thinning and fitting it again would only
        // blur and shift what the network was trained on. Its ink is taken
        // as it is, brightness included.
        cv::Mat field;
        ink.convertTo(field, CV_32F, 1.0 / 255.0);
        result.empty = false;
        result.source = source;
        result.inkBox = cv::boundingRect(ink);
        result.pixels.assign(field.begin<float>(), field.end<float>());
        return result;
    }

    // Otsu splits strokes from page even when a photo's page is uneven. Ink
    // counts down to a quarter of that level, so the soft edges of a stroke
    // stay in the crop as they are in MNIST's 20x20 box; the floor keeps a
    // clean canvas's faintest anti-aliasing out.
    cv::Mat strokes;
    const double otsu = cv::threshold(ink, strokes, 0, 255, cv::THRESH_BINARY | cv::THRESH_OTSU);
    const double threshold = std::max(otsu * kEdgeShare, double(kMinInkContrast) / 2);
    cv::threshold(ink, strokes, threshold, 255, cv::THRESH_BINARY);
    cv::Rect box = cv::boundingRect(strokes);
    if (box.empty()) {
        return result;
    }
    // As drawn: bringing the strokes into MNIST's widths moves the box the
    // digit is fitted from.
    result.inkBox = box;

    if (!bringStrokesToMnistWidth(ink, threshold, box)) {
        return result;
    }
    cv::Mat digit;
    cv::threshold(ink(box), digit, threshold, 255, cv::THRESH_TOZERO);

    // Strongest ink becomes 1, as a pen stroke is in MNIST.
    cv::Mat scaledInk;
    digit.convertTo(scaledInk, CV_32F, 1.0 / strongest);

    const double scale = double(kDigitBox) / std::max(box.width, box.height);
    const cv::Size fitted(std::max(1, int(std::lround(box.width * scale))),
                          std::max(1, int(std::lround(box.height * scale))));
    cv::Mat small;
    cv::resize(scaledInk, small, fitted, 0, 0, cv::INTER_AREA);

    // Shift so the centre of mass lands where MNIST's do on average: at
    // pixel index 14 of 0..27 on both axes (measured over its test set:
    // 14.00, 13.99). MNIST itself was shifted by whole pixels, which leaves
    // its centres anywhere within half a pixel of that; the network reads
    // digits best at the middle of that spread. Shifted there by a fraction
    // of a pixel, MNIST's own test digits read 97.34% instead of 97.20%
    // (the seed preset's run), and the redrawn test digits 0.25 points
    // better than with a whole-pixel shift.
    const cv::Point2d mass = centreOfMass(small);
    const double centre = kDigitSide / 2.0;
    const cv::Matx23d shift(1, 0, centre - mass.x, 0, 1, centre - mass.y);
    cv::Mat field;
    cv::warpAffine(small, field, shift, cv::Size(kDigitSide, kDigitSide), cv::INTER_LINEAR,
                   cv::BORDER_CONSTANT, cv::Scalar(0));
    cv::min(field, 1.0, field);
    cv::max(field, 0.0, field);

    result.empty = false;
    result.source = source;
    result.pixels.assign(field.begin<float>(), field.end<float>());
    return result;
}

DigitImage preprocessDigitFile(const std::filesystem::path& file) {
    // Checked here: OpenCV would also print a warning of its own.
    if (std::filesystem::is_directory(file)) {
        throw std::runtime_error("cannot read " + file.string() + ": it is a folder, not an image");
    }
    if (!std::filesystem::is_regular_file(file)) {
        throw std::runtime_error("cannot read " + file.string() + ": no such file");
    }
    std::error_code sizeError;
    if (std::filesystem::file_size(file, sizeError) == 0 && !sizeError) {
        throw std::runtime_error("cannot read " + file.string() + ": the file is empty (0 bytes)");
    }
    const ImageFileFacts facts = inspectImageFile(file);
    const std::string gifOrOther = facts.format == ImageFormat::Gif
                                       ? "GIF is not read (PNG or JPG; also BMP, WebP or TIFF)"
                                       : "not an image format it reads (PNG or JPG; also BMP, "
                                         "WebP or TIFF)";
    if (facts.width * facts.height > kMostMegapixels * 1000000) {
        throw std::runtime_error("cannot read " + file.string() + ": it is " +
                                 std::to_string(facts.width) + "x" + std::to_string(facts.height) +
                                 " pixels, more than the " + std::to_string(kMostMegapixels) +
                                 " megapixels a digit's picture may have; scale it down first");
    }
    if (facts.cutShort) {
        throw std::runtime_error("cannot read " + file.string() +
                                 " as an image: the JPEG ends before its picture does (cut "
                                 "short by a download or a copy?)");
    }
    // A JPEG has no alpha channel to keep, and a phone's photo is stored
    // sideways with an EXIF note to turn it, which IMREAD_UNCHANGED ignores:
    // a portrait photo of a 7 was read lying on its side.
    const int readFlags = facts.format == ImageFormat::Jpeg
                              ? cv::IMREAD_ANYCOLOR | cv::IMREAD_ANYDEPTH
                              : cv::IMREAD_UNCHANGED;
    cv::Mat image;
    try {
        image = cv::imread(file.string(), readFlags);
    } catch (const cv::Exception& error) {
        // OpenCV refuses images whose header claims more pixels than it
        // allows (CV_IO_MAX_IMAGE_PIXELS), among others, with its own
        // assertion text; say what was being read.
        throw std::runtime_error("cannot read " + file.string() +
                                 " as an image: OpenCV refused it (" + error.err + ")");
    }
    if (image.empty()) {
        // An image format OpenCV knows by its first bytes, yet no picture:
        // damaged, or cut short by a download or a copy.
        throw std::runtime_error(
            "cannot read " + file.string() + " as an image: " +
            (cv::haveImageReader(file.string())
                 ? std::string(
                       "it starts like an image but does not decode (damaged or cut short?)")
                 : gifOrOther));
    }
    if (image.depth() == CV_16U) {
        image.convertTo(image, CV_8U, 1.0 / 257);
    } else if (image.depth() != CV_8U) {
        throw std::runtime_error(file.string() + ": only 8- and 16-bit images are supported");
    }
    return preprocessDigit(image);
}

std::string openCvVersion() {
    return CV_VERSION;
}

std::string inkSourceName(InkSource source) {
    switch (source) {
        case InkSource::None:
            return "no ink";
        case InkSource::DarkOnLight:
            return "dark ink on a light background";
        case InkSource::LightOnDark:
            return "light ink on a dark background";
        case InkSource::Alpha:
            return "ink in the alpha channel";
    }
    return "";
}

}  // namespace layerlab::vision
