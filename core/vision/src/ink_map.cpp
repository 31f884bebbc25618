#include "ink_map.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include <opencv2/imgproc.hpp>

namespace layerlab::vision {
namespace {

// An alpha channel whose lowest value is at least this is treated as opaque:
// some tools write 254 where they mean "no transparency".
constexpr int kOpaqueAlpha = 250;
// The width of the border band the background is read from, as a share of
// the shorter side: wide enough to outvote a stroke that touches the edge.
constexpr double kBorderShare = 0.04;
// The share of the samples a page fit must explain to be believed.
constexpr double kMinPageShare = 0.6;
// The share of the border band within kPageNoise of its median for the
// band to count as even.
constexpr double kEvenBorderShare = 0.9;
// The page's light is fitted to about this many samples along the shorter
// side, in this many rounds, with this many terms (1, x, y, x², xy, y²).
constexpr int kPageSamplesPerSide = 48;
constexpr int kPageFitRounds = 3;
constexpr int kSurfaceTerms = 6;
// Samples this far from the fitted page (of 255) are ink or texture, not
// page: above paper grain and JPEG noise, below faint pencil.
constexpr float kPageNoise = 12;
// The most a photo's noise may widen that: past it, the "page" a fit
// settles on holds ink (a marker digit filling the picture bent it).
constexpr float kPageNoiseMost = 24;
// Ink along more than this share of one side of the picture is the table
// or the floor beside the sheet, not the digit.
constexpr double kWholeSideShare = 0.8;
// Shading is looked for at most this many pixels along the shorter side,
// in regions wider than this share of it both ways (strokes are narrower).
constexpr int kShadingWorkingSide = 512;
constexpr double kShadingWidthShare = 1.0 / 6;
// A shadow darkens paper by a fraction of what ink does: regions at most
// this share of the strongest ink's level.
constexpr double kShadeShare = 0.6;
// A fitted page whose light varies by less than this is even: its border
// level serves, as it does for a drawing on the canvas.
constexpr double kUnevenPage = 24;

// The page's level read from the image's border band, and whether that one
// level is the whole page: the band is even (nearly all of it within
// kPageNoise of its median) and the image's own median agrees with it. A
// drawing on the canvas always is; a photo's gradient or a frame around the
// page is not.
struct BorderLevel {
    uint8_t median = 0;
    bool wholePage = false;
};

BorderLevel borderLevel(const cv::Mat& gray) {
    const int band = std::max(1, int(std::min(gray.rows, gray.cols) * kBorderShare));
    std::vector<uint8_t> values;
    values.reserve(size_t(2 * band * (gray.rows + gray.cols)));
    for (int y = 0; y < gray.rows; ++y) {
        const uint8_t* row = gray.ptr<uint8_t>(y);
        const bool edgeRow = y < band || y >= gray.rows - band;
        for (int x = 0; x < gray.cols; ++x) {
            if (edgeRow || x < band || x >= gray.cols - band) {
                values.push_back(row[x]);
            }
        }
    }
    BorderLevel level;
    level.median = medianOf(values);
    const auto near = [&level](uint8_t v) { return std::abs(int(v) - level.median) <= kPageNoise; };
    const auto even = std::count_if(values.begin(), values.end(), near);
    const int step = std::max(1, std::min(gray.rows, gray.cols) / kPageSamplesPerSide);
    std::vector<uint8_t> inside;
    for (int y = step / 2; y < gray.rows; y += step) {
        for (int x = step / 2; x < gray.cols; x += step) {
            inside.push_back(gray.at<uint8_t>(y, x));
        }
    }
    level.wholePage =
        double(even) >= kEvenBorderShare * double(values.size()) && near(medianOf(inside));
    return level;
}

struct PageLight {
    bool fitted = false;  // false: too little page to fit; read the border
    // The page's level at each pixel (CV_32F); empty when it is even, and
    // `level` serves.
    cv::Mat surface;
    double level = 0;
    bool darkInk = true;
};

// Photos of paper are lit unevenly: one level for the whole page made the
// darker side of a gradient, or a vignette's corners, read as ink. The
// page's light is fitted as a smooth surface (a quadratic in x and y) to a
// grid of samples; ink is a minority far from it, so each round leaves out
// the samples far from the last fit and the rest settle on the page.
PageLight pageLight(const cv::Mat& gray) {
    const int step = std::max(1, std::min(gray.rows, gray.cols) / kPageSamplesPerSide);
    const auto terms = [&gray](int x, int y, float* row) {
        const float u = float(x) / float(gray.cols) - 0.5F;
        const float v = float(y) / float(gray.rows) - 0.5F;
        const float values[kSurfaceTerms] = {1, u, v, u * u, u * v, v * v};
        std::copy(values, values + kSurfaceTerms, row);
    };
    const int across = (gray.cols - step / 2 + step - 1) / step;
    const int down = (gray.rows - step / 2 + step - 1) / step;
    cv::Mat samples(across * down, kSurfaceTerms, CV_32F);
    cv::Mat levels(across * down, 1, CV_32F);
    int sample = 0;
    for (int y = step / 2; y < gray.rows; y += step) {
        for (int x = step / 2; x < gray.cols; x += step, ++sample) {
            terms(x, y, samples.ptr<float>(sample));
            levels.at<float>(sample) = float(gray.at<uint8_t>(y, x));
        }
    }
    // Samples within `tolerance` of the page (three robust deviations of
    // the residuals, from kPageNoise to kPageNoiseMost) are page.
    std::vector<uint8_t> onPage(size_t(samples.rows), 1);
    float tolerance = kPageNoise;
    const auto markPage = [&](const cv::Mat& residuals) {
        std::vector<float> spread;
        for (int i = 0; i < residuals.rows; ++i) {
            spread.push_back(std::abs(residuals.at<float>(i)));
        }
        tolerance = std::clamp(3 * 1.4826F * medianOf(spread), kPageNoise, kPageNoiseMost);
        for (int i = 0; i < residuals.rows; ++i) {
            onPage[size_t(i)] = std::abs(residuals.at<float>(i)) <= tolerance;
        }
    };
    // First the page as one level, the median: ink is the minority.
    markPage(levels - medianOf(std::vector<float>(levels.begin<float>(), levels.end<float>())));
    cv::Mat coefficients;
    cv::Mat residuals;
    for (int round = 0; round < kPageFitRounds; ++round) {
        // Samples off the page weigh nothing: least squares over the rest,
        // through the 6x6 normal equations.
        cv::Mat weights(samples.rows, 1, CV_32F);
        for (int i = 0; i < samples.rows; ++i) {
            weights.at<float>(i) = onPage[size_t(i)];
        }
        if (cv::sum(weights)[0] < 4 * kSurfaceTerms ||
            !cv::solve(samples.mul(cv::repeat(weights, 1, kSurfaceTerms)), levels.mul(weights),
                       coefficients, cv::DECOMP_CHOLESKY | cv::DECOMP_NORMAL)) {
            return {};
        }
        residuals = levels - samples * coefficients;
        markPage(residuals);
    }
    // A fit is trusted only where the page is the clear majority: a marker
    // digit filling most of a small board was fitted as the page, and its
    // colours read the wrong way round.
    const auto onPageCount = std::count(onPage.begin(), onPage.end(), uint8_t(1));
    if (double(onPageCount) < kMinPageShare * double(onPage.size())) {
        return {};
    }
    // Which way the rest lies from the page says which way the ink goes.
    int darker = 0;
    int lighter = 0;
    for (int i = 0; i < samples.rows; ++i) {
        const float r = residuals.at<float>(i);
        darker += r < -tolerance;
        lighter += r > tolerance;
    }
    PageLight page;
    page.surface.create(gray.size(), CV_32F);
    const auto c = [&coefficients](int i) { return coefficients.at<float>(i); };
    for (int y = 0; y < gray.rows; ++y) {
        const float v = float(y) / float(gray.rows) - 0.5F;
        float* out = page.surface.ptr<float>(y);
        for (int x = 0; x < gray.cols; ++x) {
            const float u = float(x) / float(gray.cols) - 0.5F;
            out[x] = c(0) + c(1) * u + c(2) * v + c(3) * u * u + c(4) * u * v + c(5) * v * v;
        }
    }
    page.fitted = true;
    page.darkInk = darker >= lighter;
    double lowest = 0;
    double highest = 0;
    cv::minMaxLoc(page.surface, &lowest, &highest);
    if (highest - lowest < kUnevenPage) {
        page.level = cv::mean(page.surface)[0];
        page.surface.release();  // even: one level serves
    }
    return page;
}

// How many pixels of the picture's top, bottom, left and right side each
// labelled component covers.
std::vector<std::array<int, 4>> sideContact(const cv::Mat& labels, int count) {
    std::vector<std::array<int, 4>> covered(size_t(count), {0, 0, 0, 0});
    for (int x = 0; x < labels.cols; ++x) {
        ++covered[size_t(labels.at<int>(0, x))][0];
        ++covered[size_t(labels.at<int>(labels.rows - 1, x))][1];
    }
    for (int y = 0; y < labels.rows; ++y) {
        ++covered[size_t(labels.at<int>(y, 0))][2];
        ++covered[size_t(labels.at<int>(y, labels.cols - 1))][3];
    }
    return covered;
}

// A shadow across a photo of paper (a hand's, a phone's) is a step in the
// page's light, which no smooth surface follows: the shaded part read as
// ink, one broad band joined to the digit (a 7 read as a 4). Light that
// falls unevenly is broad: wider than any stroke both ways, and it reaches
// the picture's edge. Such regions of the ink map are found by an opening
// wider than a stroke, at a working size, and taken out; a digit's strokes
// inside them keep their contrast to the shade.
void removeShading(cv::Mat& ink) {
    const double scale = std::min(1.0, double(kShadingWorkingSide) / std::min(ink.rows, ink.cols));
    cv::Mat small;
    cv::resize(ink, small, {}, scale, scale, cv::INTER_AREA);
    const int width = std::max(3, int(std::min(small.rows, small.cols) * kShadingWidthShare)) | 1;
    cv::Mat broad;
    cv::morphologyEx(small, broad, cv::MORPH_OPEN,
                     cv::getStructuringElement(cv::MORPH_RECT, {width, width}));
    // Only what reaches the edge and is fainter than the ink: a marker
    // digit's broad strokes, even where they run off the picture, stay ink.
    cv::Mat labels;
    cv::Mat stats;
    cv::Mat centroids;
    const int count = cv::connectedComponentsWithStats(broad > kMinInkContrast / 2, labels, stats,
                                                       centroids, 8, CV_32S);
    const std::vector<std::array<int, 4>> covered = sideContact(labels, count);
    double strongest = 0;
    cv::minMaxLoc(small, nullptr, &strongest);
    std::vector<double> levelSum(size_t(count), 0);
    for (int y = 0; y < labels.rows; ++y) {
        for (int x = 0; x < labels.cols; ++x) {
            levelSum[size_t(labels.at<int>(y, x))] += broad.at<uint8_t>(y, x);
        }
    }
    std::vector<uint8_t> shade(size_t(count), 0);
    bool any = false;
    for (int label = 1; label < count; ++label) {
        const double meanLevel = levelSum[size_t(label)] / stats.at<int>(label, cv::CC_STAT_AREA);
        const std::array<int, 4>& sides = covered[size_t(label)];
        const bool atEdge = sides[0] + sides[1] + sides[2] + sides[3] > 0;
        shade[size_t(label)] = atEdge && meanLevel < kShadeShare * strongest;
        any = any || shade[size_t(label)];
    }
    if (!any) {
        return;
    }
    for (int y = 0; y < labels.rows; ++y) {
        const int* label = labels.ptr<int>(y);
        uint8_t* level = broad.ptr<uint8_t>(y);
        for (int x = 0; x < labels.cols; ++x) {
            if (!shade[size_t(label[x])]) {
                level[x] = 0;
            }
        }
    }
    if (scale < 1) {
        // Scaled back up, the shade's edge is a ramp; widened by its width
        // so no sliver of it is left behind as a line of ink.
        cv::resize(broad, broad, ink.size(), 0, 0, cv::INTER_LINEAR);
        const int ramp = int(std::ceil(2 / scale)) | 1;
        cv::dilate(broad, broad, cv::getStructuringElement(cv::MORPH_RECT, {ramp, ramp}));
    }
    cv::subtract(ink, broad, ink);
}

// A frame around the picture (the edge of a sheet, a box drawn around the
// digit) is not part of the digit, and neither is the table beside the
// sheet along one side: ink that runs along most of the image's edge, or
// along nearly all of one side, is dropped. A large digit touches the edge
// at a few places only.
void dropPageFrame(cv::Mat& ink) {
    cv::Mat marked;
    cv::threshold(ink, marked, kMinInkContrast / 2, 255, cv::THRESH_BINARY);
    cv::Mat labels;
    const int count = cv::connectedComponents(marked, labels, 8, CV_32S);
    const std::vector<std::array<int, 4>> onSide = sideContact(labels, count);
    const int sideLength[4] = {ink.cols, ink.cols, ink.rows, ink.rows};
    const int edge = 2 * (ink.rows + ink.cols);
    for (int label = 1; label < count; ++label) {
        const std::array<int, 4>& covered = onSide[size_t(label)];
        bool frame = 2 * (covered[0] + covered[1] + covered[2] + covered[3]) > edge;
        for (int side = 0; side < 4; ++side) {
            frame = frame || covered[size_t(side)] > kWholeSideShare * sideLength[side];
        }
        if (frame) {
            ink.setTo(0, labels == label);
        }
    }
}

}  // namespace

cv::Mat inkMap(const cv::Mat& image, InkSource& source) {
    if (image.channels() == 4) {
        cv::Mat alpha;
        cv::extractChannel(image, alpha, 3);
        double lowest = 0;
        cv::minMaxLoc(alpha, &lowest);
        if (lowest < kOpaqueAlpha) {
            source = InkSource::Alpha;
            return alpha;
        }
    }
    cv::Mat gray;
    switch (image.channels()) {
        case 1:
            gray = image;
            break;
        case 3:
            cv::cvtColor(image, gray, cv::COLOR_BGR2GRAY);
            break;
        case 4:
            cv::cvtColor(image, gray, cv::COLOR_BGRA2GRAY);
            break;
        default:
            throw std::invalid_argument("preprocessDigit: expected 1, 3 or 4 channels, got " +
                                        std::to_string(image.channels()));
    }
    // Ink is what differs from the background; measuring from the page's
    // own level (not from pure white) keeps grey paper from reading as ink.
    cv::Mat ink;
    // Where the border's level is not the whole page, the page's light is
    // fitted, and which way the ink goes comes from the fit.
    const BorderLevel border = borderLevel(gray);
    const PageLight page = border.wholePage ? PageLight{} : pageLight(gray);
    if (page.surface.empty()) {
        // An even page: the border's level, unless the fit found the ink
        // going the other way (a page inside a dark frame).
        const bool borderDark = border.median < 128;
        const bool fitOverrides = page.fitted && page.darkInk == borderDark;
        const double background = fitOverrides ? page.level : double(border.median);
        if (fitOverrides ? page.darkInk : !borderDark) {
            source = InkSource::DarkOnLight;
            cv::subtract(cv::Scalar(background), gray, ink);
        } else {
            source = InkSource::LightOnDark;
            cv::subtract(gray, cv::Scalar(background), ink);
        }
    } else {
        cv::Mat level;
        gray.convertTo(level, CV_32F);
        source = page.darkInk ? InkSource::DarkOnLight : InkSource::LightOnDark;
        cv::Mat difference = page.darkInk ? page.surface - level : level - page.surface;
        difference.convertTo(ink, CV_8U);  // saturating: the page side is 0
    }
    if (!border.wholePage) {
        removeShading(ink);
    }
    dropPageFrame(ink);
    return ink;
}

}  // namespace layerlab::vision
