#include "layerlab/idx.h"

#include <zlib.h>

#include <array>
#include <cctype>
#include <fstream>
#include <limits>
#include <memory>
#include <sstream>
#include <string>

#include "layerlab/errors.h"

namespace layerlab {
namespace {

// IDX magic numbers: two zero bytes, the element type (0x08 = unsigned
// byte) and the number of dimensions.
constexpr uint32_t kImagesMagic = 0x00000803;
constexpr uint32_t kLabelsMagic = 0x00000801;
// No real image dataset has images this large; a bigger header is corrupt.
constexpr uint32_t kMaxSide = 4096;

struct GzCloser {
    void operator()(gzFile file) const { gzclose(file); }
};
using GzHandle = std::unique_ptr<gzFile_s, GzCloser>;

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& what) {
    throw DataError(file.string() + ": " + what);
}

uint32_t bigEndian(const unsigned char* bytes) {
    return (uint32_t(bytes[0]) << 24) | (uint32_t(bytes[1]) << 16) | (uint32_t(bytes[2]) << 8) |
           uint32_t(bytes[3]);
}

// The first bytes of the file as stored on disk (compressed or not), to tell
// a gzip stream and to describe what the file is when it is not IDX.
std::string leadingBytes(const std::filesystem::path& file, size_t count) {
    std::ifstream in(file, std::ios::binary);
    std::string bytes(count, '\0');
    in.read(bytes.data(), std::streamsize(count));
    bytes.resize(size_t(in.gcount()));
    return bytes;
}

bool isGzip(const std::string& leading) {
    return leading.size() >= 2 && static_cast<unsigned char>(leading[0]) == 0x1f &&
           static_cast<unsigned char>(leading[1]) == 0x8b;
}

// gzip's trailer holds the uncompressed size modulo 2^32: enough to refuse a
// lying header before allocating, for any file below 4 GiB.
uint32_t gzipStoredSize(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary | std::ios::ate);
    const auto size = in.tellg();
    if (size < 18) {
        return 0;
    }
    in.seekg(size - std::streamoff(4));
    std::array<unsigned char, 4> trailer{};
    in.read(reinterpret_cast<char*>(trailer.data()), 4);
    return uint32_t(trailer[0]) | (uint32_t(trailer[1]) << 8) | (uint32_t(trailer[2]) << 16) |
           (uint32_t(trailer[3]) << 24);
}

std::string describeForeignContent(const std::string& leading) {
    std::string lower;
    for (char c : leading) {
        lower += char(std::tolower(static_cast<unsigned char>(c)));
    }
    if (lower.find("<!doctype html") != std::string::npos ||
        lower.find("<html") != std::string::npos) {
        return "it is an HTML page, not an IDX file (a download saved from a web page?)";
    }
    return "it is not an IDX file";
}

class IdxFile {
public:
    IdxFile(const std::filesystem::path& file, uint32_t expectedMagic) : m_file(file) {
        std::error_code ec;
        if (!std::filesystem::exists(file, ec)) {
            fail(file, "file not found");
        }
        if (std::filesystem::is_directory(file, ec)) {
            fail(file, "is a directory, not a file");
        }
        m_diskSize = std::filesystem::file_size(file, ec);
        if (ec) {
            fail(file, "cannot read its size: " + ec.message());
        }
        if (m_diskSize == 0) {
            fail(file, "the file is empty");
        }
        m_compressed = isGzip(leadingBytes(file, 2));
        m_handle.reset(gzopen(file.string().c_str(), "rb"));
        if (!m_handle) {
            fail(file, "cannot open it for reading");
        }
        readMagic(expectedMagic);
    }

    uint32_t readDimension(const char* what) {
        std::array<unsigned char, 4> bytes{};
        readExactly(bytes.data(), 4, std::string("the header ends before the ") + what);
        return bigEndian(bytes.data());
    }

    // Refuses a header whose payload disagrees with the file's real size;
    // only then is it safe to allocate `payloadBytes`.
    void checkPayloadSize(uint64_t headerBytes, uint64_t payloadBytes) {
        const uint64_t expected = headerBytes + payloadBytes;
        if (!m_compressed) {
            if (m_diskSize != expected) {
                std::ostringstream msg;
                msg << "the header promises " << expected << " bytes but the file has "
                    << m_diskSize
                    << (m_diskSize < expected ? " (truncated download?)" : " (trailing data)");
                fail(m_file, msg.str());
            }
            return;
        }
        const uint32_t stored = gzipStoredSize(m_file);
        if (stored != uint32_t(expected & 0xffffffffu)) {
            std::ostringstream msg;
            msg << "the header promises " << expected
                << " bytes but the gzip stream holds a different amount (cut short or corrupt)";
            fail(m_file, msg.str());
        }
    }

