#include "json_text.h"

#include <functional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "layerlab/errors.h"

using nlohmann::json;

namespace layerlab {
namespace {

std::pair<size_t, size_t> lineAndColumn(const std::string& text, size_t byteOffset) {
    size_t line = 1;
    size_t column = 1;
    for (size_t i = 0; i < text.size() && i + 1 < byteOffset; ++i) {
        if (text[i] == '\n') {
            ++line;
            column = 1;
        } else {
            ++column;
        }
    }
    return {line, column};
}

// JSON lets a key appear twice in one object and keeps the last. In an
// experiment that is a slip ("units": 1024 ... "units": 8) that would train
// another network than the one written, so the parser's callback watches
// every object's keys and names the first one given twice.
class DuplicateKeyFinder {
public:
    bool operator()(int, json::parse_event_t event, json& parsed) {
        using Event = json::parse_event_t;
        switch (event) {
            case Event::object_start:
            case Event::array_start:
                countArrayItem();
                m_frames.push_back({event == Event::object_start, {}, {}, -1});
                break;
            case Event::key: {
                Frame& frame = m_frames.back();
                frame.key = parsed.get<std::string>();
                if (!frame.keys.insert(frame.key).second && m_duplicate.empty()) {
                    m_duplicate = where();
                }
                break;
            }
            case Event::value:
                countArrayItem();
                break;
            case Event::object_end:
            case Event::array_end:
                m_frames.pop_back();
                break;
        }
        return true;
    }

    // "layer 5: field 'units'", "field 'training.seed'"; empty: none.
    const std::string& duplicate() const { return m_duplicate; }

private:
    struct Frame {
        bool object;
        std::set<std::string> keys;
        std::string key;  // the latest key (objects)
        int index;        // the latest item (arrays)
    };

    void countArrayItem() {
        if (!m_frames.empty() && !m_frames.back().object) {
            ++m_frames.back().index;
        }
    }

    std::string where() const {
        // Inside model.layers[i], errors name "layer i+1", as everywhere.
        if (m_frames.size() >= 4 && m_frames[0].key == "model" && m_frames[1].key == "layers" &&
            !m_frames[2].object) {
            std::string field;
            for (size_t i = 3; i < m_frames.size(); ++i) {
                field += (field.empty() ? "" : ".") +
                         (m_frames[i].object ? m_frames[i].key : std::to_string(m_frames[i].index));
            }
            return "layer " + std::to_string(m_frames[2].index + 1) + ": field '" + field + "'";
        }
        std::string field;
        for (const Frame& frame : m_frames) {
            field += frame.object ? (field.empty() ? "" : ".") + frame.key
                                  : "[" + std::to_string(frame.index) + "]";
        }
        return "field '" + field + "'";
    }

    std::vector<Frame> m_frames;
    std::string m_duplicate;
};

}  // namespace

json parseExperimentText(const std::string& text, const std::string& origin) {
    if (text.find_first_not_of(" \t\r\n") == std::string::npos) {
        throw SpecError(origin + ": the file is empty; an experiment is a JSON object");
    }
    if (const size_t nul = text.find('\0'); nul != std::string::npos) {
        throw SpecError(origin + ": this is a binary file (a zero byte at offset " +
                        std::to_string(nul) + "), not an experiment's JSON");
    }
    try {
        DuplicateKeyFinder duplicates;
        json parsed = json::parse(text, std::ref(duplicates));
        if (!duplicates.duplicate().empty()) {
            throw SpecError(origin + ": " + duplicates.duplicate() +
                            " is given twice; JSON keeps only the last one, so remove the other");
        }
        return parsed;
    } catch (const json::parse_error& e) {
        const auto [line, column] = lineAndColumn(text, e.byte);
        std::string reason = e.what();
        // nlohmann prefixes "[json.exception.parse_error.101] parse error at line 1, column 2: ".
        if (const size_t colon = reason.find(": "); colon != std::string::npos) {
            reason = reason.substr(colon + 2);
        }
        throw SpecError(origin + ":" + std::to_string(line) + ":" + std::to_string(column) +
                        ": JSON syntax error: " + reason);
    } catch (const json::out_of_range& e) {
        // A number beyond double's range, such as 1e999 (JSON has no
        // Infinity): nlohmann names the number but not where it is.
        const std::string what = e.what();
        const size_t open = what.find('\'');
        const size_t close = what.rfind('\'');
        const std::string number = open != std::string::npos && close > open
                                       ? what.substr(open + 1, close - open - 1)
                                       : "";
        std::string where = origin;
        if (const size_t at = number.empty() ? std::string::npos : text.find(number);
            at != std::string::npos) {
            const auto [line, column] = lineAndColumn(text, at + 1);
            where += ":" + std::to_string(line) + ":" + std::to_string(column);
        }
        throw SpecError(where + ": the number " + (number.empty() ? "here" : number) +
                        " is too large for any field (beyond 1.8e308)");
    }
}

}  // namespace layerlab
