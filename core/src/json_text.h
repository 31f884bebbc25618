// Internal to layerlab_engine: an experiment file's text as a JSON value.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace layerlab {

// Parses `text`, read from `origin` (a file name, named in messages). Throws
// SpecError for an empty or binary file, a syntax error (with its line and
// column), a number beyond double's range, or a key given twice in one
// object, which JSON would otherwise resolve silently to the last.
nlohmann::json parseExperimentText(const std::string& text, const std::string& origin);

}  // namespace layerlab