    void readPayload(uint8_t* into, uint64_t bytes) {
        readExactly(into, bytes, "the data ends early (the file is cut short)");
        unsigned char extra = 0;
        if (gzread(m_handle.get(), &extra, 1) != 0) {
            fail(m_file, "there is data after the last item the header announces");
        }
        checkStream();
    }

    // CRC-32 of every byte read so far, as the file is once uncompressed:
    // after readPayload, the checksum of the whole file.
    uint32_t checksum() const { return m_crc; }

private:
    void readMagic(uint32_t expected) {
        std::array<unsigned char, 4> bytes{};
        const int got = gzread(m_handle.get(), bytes.data(), 4);
        checkStream();
        if (got > 0) {
            m_crc = uint32_t(crc32(m_crc, bytes.data(), unsigned(got)));
        }
        const uint32_t magic = got == 4 ? bigEndian(bytes.data()) : 0;
        if (magic == expected) {
            return;
        }
        if (got == 4 && magic == kLabelsMagic) {
            fail(m_file, "this is an IDX labels file, but images were expected here");
        }
        if (got == 4 && magic == kImagesMagic) {
            fail(m_file, "this is an IDX images file, but labels were expected here");
        }
        std::ostringstream msg;
        msg << "wrong magic number 0x" << std::hex << magic << " (expected 0x" << expected
            << "): " << describeForeignContent(leadingBytes(m_file, 512));
        fail(m_file, msg.str());
    }

    void readExactly(void* into, uint64_t bytes, const std::string& shortMessage) {
        auto* out = static_cast<unsigned char*>(into);
        while (bytes > 0) {
            const unsigned chunk = unsigned(std::min<uint64_t>(bytes, 1u << 30));
            const int got = gzread(m_handle.get(), out, chunk);
            checkStream();
            if (got <= 0) {
                fail(m_file, shortMessage);
            }
            m_crc = uint32_t(crc32(m_crc, out, unsigned(got)));
            out += got;
            bytes -= uint64_t(got);
        }
    }

    void checkStream() {
        int code = Z_OK;
        const char* message = gzerror(m_handle.get(), &code);
        if (code == Z_BUF_ERROR) {
            fail(m_file, "the gzip stream is cut short");
        }
        if (code != Z_OK && code != Z_STREAM_END) {
            fail(m_file, std::string("the gzip stream is corrupt: ") + message);
        }
    }

    std::filesystem::path m_file;
    uint64_t m_diskSize = 0;
    bool m_compressed = false;
    GzHandle m_handle;
    uint32_t m_crc = 0;  // crc32's initial value
};

}  // namespace

IdxImages readIdxImages(const std::filesystem::path& file) {
    IdxFile idx(file, kImagesMagic);
    const uint32_t count = idx.readDimension("image count");
    const uint32_t rows = idx.readDimension("row count");
    const uint32_t cols = idx.readDimension("column count");
    if (count == 0 || rows == 0 || cols == 0) {
        std::ostringstream msg;
        msg << "the header describes no data (" << count << " images of " << rows << "x" << cols
            << ")";
        fail(file, msg.str());
    }
    if (rows > kMaxSide || cols > kMaxSide) {
        std::ostringstream msg;
        msg << "implausible image size " << rows << "x" << cols << " in the header";
        fail(file, msg.str());
    }
    const uint64_t payload = uint64_t(count) * rows * cols;
    idx.checkPayloadSize(16, payload);

    IdxImages images;
    images.count = count;
    images.rows = int(rows);
    images.cols = int(cols);
    images.pixels.resize(payload);
    idx.readPayload(images.pixels.data(), payload);
    images.checksum = idx.checksum();
    return images;
}

IdxLabels readIdxLabels(const std::filesystem::path& file, int numClasses) {
    IdxFile idx(file, kLabelsMagic);
    const uint32_t count = idx.readDimension("label count");
    if (count == 0) {
        fail(file, "the header describes no labels (count 0)");
    }
    idx.checkPayloadSize(8, count);

    IdxLabels labels;
    labels.values.resize(count);
    idx.readPayload(labels.values.data(), count);
    labels.checksum = idx.checksum();
    for (size_t i = 0; i < labels.values.size(); ++i) {
        if (labels.values[i] >= numClasses) {
            std::ostringstream msg;
            msg << "label " << int(labels.values[i]) << " at index " << i
                << " is out of range (classes are 0.." << numClasses - 1 << ")";
            fail(file, msg.str());
        }
    }
    return labels;
}

}  // namespace layerlab
