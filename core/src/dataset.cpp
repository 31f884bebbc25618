#include "layerlab/dataset.h"

#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "layerlab/errors.h"

namespace fs = std::filesystem;

namespace layerlab {
namespace {

// Where Debian's dataset-fashion-mnist package puts its files.
const fs::path kDebianDatasetRoot = "/usr/share/datasets";

const DatasetInfo kMnist{DatasetKind::Mnist,
                         "mnist",
                         "MNIST",
                         {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"},
                         60000,
                         10000};

const DatasetInfo kFashionMnist{DatasetKind::FashionMnist,
                                "fashion-mnist",
                                "Fashion-MNIST",
                                {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal",
                                 "Shirt", "Sneaker", "Bag", "Ankle boot"},
                                60000,
                                10000};

// The four files by their stem; each may be spelled "train-images-idx3-ubyte"
// or "train-images.idx3-ubyte", raw or with ".gz".
constexpr const char* kTrainImages = "train-images";
constexpr const char* kTrainLabels = "train-labels";
constexpr const char* kTestImages = "t10k-images";
constexpr const char* kTestLabels = "t10k-labels";

// The zlib CRC-32 of each official file, uncompressed. MNIST and
// Fashion-MNIST share names, sizes and headers; only the content tells a
// folder of one from the other.
struct KnownFile {
    DatasetKind kind;
    const char* stem;
    uint32_t checksum;
};
constexpr KnownFile kKnownFiles[] = {
    {DatasetKind::Mnist, kTrainImages, 0xe9f4d8b3},
    {DatasetKind::Mnist, kTrainLabels, 0xe0cb4ad2},
    {DatasetKind::Mnist, kTestImages, 0x91373bdf},
    {DatasetKind::Mnist, kTestLabels, 0x4ab9eff9},
    {DatasetKind::FashionMnist, kTrainImages, 0xb4f29f28},
    {DatasetKind::FashionMnist, kTrainLabels, 0x741a4657},
    {DatasetKind::FashionMnist, kTestImages, 0x678fe0b1},
    {DatasetKind::FashionMnist, kTestLabels, 0x80142c1f},
};

// Refuses a file that is, byte for byte, another dataset's.
void requireDatasetOwnFile(const fs::path& file, uint32_t checksum, DatasetKind expected) {
    for (const KnownFile& known : kKnownFiles) {
        if (known.checksum == checksum && known.kind != expected) {
            std::ostringstream msg;
            msg << file.string() << ": this is " << datasetInfo(known.kind).displayName << "'s "
                << known.stem << " file, but " << datasetInfo(expected).displayName
                << " was expected here (their checksums differ); put the "
                << datasetInfo(expected).displayName << " files in this folder or pass --data DIR";
            throw DataError(msg.str());
        }
    }
}

std::optional<fs::path> findFile(const fs::path& dir, const std::string& stem, const char* kind) {
    std::error_code ec;
    for (const char* separator : {"-", "."}) {
        const std::string base = stem + separator + kind + "-ubyte";
        for (const char* suffix : {"", ".gz"}) {
            const fs::path candidate = dir / (base + suffix);
            if (fs::is_regular_file(candidate, ec)) {
                return candidate;
            }
        }
    }
    return std::nullopt;
}

fs::path requireFile(const fs::path& dir, const std::string& stem, const char* kind) {
    if (auto file = findFile(dir, stem, kind)) {
        return *file;
    }
    throw DataError((dir / (stem + "-" + kind + "-ubyte")).string() +
                    ": file not found (also looked for the .gz and '" + stem + "." + kind +
                    "-ubyte' spellings)");
}

bool holdsAnyFile(const fs::path& dir) {
    return findFile(dir, kTrainImages, "idx3") || findFile(dir, kTrainLabels, "idx1") ||
           findFile(dir, kTestImages, "idx3") || findFile(dir, kTestLabels, "idx1");
}

bool holdsDataset(const fs::path& dir) {
    return findFile(dir, kTrainImages, "idx3") && findFile(dir, kTrainLabels, "idx1") &&
           findFile(dir, kTestImages, "idx3") && findFile(dir, kTestLabels, "idx1");
}

std::optional<fs::path> environmentPath(const char* name) {
    const char* value = std::getenv(name);
    if (value == nullptr || *value == '\0') {
        return std::nullopt;
    }
    return fs::path(value);
}

std::vector<fs::path> xdgDataDirs() {
    std::vector<fs::path> dirs;
    std::string list = "/usr/local/share:/usr/share";
    if (auto configured = environmentPath("XDG_DATA_DIRS")) {
        list = configured->string();
    }
    std::stringstream stream(list);
    std::string entry;
    while (std::getline(stream, entry, ':')) {
        if (!entry.empty()) {
            dirs.emplace_back(entry);
        }
    }
    return dirs;
}

DatasetSplit loadSplit(DatasetKind kind, const fs::path& dir, const char* imagesStem,
                       const char* labelsStem) {
    const int numClasses = int(datasetInfo(kind).classNames.size());
    const fs::path imagesFile = requireFile(dir, imagesStem, "idx3");
    const fs::path labelsFile = requireFile(dir, labelsStem, "idx1");
    DatasetSplit split;
    split.images = readIdxImages(imagesFile);
    requireDatasetOwnFile(imagesFile, split.images.checksum, kind);
    IdxLabels labels = readIdxLabels(labelsFile, numClasses);
    requireDatasetOwnFile(labelsFile, labels.checksum, kind);
    split.labels = std::move(labels.values);
    if (int64_t(split.labels.size()) != split.images.count) {
        std::ostringstream msg;
        msg << labelsFile.string() << ": holds " << split.labels.size() << " labels but "
            << imagesFile.filename().string() << " holds " << split.images.count << " images";
        throw DataError(msg.str());
    }
    return split;
}

}  // namespace

const DatasetInfo& datasetInfo(DatasetKind kind) {
    return kind == DatasetKind::Mnist ? kMnist : kFashionMnist;
}

std::optional<DatasetKind> datasetKindFromId(const std::string& id) {
    for (DatasetKind kind : allDatasetKinds()) {
        if (datasetInfo(kind).id == id) {
            return kind;
        }
    }
    return std::nullopt;
}

const std::vector<DatasetKind>& allDatasetKinds() {
    static const std::vector<DatasetKind> kinds{DatasetKind::Mnist, DatasetKind::FashionMnist};
    return kinds;
}

fs::path userDataDirectory() {
    if (auto xdg = environmentPath("XDG_DATA_HOME")) {
        return *xdg / "layerlab";
    }
    if (auto home = environmentPath("HOME")) {
        return *home / ".local" / "share" / "layerlab";
    }
    return fs::current_path() / "layerlab-data";
}

std::vector<fs::path> datasetSearchPath(DatasetKind kind,
                                        const std::optional<fs::path>& explicitDir) {
    const std::string id = datasetInfo(kind).id;
    std::vector<fs::path> path;
    auto addRoot = [&](const fs::path& root) {
        path.push_back(root);
        path.push_back(root / id);
    };
    if (explicitDir) {
        // An explicit directory is the only place looked at: a user who names
        // one must not silently get data from somewhere else.
        addRoot(*explicitDir);
        return path;
    }
    if (auto env = environmentPath("LAYERLAB_DATA")) {
        addRoot(*env);
    }
    path.push_back(userDataDirectory() / id);
    for (const fs::path& dir : xdgDataDirs()) {
        path.push_back(dir / "layerlab" / id);
    }
    path.push_back(kDebianDatasetRoot / id);
    return path;
}

std::optional<fs::path> findDataset(DatasetKind kind, const std::optional<fs::path>& explicitDir) {
    for (const fs::path& dir : datasetSearchPath(kind, explicitDir)) {
        if (holdsDataset(dir)) {
            return dir;
        }
    }
    return std::nullopt;
}

Dataset loadDataset(DatasetKind kind, const std::optional<fs::path>& explicitDir) {
    if (auto dir = findDataset(kind, explicitDir)) {
        return loadDatasetFrom(kind, *dir);
    }
    // A folder with some of the four files: the user meant it, so name the
    // file that is missing rather than list every place searched.
    for (const fs::path& dir : datasetSearchPath(kind, explicitDir)) {
        if (holdsAnyFile(dir)) {
            return loadDatasetFrom(kind, dir);
        }
    }
    const DatasetInfo& info = datasetInfo(kind);
    std::ostringstream msg;
    msg << info.displayName << " not found. Looked for its four IDX files in:";
    for (const fs::path& dir : datasetSearchPath(kind, explicitDir)) {
        msg << "\n  " << dir.string();
    }
    if (kind == DatasetKind::Mnist) {
        msg << "\nRun scripts/fetch-data (installed: <prefix>/libexec/layerlab/fetch-data) to "
               "download it, or pass --data DIR.";
    } else {
        msg << "\nInstall Debian's dataset-fashion-mnist package, or pass --data DIR.";
    }
    throw DataError(msg.str());
}

Dataset loadDatasetFrom(DatasetKind kind, const fs::path& directory) {
    Dataset data;
    data.kind = kind;
    data.directory = directory;
    data.train = loadSplit(kind, directory, kTrainImages, kTrainLabels);
    data.test = loadSplit(kind, directory, kTestImages, kTestLabels);
    if (data.train.images.rows != data.test.images.rows ||
        data.train.images.cols != data.test.images.cols) {
        throw DataError(directory.string() + ": training and test images differ in size");
    }
    return data;
}

std::string datasetChecksums(const std::filesystem::path& directory) {
    std::vector<std::filesystem::path> files;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(directory, ec)) {
        if (entry.is_regular_file(ec) &&
            entry.path().filename().string().find("idx") != std::string::npos) {
            files.push_back(entry.path());
        }
    }
    std::sort(files.begin(), files.end());
    std::string sums;
    std::vector<char> buffer(1 << 20);
    for (const auto& file : files) {
        std::ifstream in(file, std::ios::binary);
        uLong crc = crc32(0L, Z_NULL, 0);
        while (in) {
            in.read(buffer.data(), std::streamsize(buffer.size()));
            crc = crc32(crc, reinterpret_cast<const Bytef*>(buffer.data()), uInt(in.gcount()));
        }
        char hex[16];
        std::snprintf(hex, sizeof hex, "%08lx", static_cast<unsigned long>(crc));
        sums += (sums.empty() ? "" : ", ") + file.filename().string() + " crc32 " + hex;
    }
    return sums;
}

}  // namespace layerlab
