// libFuzzer target: any bytes, read as an IDX images file and as an IDX
// labels file, raw or gzip. The reader must answer with a DataError or a
// result that agrees with its header, never crash, overflow or allocate what
// the file cannot hold.

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "layerlab/errors.h"
#include "layerlab/idx.h"

namespace {

// The reader takes a path: one scratch file per process, rewritten per input.
const std::string& scratchFile() {
    static const std::string path = [] {
        const char* dir = std::getenv("TMPDIR");
        return std::string(dir && *dir ? dir : "/tmp") + "/layerlab-idx-fuzz-" +
               std::to_string(getpid());
    }();
    return path;
}

void writeScratch(const uint8_t* data, size_t size) {
    FILE* out = std::fopen(scratchFile().c_str(), "wb");
    if (out == nullptr) {
        std::abort();
    }
    if (size > 0 && std::fwrite(data, 1, size, out) != size) {
        std::abort();
    }
    std::fclose(out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    writeScratch(data, size);
    try {
        const layerlab::IdxImages images = layerlab::readIdxImages(scratchFile());
        if (images.count <= 0 || images.rows <= 0 || images.cols <= 0 ||
            images.pixels.size() !=
                size_t(images.count) * size_t(images.rows) * size_t(images.cols)) {
            std::abort();  // a result that disagrees with its own header
        }
    } catch (const layerlab::DataError&) {
    }
    try {
        const layerlab::IdxLabels labels = layerlab::readIdxLabels(scratchFile(), 10);
        for (uint8_t label : labels.values) {
            if (label >= 10) {
                std::abort();  // an out-of-range label let through
            }
        }
    } catch (const layerlab::DataError&) {
    }
    return 0;
}
