#include "checkpoint.h"

#include <nlohmann/json.hpp>

#include "layerlab/errors.h"

namespace layerlab {
std::vector<std::string> architectureSignature(const ModelSpec& model) {
    std::vector<std::string> signatures;
    signatures.push_back("input " + std::to_string(model.inputHeight) + "x" +
                         std::to_string(model.inputWidth) + "x" +
                         std::to_string(model.inputChannels));
    for (const LayerSpec& layer : model.layers) {
        std::string text = toString(layer.kind);
        if (layer.kind == LayerKind::Conv2d) {
            text += " " + std::to_string(layer.filters) + " " + std::to_string(layer.kernel) + "x" +
                    std::to_string(layer.kernel);
        } else if (layer.kind == LayerKind::Dense) {
            text += " " + std::to_string(layer.units);
        }
        signatures.push_back(text);
    }
    return signatures;
}

void requireSameArchitecture(const std::vector<std::string>& stored, const ModelSpec& model,
                             const std::string& origin) {
    const std::vector<std::string> expected = architectureSignature(model);
    for (size_t i = 0; i < std::max(expected.size(), stored.size()); ++i) {
        const std::string want = i < expected.size() ? expected[i] : "nothing";
        const std::string have = i < stored.size() ? stored[i] : "nothing";
        if (want != have) {
            const std::string where =
                i == 0 ? std::string("the input") : "layer " + std::to_string(i);
            throw CheckpointError(origin + ": was saved from another architecture: " + where +
                                  " is " + have + " there but " + want + " in this experiment");
        }
    }
}

void saveCheckpoint(const std::filesystem::path& file, const ModelSpec& model, SpecNetwork& network,
                    torch::optim::Optimizer& optimizer, const CheckpointPosition& position) {
    torch::serialize::OutputArchive archive;
    torch::serialize::OutputArchive modelArchive;
    network->save(modelArchive);
    archive.write("model", modelArchive);
    torch::serialize::OutputArchive optimizerArchive;
    optimizer.save(optimizerArchive);
    archive.write("optimizer", optimizerArchive);
    const nlohmann::json meta{{"layers", architectureSignature(model)},
                              {"epochs_done", position.epochsDone},
                              {"steps", position.steps},
                              {"shuffle_state", position.shuffleState},
                              {"seconds", position.seconds}};
    archive.write("layerlab", c10::IValue(meta.dump()));
    if (position.cpuRngState.defined()) {
        archive.write("cpu_rng_state", position.cpuRngState);
    }

    const std::filesystem::path temporary = file.string() + ".tmp";
    try {
        archive.save_to(temporary.string());
    } catch (const c10::Error& e) {
        throw CheckpointError(temporary.string() +
                              ": cannot write the checkpoint: " + e.what_without_backtrace());
    }
    std::error_code ec;
    std::filesystem::rename(temporary, file, ec);
    if (ec) {
        throw CheckpointError(file.string() + ": cannot replace it: " + ec.message());
    }
}

CheckpointPosition loadCheckpoint(const std::filesystem::path& file, const ModelSpec& model,
                                  SpecNetwork& network, torch::optim::Optimizer& optimizer,
                                  const torch::Device& device) {
    std::error_code ec;
    if (!std::filesystem::is_regular_file(file, ec)) {
        throw CheckpointError(file.string() + ": file not found");
    }
    if (std::filesystem::file_size(file, ec) == 0) {
        throw CheckpointError(file.string() + ": the file is empty");
    }
    torch::serialize::InputArchive archive;
    nlohmann::json meta;
    try {
        archive.load_from(file.string(), device);
        c10::IValue metaValue;
        if (!archive.try_read("layerlab", metaValue) || !metaValue.isString()) {
            throw CheckpointError(file.string() + ": not a LayerLab checkpoint");
        }
        meta = nlohmann::json::parse(metaValue.toStringRef());
    } catch (const CheckpointError&) {
        throw;
    } catch (const std::exception& e) {
        throw CheckpointError(file.string() +
                              ": not a readable checkpoint (cut short, or another kind of file)");
    }

    requireSameArchitecture(meta.value("layers", std::vector<std::string>{}), model, file.string());
    try {
        torch::serialize::InputArchive modelArchive;
        archive.read("model", modelArchive);
        network->load(modelArchive);
        torch::serialize::InputArchive optimizerArchive;
        archive.read("optimizer", optimizerArchive);
        optimizer.load(optimizerArchive);
    } catch (const std::exception& e) {
        throw CheckpointError(file.string() + ": its tensors do not fit this network");
    }
    CheckpointPosition position;
    position.epochsDone = meta.value("epochs_done", 0);
    position.steps = meta.value("steps", int64_t{0});
    position.shuffleState = meta.value("shuffle_state", std::string());
    position.seconds = meta.value("seconds", 0.0);
    c10::IValue rngState;
    if (archive.try_read("cpu_rng_state", rngState) && rngState.isTensor()) {
        // The generator takes its state from a CPU byte tensor, whatever
        // device the checkpoint was loaded for.
        position.cpuRngState = rngState.toTensor().to(torch::kCPU);
    }
    return position;
}

}  // namespace layerlab
