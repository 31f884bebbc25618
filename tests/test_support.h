// Small generated inputs for the core tests: IDX files (raw or gzip),
// temporary folders, and the real MNIST when a test is about learning.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "layerlab/dataset.h"

namespace layerlab::test {

// A fresh folder under the system temp dir, removed when the object dies.
class TempDir {
public:
    TempDir() {
        std::random_device random;
        m_path = std::filesystem::temp_directory_path() /
                 ("layerlab-test-" + std::to_string(random()) + std::to_string(random()));
        std::filesystem::create_directories(m_path);
    }
    ~TempDir() {
        std::error_code ec;
        std::filesystem::remove_all(m_path, ec);
    }
    const std::filesystem::path& path() const { return m_path; }
    std::filesystem::path operator/(const std::string& name) const { return m_path / name; }

private:
    std::filesystem::path m_path;
};

inline void appendBigEndian(std::string& bytes, uint32_t value) {
    for (int shift = 24; shift >= 0; shift -= 8) {
        bytes += char((value >> shift) & 0xff);
    }
}

// IDX3 bytes: the header as given, then `count * rows * cols` pixels
// (or `payload` pixels when given, to make files that lie).
inline std::string idxImages(uint32_t count, uint32_t rows, uint32_t cols, int64_t payload = -1) {
    std::string bytes;
    appendBigEndian(bytes, 0x00000803);
    appendBigEndian(bytes, count);
    appendBigEndian(bytes, rows);
    appendBigEndian(bytes, cols);
    const int64_t size = payload >= 0 ? payload : int64_t(count) * rows * cols;
    for (int64_t i = 0; i < size; ++i) {
        bytes += char(i * 7 % 256);
    }
    return bytes;
}

inline std::string idxLabels(const std::vector<uint8_t>& labels, int64_t claimedCount = -1) {
    std::string bytes;
    appendBigEndian(bytes, 0x00000801);
    appendBigEndian(bytes, uint32_t(claimedCount >= 0 ? claimedCount : int64_t(labels.size())));
    bytes.append(labels.begin(), labels.end());
    return bytes;
}

inline void writeFile(const std::filesystem::path& file, const std::string& bytes) {
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << bytes;
}

inline void writeGzip(const std::filesystem::path& file, const std::string& bytes) {
    gzFile out = gzopen(file.string().c_str(), "wb");
    gzwrite(out, bytes.data(), unsigned(bytes.size()));
    gzclose(out);
}

inline std::string readFile(const std::filesystem::path& file) {
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
}

// A tiny but well-formed dataset of `count` 28x28 images per split.
inline void writeTinyDataset(const std::filesystem::path& dir, uint32_t count, bool gzip,
                             const std::string& separator = "-") {
    std::vector<uint8_t> labels;
    for (uint32_t i = 0; i < count; ++i) {
        labels.push_back(uint8_t(i % 10));
    }
    const std::string suffix = gzip ? ".gz" : "";
    auto write = [&](const std::string& name, const std::string& bytes) {
        gzip ? writeGzip(dir / (name + suffix), bytes) : writeFile(dir / name, bytes);
    };
    for (const char* split : {"train", "t10k"}) {
        write(std::string(split) + "-images" + separator + "idx3-ubyte", idxImages(count, 28, 28));
        write(std::string(split) + "-labels" + separator + "idx1-ubyte", idxLabels(labels));
    }
}

// The real MNIST, found as the app finds it. scripts/test fetches it first;
// without it a learning test fails with this message rather than skipping.
inline std::shared_ptr<const Dataset> realMnist() {
    static std::shared_ptr<const Dataset> data;
    if (!data) {
        try {
            data = std::make_shared<const Dataset>(loadDataset(DatasetKind::Mnist));
        } catch (const std::exception& e) {
            ADD_FAILURE() << "This test needs the real MNIST (run scripts/fetch-data): "
                          << e.what();
        }
    }
    return data;
}

}  // namespace layerlab::test
