#pragma once

// Where the ink of a picture of a digit is: in its alpha channel, or what
// differs from the page, dark on light or light on dark, the page's light
// read from its border or, for a photo's uneven light, fitted to it.

#include <algorithm>
#include <vector>

#include <opencv2/core.hpp>

#include "layerlab/digit_preprocessing.h"

namespace layerlab::vision {

// An image whose strongest ink differs from the background by less than this
// (of 255) is a blank page: paper grain and JPEG noise stay well below it.
constexpr int kMinInkContrast = 40;

// The middle value (the upper one of an even count); `values` non-empty.
template <typename T>
T medianOf(std::vector<T> values) {
    auto middle = values.begin() + ptrdiff_t(values.size() / 2);
    std::nth_element(values.begin(), middle, values.end());
    return *middle;
}

// The ink as an 8-bit map, 0 where there is none, and where it came from.
// Throws std::invalid_argument for other than 1, 3 or 4 channels.
cv::Mat inkMap(const cv::Mat& image, InkSource& source);

}  // namespace layerlab::vision
