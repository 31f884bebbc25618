#include "image_file.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <stdexcept>
#include <vector>

namespace layerlab::vision {
namespace {

using Bytes = std::vector<uint8_t>;

int64_t bigEndian(const Bytes& bytes, size_t at, int count) {
    int64_t value = 0;
    for (int i = 0; i < count; ++i) {
        value = (value << 8) | bytes[at + size_t(i)];
    }
    return value;
}

bool startsWith(const Bytes& bytes, std::initializer_list<uint8_t> prefix) {
    return bytes.size() >= prefix.size() && std::equal(prefix.begin(), prefix.end(), bytes.begin());
}

// Start-of-frame markers, which carry the picture's size: C0-CF except the
// DHT (C4), JPG (C8) and DAC (CC) markers.
bool isStartOfFrame(uint8_t marker) {
    return marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
}

// Walks the JPEG's segments to its first start-of-scan; the picture data
// that follows must be closed by an end-of-image marker somewhere later.
// Data after that marker (a phone's motion-photo video) does not matter.
void inspectJpeg(const Bytes& bytes, ImageFileFacts& facts) {
    constexpr uint8_t kStartOfScan = 0xDA;
    constexpr uint8_t kEndOfImage = 0xD9;
    size_t at = 2;
    while (at + 4 <= bytes.size()) {
        if (bytes[at] != 0xFF) {
            return;  // not a segment: damaged in a way the decoder reports
        }
        const uint8_t marker = bytes[at + 1];
        if (marker == 0xFF) {
            ++at;  // fill byte
            continue;
        }
        const size_t length = size_t(bigEndian(bytes, at + 2, 2));
        if (isStartOfFrame(marker) && at + 9 <= bytes.size()) {
            facts.height = bigEndian(bytes, at + 5, 2);
            facts.width = bigEndian(bytes, at + 7, 2);
        }
        if (marker == kStartOfScan) {
            for (size_t i = at + 2 + length; i + 1 < bytes.size(); ++i) {
                if (bytes[i] == 0xFF && bytes[i + 1] == kEndOfImage) {
                    return;
                }
            }
            facts.cutShort = true;
            return;
        }
        at += 2 + length;
    }
    facts.cutShort = true;  // ended before its picture began
}

}  // namespace

ImageFileFacts inspectImageFile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    if (!in) {
        throw std::runtime_error("cannot read " + file.string());
    }
    const Bytes bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
    ImageFileFacts facts;
    if (startsWith(bytes, {0x89, 'P', 'N', 'G', '\r', '\n', 0x1A, '\n'})) {
        facts.format = ImageFormat::Png;
        // The IHDR chunk comes first: its width and height follow its type.
        if (bytes.size() >= 24) {
            facts.width = bigEndian(bytes, 16, 4);
            facts.height = bigEndian(bytes, 20, 4);
        }
    } else if (startsWith(bytes, {0xFF, 0xD8, 0xFF})) {
        facts.format = ImageFormat::Jpeg;
        inspectJpeg(bytes, facts);
    } else if (startsWith(bytes, {'G', 'I', 'F', '8'})) {
        facts.format = ImageFormat::Gif;
    }
    return facts;
}

}  // namespace layerlab::vision
