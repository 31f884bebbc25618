// libFuzzer target: any bytes as an experiment file. Parsing must end in a
// spec or a SpecError; a parsed spec must survive validation, shape
// inference, the layer table and a round trip through JSON.

#include <cstdint>
#include <string>

#include "layerlab/errors.h"
#include "layerlab/experiment.h"
#include "layerlab/shape_inference.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    try {
        const layerlab::ExperimentSpec spec = layerlab::parseExperiment(text, "fuzz.json");
        const std::vector<std::string> errors = layerlab::validateExperiment(spec);
        const layerlab::ModelReport report =
            layerlab::inspectModel(spec.model, /*numClasses=*/10, spec.training.batchSize);
        (void)layerlab::formatLayerTable(spec.model, report);
        if (errors.empty()) {
            // A valid experiment saves and reads back as itself.
            const std::string saved = layerlab::experimentToJson(spec);
            if (layerlab::experimentToJson(layerlab::parseExperiment(saved, "again")) != saved) {
                __builtin_trap();
            }
        }
    } catch (const layerlab::SpecError&) {
    }
    return 0;
}
