#pragma once

// Turns a drawing, a photo or a scan of one handwritten digit into the 28x28
// image an MNIST-trained network expects: ink bright on black, the digit
// fitted into a 20x20 box and its centre of mass at the centre of the field,
// values in [0, 1] as in training. OpenCV only; no Qt, no LibTorch.

#include <filesystem>
#include <string>
#include <vector>

#include <opencv2/core.hpp>

namespace layerlab::vision {

// The side of the image the network sees.
constexpr int kDigitSide = 28;
// The box the digit's longer side is scaled to, as in MNIST's preparation.
constexpr int kDigitBox = 20;

// The widths of MNIST's strokes in pixels of the 20x20 box, as
// strokeWidth() measures them on the 10,000 test digits (scaled up tenfold,
// ink from a quarter of full strength): 10th percentile 2.3, median 3.0,
// 75th percentile 3.4, 90th percentile 4.0. A drawing's strokes between
// these two widths are left as drawn; thinner ones are thickened to the
// first, thicker ones thinned to the second.
constexpr double kThinnestStrokeWidth = 2.3;
constexpr double kThickestStrokeWidth = 3.2;

// How the ink was found: reported so a user sees why a picture read as it did.
enum class InkSource { None, DarkOnLight, LightOnDark, Alpha };

struct DigitImage {
    // True when no ink was found: nothing to classify, `pixels` is empty.
    bool empty = true;
    InkSource source = InkSource::None;
    // kDigitSide * kDigitSide values in [0, 1], row-major; ink is bright.
    std::vector<float> pixels;
    // Where the ink was found in the input, in input pixels.
    cv::Rect inkBox;
};

// Accepts 8-bit images with 1 (gray), 3 (BGR) or 4 (BGRA) channels of any
// size. Ink is carried by the alpha channel when the image has transparent
// parts, otherwise it is whatever differs from the background (dark strokes
// on paper or light on a board), which is read from the image's border, or
// fitted as a smooth surface where a photo's light is uneven; a frame that
// runs along the image's edge is not ink.
// Throws std::invalid_argument for an empty or non-8-bit image.
DigitImage preprocessDigit(const cv::Mat& image);

// Reads a PNG or JPG (alpha kept) and preprocesses it. Throws
// std::runtime_error naming the file when it cannot be read as an image.
DigitImage preprocessDigitFile(const std::filesystem::path& file);

// The typical width of the strokes in a binary mask (non-zero = ink), in
// its pixels: twice the median distance from a stroke's middle line to its
// edge. A median, not a mean over all ink: the blobs a marker leaves where
// strokes cross or a loop fills up are wide, but few of the middle line's
// pixels, so they do not make every stroke look thick.
double strokeWidth(const cv::Mat& mask);

std::string inkSourceName(InkSource source);

// The OpenCV version this library was built with, for a run's environment
// card (callers need not include OpenCV).
std::string openCvVersion();

}  // namespace layerlab::vision
