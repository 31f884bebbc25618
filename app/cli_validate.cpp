#include <iostream>

#include "cli_commands.h"
#include "layerlab/dataset.h"
#include "layerlab/experiment.h"
#include "layerlab/shape_inference.h"

namespace layerlab::cli {

int runValidate(const ValidateArguments& args) {
    const ExperimentSpec spec = loadExperiment(args.config);
    const auto kind = datasetKindFromId(spec.dataset);
    const int numClasses = kind ? int(datasetInfo(*kind).classNames.size()) : 10;
    const ModelReport report = inspectModel(spec.model, numClasses, spec.training.batchSize);
    std::cout << spec.name << " (" << spec.dataset << ")\n" << formatLayerTable(spec.model, report);

    const std::vector<std::string> errors = validateExperiment(spec);
    if (errors.empty()) {
        std::cout << "ok: the experiment is valid\n";
        return kExitOk;
    }
    std::cerr << args.config << ": " << errors.size() << (errors.size() == 1 ? " error" : " errors")
              << "\n";
    for (const std::string& error : errors) {
        std::cerr << "  " << error << "\n";
    }
    return kExitBadInput;
}

}  // namespace layerlab::cli
