#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "layerlab/idx.h"

namespace layerlab {

enum class DatasetKind { Mnist, FashionMnist };

// What the app knows about a dataset before loading it.
struct DatasetInfo {
    DatasetKind kind;
    std::string id;           // "mnist", as written in experiment files
    std::string displayName;  // "Fashion-MNIST"
    std::vector<std::string> classNames;
    int64_t trainCount;
    int64_t testCount;
};

const DatasetInfo& datasetInfo(DatasetKind kind);
std::optional<DatasetKind> datasetKindFromId(const std::string& id);
const std::vector<DatasetKind>& allDatasetKinds();

// One split: images and their labels, checked to agree in count.
struct DatasetSplit {
    IdxImages images;
    std::vector<uint8_t> labels;
};

struct Dataset {
    DatasetKind kind;
    std::filesystem::path directory;
    DatasetSplit train;
    DatasetSplit test;
};

// Where a dataset is looked for, in order: the explicit directory, then
// $LAYERLAB_DATA, then $XDG_DATA_HOME/layerlab/<id> and each
// $XDG_DATA_DIRS entry's layerlab/<id>, then Debian's /usr/share/datasets.
// A directory given explicitly (or through LAYERLAB_DATA) may hold the files
// directly or in a <id> subfolder.
std::vector<std::filesystem::path> datasetSearchPath(
    DatasetKind kind, const std::optional<std::filesystem::path>& explicitDir);

// The first directory of the search path that holds all four files, or
// nothing. Files count whether raw or .gz and in either name spelling.
std::optional<std::filesystem::path> findDataset(
    DatasetKind kind, const std::optional<std::filesystem::path>& explicitDir);

// Loads both splits. Throws DataError listing the places searched when the
// dataset is not found, or naming the file and fault when one is malformed.
Dataset loadDataset(DatasetKind kind,
                    const std::optional<std::filesystem::path>& explicitDir = std::nullopt);

// "train-images-idx3-ubyte crc32 8d422c7b, ..." for the dataset files in
// `directory` (raw or .gz, as stored): what a run's environment card keeps,
// so two runs can be told to have read the same bytes.
std::string datasetChecksums(const std::filesystem::path& directory);

// Loads from one directory that must hold the files.
Dataset loadDatasetFrom(DatasetKind kind, const std::filesystem::path& directory);

// The per-user directory the fetch script writes to: $XDG_DATA_HOME/layerlab.
std::filesystem::path userDataDirectory();

}  // namespace layerlab
