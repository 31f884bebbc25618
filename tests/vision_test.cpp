// Each step of turning a drawing into MNIST-like input, on shapes whose
// right answer is known: the ink found, the crop, the 20x20 fit, the centre
// of mass, and the blank page.
#include "layerlab/digit_preprocessing.h"

#include <gtest/gtest.h>

#include <opencv2/imgproc.hpp>

#include <string>
#include <vector>

namespace layerlab::vision {
namespace {

// The canvas a user draws on in the GUI.
constexpr int kCanvas = 280;

cv::Mat field(const DigitImage& digit) {
    return cv::Mat(kDigitSide, kDigitSide, CV_32F, const_cast<float*>(digit.pixels.data()));
}

cv::Point2d centreOfMass(const DigitImage& digit) {
    const cv::Moments m = cv::moments(field(digit));
    return {m.m10 / m.m00, m.m01 / m.m00};
}

// The box of pixels holding clearly visible ink in the 28x28 result.
cv::Rect inkBox(const DigitImage& digit, float level = 0.3f) {
    cv::Mat mask = field(digit) > level;
    return cv::boundingRect(mask);
}

// The ink's width and height in the 28x28 result, in pixels, counting a
// column or row by its strongest ink: an edge the centring's fractional
// shift spreads over two pixels still counts once.
cv::Size2d inkExtent(const DigitImage& digit) {
    cv::Mat columnPeaks;
    cv::Mat rowPeaks;
    cv::reduce(field(digit), columnPeaks, 0, cv::REDUCE_MAX);
    cv::reduce(field(digit), rowPeaks, 1, cv::REDUCE_MAX);
    return {cv::sum(columnPeaks)[0], cv::sum(rowPeaks)[0]};
}

// A light "digit" (a ring and a bar) on black: the geometry every style
// below redraws.
cv::Mat lightOnDark() {
    cv::Mat ink(kCanvas, kCanvas, CV_8U, cv::Scalar(0));
    cv::circle(ink, {120, 100}, 40, cv::Scalar(255), /*thickness=*/12, cv::LINE_AA);
    cv::line(ink, {160, 100}, {150, 230}, cv::Scalar(255), /*thickness=*/12, cv::LINE_AA);
    return ink;
}

void expectSamePixels(const DigitImage& a, const DigitImage& b) {
    ASSERT_FALSE(a.empty);
    ASSERT_FALSE(b.empty);
    ASSERT_EQ(a.pixels.size(), b.pixels.size());
    for (size_t i = 0; i < a.pixels.size(); ++i) {
        ASSERT_NEAR(a.pixels[i], b.pixels[i], 1e-5) << "pixel " << i;
    }
}

TEST(DigitPreprocessing, BlankCanvasesGiveNoDigit) {
    EXPECT_TRUE(preprocessDigit(cv::Mat(kCanvas, kCanvas, CV_8U, cv::Scalar(255))).empty);
    EXPECT_TRUE(preprocessDigit(cv::Mat(kCanvas, kCanvas, CV_8U, cv::Scalar(0))).empty);
    EXPECT_TRUE(
        preprocessDigit(cv::Mat(kCanvas, kCanvas, CV_8UC4, cv::Scalar(255, 255, 255, 0))).empty);
    EXPECT_TRUE(
        preprocessDigit(cv::Mat(kCanvas, kCanvas, CV_8UC3, cv::Scalar(200, 210, 220))).empty);

    // Paper grain and JPEG noise are not a digit.
    cv::Mat grain(kCanvas, kCanvas, CV_8U);
    cv::randu(grain, cv::Scalar(235), cv::Scalar(256));
    const DigitImage result = preprocessDigit(grain);
    EXPECT_TRUE(result.empty);
    EXPECT_TRUE(result.pixels.empty());
    EXPECT_EQ(result.source, InkSource::None);
}

TEST(DigitPreprocessing, OutputIsMnistShaped) {
    const DigitImage digit = preprocessDigit(lightOnDark());
    ASSERT_FALSE(digit.empty);
    ASSERT_EQ(digit.pixels.size(), size_t(kDigitSide * kDigitSide));
    const auto [low, high] = std::minmax_element(digit.pixels.begin(), digit.pixels.end());
    EXPECT_GE(*low, 0.0f);
    EXPECT_LE(*high, 1.0f);
    EXPECT_GT(*high, 0.9f);  // a full stroke reads as full ink, as in training
    // The border stays black: the digit sits inside the field.
    for (int i = 0; i < kDigitSide; ++i) {
        EXPECT_EQ(digit.pixels[size_t(i)], 0.0f);
    }
}

TEST(DigitPreprocessing, DarkOnLightIsInverted) {
    const cv::Mat light = lightOnDark();
    cv::Mat dark = 255 - light;
    const DigitImage a = preprocessDigit(light);
    const DigitImage b = preprocessDigit(dark);
    EXPECT_EQ(a.source, InkSource::LightOnDark);
    EXPECT_EQ(b.source, InkSource::DarkOnLight);
    expectSamePixels(a, b);

    // A colour photo of blue ink on grey paper reads the same way.
    cv::Mat photo(kCanvas, kCanvas, CV_8UC3, cv::Scalar(190, 190, 190));
    photo.setTo(cv::Scalar(120, 20, 10), light > 128);
    const DigitImage c = preprocessDigit(photo);
    ASSERT_FALSE(c.empty);
    EXPECT_EQ(c.source, InkSource::DarkOnLight);
    EXPECT_EQ(inkBox(c), inkBox(a));
}

TEST(DigitPreprocessing, UnevenlyLitPageIsNotInk) {
    // A photo of paper lit from one side: white fading to dark grey, the
    // digit's ink darker still. Read from the border alone, the dark side of
    // the page was ink and the digit a blur in it.
    const cv::Mat light = lightOnDark();
    const DigitImage even = preprocessDigit(255 - light);
    for (const bool vertical : {false, true}) {
        cv::Mat page(kCanvas, kCanvas, CV_8U);
        for (int y = 0; y < kCanvas; ++y) {
            for (int x = 0; x < kCanvas; ++x) {
                page.at<uint8_t>(y, x) = uint8_t(255 - 150 * (vertical ? y : x) / kCanvas);
            }
        }
        page.setTo(cv::Scalar(20), light > 128);
        const DigitImage lit = preprocessDigit(page);
        ASSERT_FALSE(lit.empty);
        EXPECT_EQ(lit.source, InkSource::DarkOnLight);
        // The same box, give or take the anti-aliased edge.
        EXPECT_NEAR(lit.inkBox.x, even.inkBox.x, 2);
        EXPECT_NEAR(lit.inkBox.y, even.inkBox.y, 2);
        EXPECT_NEAR(lit.inkBox.width, even.inkBox.width, 3);
        EXPECT_NEAR(lit.inkBox.height, even.inkBox.height, 3);
    }
}

TEST(DigitPreprocessing, ShadowAcrossThePageIsNotInk) {
    // A phone's shadow over the lower part of the sheet: a step in the
    // page's light, not a gradient. It read as one broad stroke joined to
    // the digit.
    const cv::Mat light = lightOnDark();
    const DigitImage even = preprocessDigit(255 - light);
    for (const bool large : {false, true}) {
        SCOPED_TRACE(large ? "a 2800-pixel photo" : "a 280-pixel photo");
        cv::Mat page(kCanvas, kCanvas, CV_8U, cv::Scalar(250));
        page.rowRange(kCanvas * 2 / 3, kCanvas).setTo(cv::Scalar(170));
        page.setTo(cv::Scalar(20), light > 128);
        if (large) {
            cv::resize(page, page, {}, 10, 10, cv::INTER_NEAREST);
        }
        const DigitImage shaded = preprocessDigit(page);
        ASSERT_FALSE(shaded.empty);
        EXPECT_EQ(shaded.source, InkSource::DarkOnLight);
        const int scale = large ? 10 : 1;
        EXPECT_NEAR(shaded.inkBox.x, even.inkBox.x * scale, 2 * scale);
        EXPECT_NEAR(shaded.inkBox.y, even.inkBox.y * scale, 2 * scale);
        EXPECT_NEAR(shaded.inkBox.width, even.inkBox.width * scale, 3 * scale);
        EXPECT_NEAR(shaded.inkBox.height, even.inkBox.height * scale, 3 * scale);
    }
    // A marker's broad stroke running off the picture is as dark as the
    // rest of the ink: it stays.
    cv::Mat marker(kCanvas, kCanvas, CV_8U, cv::Scalar(250));
    cv::rectangle(marker, cv::Rect(100, 0, 70, 200), cv::Scalar(20), cv::FILLED);
    cv::line(marker, {60, 200}, {220, 200}, cv::Scalar(20), 12);
    const DigitImage kept = preprocessDigit(marker);
    ASSERT_FALSE(kept.empty);
    EXPECT_EQ(kept.inkBox.y, 0);
    EXPECT_GE(kept.inkBox.height, 200);
}

TEST(DigitPreprocessing, FrameAroundThePageIsNotInk) {
    // A white sheet in a black frame (a scanner's lid, a box drawn round
    // the digit): the frame is neither the page nor part of the digit.
    const cv::Mat light = lightOnDark();
    const DigitImage plain = preprocessDigit(255 - light);
    cv::Mat framed = 255 - light;
    cv::rectangle(framed, cv::Rect(0, 0, kCanvas, kCanvas), cv::Scalar(0), /*thickness=*/20);
    const DigitImage digit = preprocessDigit(framed);
    ASSERT_FALSE(digit.empty);
    EXPECT_EQ(digit.source, InkSource::DarkOnLight);
    EXPECT_EQ(digit.inkBox, plain.inkBox);

    // The dark table beside the sheet along one side only: it read as a
    // stroke of the digit (a 7 and the table's edge read as 0).
    for (const cv::Rect& table :
         {cv::Rect(0, 0, 25, kCanvas), cv::Rect(0, kCanvas - 25, kCanvas, 25)}) {
        cv::Mat beside = 255 - light;
        beside(table).setTo(cv::Scalar(40));
        const DigitImage read = preprocessDigit(beside);
        ASSERT_FALSE(read.empty);
        EXPECT_EQ(read.inkBox, plain.inkBox) << "table at " << table;
    }
}

TEST(DigitPreprocessing, AlphaCarriesTheInk) {
    const cv::Mat light = lightOnDark();
    // Strokes in black with a transparent background whose hidden colour is
    // black too: only the alpha channel tells ink from background.
    for (const cv::Scalar hidden : {cv::Scalar(0, 0, 0), cv::Scalar(255, 255, 255)}) {
        cv::Mat rgba(kCanvas, kCanvas, CV_8UC4, hidden);
        rgba.setTo(cv::Scalar(0, 0, 0, 0), light == 0);
        std::vector<cv::Mat> channels;
        cv::split(rgba, channels);
        channels[3] = light.clone();
        cv::merge(channels, rgba);
        const DigitImage digit = preprocessDigit(rgba);
        EXPECT_EQ(digit.source, InkSource::Alpha);
        expectSamePixels(digit, preprocessDigit(light));
    }

    // An opaque BGRA image is read by its colours.
    cv::Mat opaque;
    cv::cvtColor(255 - light, opaque, cv::COLOR_GRAY2BGRA);
    EXPECT_EQ(preprocessDigit(opaque).source, InkSource::DarkOnLight);
}

TEST(DigitPreprocessing, CropAndFitKeepAspectRatio) {
    // A tall bar 30 wide and 150 high: its long side becomes 20, so it is
    // about 4 wide (a little less once thinned to MNIST's widths); a wide
    // bar turns the other way.
    cv::Mat tall(kCanvas, kCanvas, CV_8U, cv::Scalar(255));
    cv::rectangle(tall, cv::Rect(40, 20, 30, 150), cv::Scalar(0), cv::FILLED);
    const DigitImage t = preprocessDigit(tall);
    ASSERT_FALSE(t.empty);
    EXPECT_EQ(t.inkBox, cv::Rect(40, 20, 30, 150));
    const cv::Size2d tallExtent = inkExtent(t);
    EXPECT_NEAR(tallExtent.height, kDigitBox, 0.05);
    EXPECT_NEAR(tallExtent.width, 4, 1);

    const cv::Size2d wideExtent = inkExtent(preprocessDigit(tall.t()));
    EXPECT_NEAR(wideExtent.width, kDigitBox, 0.05);
    EXPECT_NEAR(wideExtent.height, 4, 1);

    // The same ring drawn small or large comes out the same size.
    cv::Mat small(kCanvas, kCanvas, CV_8U, cv::Scalar(0));
    cv::Mat large = small.clone();
    cv::circle(small, {200, 60}, 20, cv::Scalar(255), 4, cv::LINE_AA);
    cv::circle(large, {140, 140}, 100, cv::Scalar(255), 20, cv::LINE_AA);
    EXPECT_NEAR(inkBox(preprocessDigit(small)).width, inkBox(preprocessDigit(large)).width, 1);
}

TEST(DigitPreprocessing, CentreOfMassSitsAtTheCentre) {
    // Off-centre and lopsided: a heavy blob with a tail to its left, near
    // the top.
    cv::Mat ink(kCanvas, kCanvas, CV_8U, cv::Scalar(0));
    cv::circle(ink, {210, 70}, 60, cv::Scalar(255), cv::FILLED);
    cv::line(ink, {210, 70}, {60, 70}, cv::Scalar(255), 20);
    const DigitImage digit = preprocessDigit(ink);
    ASSERT_FALSE(digit.empty);
    const cv::Point2d mass = centreOfMass(digit);
    const double centre = kDigitSide / 2.0;  // MNIST's mean centre of mass
    // Shifted by a fraction of a pixel: on it, not just within half a pixel.
    EXPECT_NEAR(mass.x, centre, 0.05);
    EXPECT_NEAR(mass.y, centre, 0.05);
    // Lopsided: the box is not centred, the mass is.
    const cv::Rect box = inkBox(digit);
    EXPECT_GT(std::abs(box.x + box.width / 2.0 - centre), 1.5);
}

TEST(DigitPreprocessing, TallThinOneStaysWholeAndCentred) {
    // A "1" drawn as one straight stroke on the canvas: its ink fits the
    // 20x20 box only two pixels wide.
    cv::Mat page(kCanvas, 240, CV_8U, cv::Scalar(255));
    cv::line(page, {120, 40}, {120, 240}, cv::Scalar(0), /*thickness=*/18, cv::LINE_AA);
    const DigitImage digit = preprocessDigit(page);
    ASSERT_FALSE(digit.empty);
    const cv::Rect box = inkBox(digit);
    EXPECT_GE(box.height, kDigitBox - 1);  // all of it, not cut at the edge
    EXPECT_GE(box.y, 1);
    EXPECT_LE(box.y + box.height, kDigitSide - 1);
    const cv::Point2d mass = centreOfMass(digit);
    EXPECT_NEAR(mass.x, kDigitSide / 2.0, 0.05);
    EXPECT_NEAR(mass.y, kDigitSide / 2.0, 0.05);
}

// The width of the strokes in a 28x28 result, measured as the preprocessing
// measures a drawing: scaled up tenfold, ink from a quarter of full strength.
double resultStrokeWidth(const DigitImage& digit) {
    cv::Mat large;
    cv::resize(field(digit), large, {}, 10, 10, cv::INTER_CUBIC);
    return strokeWidth(large > 0.25f) / 10;
}

TEST(DigitPreprocessing, StrokeWidthIsReadOnTheStrokesMiddleLine) {
    cv::Mat ink(kCanvas, kCanvas, CV_8U, cv::Scalar(0));
    cv::line(ink, {40, 60}, {240, 200}, cv::Scalar(255), /*thickness=*/12);
    EXPECT_NEAR(strokeWidth(ink), 12, 1.5);
    // A filled blob where a marker lingered holds most of the ink, yet only
    // a small part of the middle line: the stroke reads as wide as before.
    cv::circle(ink, {60, 74}, 35, cv::Scalar(255), cv::FILLED);
    EXPECT_NEAR(strokeWidth(ink), 12, 2.5);
    EXPECT_EQ(strokeWidth(cv::Mat(20, 20, CV_8U, cv::Scalar(0))), 0);
}

TEST(DigitPreprocessing, StrokesAreBroughtIntoMnistsWidths) {
    // The same ring and bar drawn with pens of several widths. The drawing
    // is about 215 px tall plus the stroke's width, which is fitted to 20.
    const auto draw = [](int thickness) {
        cv::Mat ink(kCanvas, kCanvas, CV_8U, cv::Scalar(0));
        cv::circle(ink, {130, 90}, 55, cv::Scalar(255), thickness, cv::LINE_AA);
        cv::line(ink, {185, 90}, {175, 250}, cv::Scalar(255), thickness, cv::LINE_AA);
        return ink;
    };
    const auto penFor = [](double widthInBox) {
        return int(std::lround(widthInBox * 215 / (kDigitBox - widthInBox)));
    };
    const auto widthAfter = [&](int thickness) {
        SCOPED_TRACE("drawn " + std::to_string(thickness) + " px wide");
        const DigitImage digit = preprocessDigit(draw(thickness));
        EXPECT_FALSE(digit.empty);
        // Still a ring: neither thinning nor thickening fills or breaks it.
        const cv::Rect box = inkBox(digit);
        EXPECT_LT(field(digit).at<float>(box.y + 6, box.x + 6), 0.1f);
        EXPECT_GE(box.height, kDigitBox - 1);
        return resultStrokeWidth(digit);
    };
    // A broad marker comes out as a pen at the thick end of MNIST's widths,
    // a fine pen as one at the thin end.
    EXPECT_NEAR(widthAfter(60), widthAfter(penFor(kThickestStrokeWidth)), 0.3);
    EXPECT_NEAR(widthAfter(6), widthAfter(penFor(kThinnestStrokeWidth)), 0.3);
    // Between them, a stroke keeps its own width.
    const int thinner = penFor(kThinnestStrokeWidth + 0.2);
    const int thicker = penFor(kThickestStrokeWidth - 0.2);
    EXPECT_GT(widthAfter(thicker) - widthAfter(thinner),
              0.5 * (kThickestStrokeWidth - kThinnestStrokeWidth - 0.4));
}

TEST(DigitPreprocessing, MnistSizedImageIsTakenAsItIs) {
    // An MNIST digit saved as a 28x28 PNG (export --predictions writes them):
    // fitted again, its soft edges were cut and its strokes thinned: a
    // 97.2% run read 184 of the first 200 test digits so, 198 as they are.
    cv::Mat digit(kDigitSide, kDigitSide, CV_8U, cv::Scalar(0));
    cv::ellipse(digit, {14, 14}, {5, 9}, 0, 0, 360, cv::Scalar(255), 2, cv::LINE_AA);
    cv::Mat inverted;
    cv::subtract(cv::Scalar(255), digit, inverted);
    for (const cv::Mat& image : {digit, inverted}) {
        const DigitImage fed = preprocessDigit(image);
        ASSERT_FALSE(fed.empty);
        ASSERT_EQ(fed.pixels.size(), size_t(kDigitSide * kDigitSide));
        for (int i = 0; i < kDigitSide * kDigitSide; ++i) {
            ASSERT_FLOAT_EQ(fed.pixels[size_t(i)], float(digit.data[i]) / 255.0F) << "pixel " << i;
        }
    }
}

}  // namespace
}  // namespace layerlab::vision
