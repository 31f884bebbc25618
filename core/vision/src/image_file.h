#pragma once

// What an image file's own structure says before it is decoded. OpenCV
// decodes a JPEG cut short by a download with only a warning on stderr (the
// missing rows come out grey, and the network reads them), and it allocates
// whatever size a header claims before it finds there is no ink.

#include <cstdint>
#include <filesystem>

namespace layerlab::vision {

enum class ImageFormat { Png, Jpeg, Gif, Other };

struct ImageFileFacts {
    ImageFormat format = ImageFormat::Other;
    // From the PNG or JPEG header; 0 when it does not say.
    int64_t width = 0;
    int64_t height = 0;
    // A JPEG whose file ends before the end-of-image marker that follows its
    // picture data.
    bool cutShort = false;
};

// Reads the whole file; throws std::runtime_error when it cannot be read.
ImageFileFacts inspectImageFile(const std::filesystem::path& file);

}  // namespace layerlab::vision
