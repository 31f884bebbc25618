#pragma once

#include <cstdint>
#include <filesystem>
#include <vector>

namespace layerlab {

// Grayscale images from an IDX3 file, row-major, one byte per pixel.
struct IdxImages {
    int64_t count = 0;
    int rows = 0;
    int cols = 0;
    std::vector<uint8_t> pixels;  // count * rows * cols bytes
    uint32_t checksum = 0;        // zlib CRC-32 of the whole file, uncompressed
};

// Class labels from an IDX1 file.
struct IdxLabels {
    std::vector<uint8_t> values;
    uint32_t checksum = 0;  // zlib CRC-32 of the whole file, uncompressed
};

// Reads an IDX file, raw or gzip-compressed (recognised by its content, not
// its name). Throws DataError naming the file when the magic number, the
// dimensions or the length disagree with what an IDX file of that kind must
// be. The header is checked against the file's real size before anything is
// allocated from it, so a corrupt header cannot ask for gigabytes.
IdxImages readIdxImages(const std::filesystem::path& file);
IdxLabels readIdxLabels(const std::filesystem::path& file, int numClasses);

}  // namespace layerlab
