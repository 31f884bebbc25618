// Internal to layerlab_core: reading the fields of one JSON object with a
// message for every fault. Used by the experiment parser only.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "layerlab/experiment.h"

namespace layerlab::json_fields {

using nlohmann::json;

// The largest size, count or limit a field may hold: far above any real
// network, and small enough that products of two stay inside int64.
constexpr int64_t kMaxInteger = 1'000'000'000;

template <typename Enum>
std::optional<Enum> enumFromString(const std::string& text, const std::vector<Enum>& values) {
    for (Enum value : values) {
        if (toString(value) == text) {
            return value;
        }
    }
    return std::nullopt;
}

template <typename Enum>
std::string choices(const std::vector<Enum>& values) {
    std::string list;
    for (Enum value : values) {
        list += (list.empty() ? "" : ", ") + toString(value);
    }
    return list;
}

inline std::string typeName(const json& value) {
    if (value.is_number_integer())
        return "an integer";
    if (value.is_number())
        return "a number";
    if (value.is_string())
        return "a string";
    if (value.is_boolean())
        return "true/false";
    if (value.is_array())
        return "a list";
    if (value.is_object())
        return "an object";
    return "null";
}

// Reads the fields of one JSON object, remembers which it consumed, and
// collects a message for each missing, mistyped, out-of-range or unknown one.
class FieldReader {
public:
    FieldReader(const json& object, std::string context, std::vector<std::string>& errors)
        : m_object(object), m_context(std::move(context)), m_errors(errors) {}

    bool has(const char* field) const { return m_object.contains(field); }

    void integer(const char* field, int& out, int minimum, bool required = false) {
        const json* value = find(field, required);
        if (value == nullptr) {
            return;
        }
        if (!value->is_number_integer()) {
            error(field, "must be an integer, got " + typeName(*value));
            return;
        }
        // A number past int64's range reads as its unsigned bits; say so
        // rather than show a negative number the user never wrote.
        if (value->is_number_unsigned() && value->get<uint64_t>() > uint64_t(kMaxInteger)) {
            error(field, "must be at most " + std::to_string(kMaxInteger) + ", got " +
                             std::to_string(value->get<uint64_t>()));
            return;
        }
        const int64_t number = value->get<int64_t>();
        if (number < minimum) {
            error(field, "must be at least " + std::to_string(minimum) + ", got " +
                             std::to_string(number));
            return;
        }
        if (number > kMaxInteger) {
            error(field, "must be at most " + std::to_string(kMaxInteger) + ", got " +
                             std::to_string(number));
            return;
        }
        out = int(number);
    }

    void integer64(const char* field, int64_t& out, int64_t minimum) {
        const json* value = find(field, false);
        if (value == nullptr) {
            return;
        }
        if (!value->is_number_integer() || value->get<int64_t>() < minimum) {
            error(field, "must be an integer of at least " + std::to_string(minimum));
            return;
        }
        out = value->get<int64_t>();
    }

    void seed(const char* field, uint64_t& out) {
        const json* value = find(field, false);
        if (value == nullptr) {
            return;
        }
        if (!value->is_number_integer() ||
            (value->is_number_integer() && !value->is_number_unsigned() &&
             value->get<int64_t>() < 0)) {
            error(field, "must be a non-negative integer");
            return;
        }
        out = value->get<uint64_t>();
    }

    void number(const char* field, double& out) {
        const json* value = find(field, false);
        if (value == nullptr) {
            return;
        }
        if (!value->is_number()) {
            error(field, "must be a number, got " + typeName(*value));
            return;
        }
        out = value->get<double>();
    }

    void boolean(const char* field, bool& out) {
        const json* value = find(field, false);
        if (value == nullptr) {
            return;
        }
        if (!value->is_boolean()) {
            error(field, "must be true or false, got " + typeName(*value));
            return;
        }
        out = value->get<bool>();
    }

    void text(const char* field, std::string& out) {
        const json* value = find(field, false);
        if (value == nullptr) {
            return;
        }
        if (!value->is_string()) {
            error(field, "must be a string, got " + typeName(*value));
            return;
        }
        out = value->get<std::string>();
    }

    template <typename Enum>
    void choice(const char* field, Enum& out, const std::vector<Enum>& values) {
        const json* value = find(field, false);
        if (value == nullptr) {
            return;
        }
        const auto parsed =
            value->is_string() ? enumFromString(value->get<std::string>(), values) : std::nullopt;
        if (!parsed) {
            error(field, "must be one of " + choices(values) + ", got " + value->dump());
            return;
        }
        out = *parsed;
    }

    const json* object(const char* field, bool required) {
        const json* value = find(field, required);
        if (value != nullptr && !value->is_object()) {
            error(field, "must be an object, got " + typeName(*value));
            return nullptr;
        }
        return value;
    }

    const json* raw(const char* field) { return find(field, false); }

    void error(const std::string& field, const std::string& message) {
        m_errors.push_back(m_context + "field '" + field + "' " + message);
    }

    const std::string& context() const { return m_context; }

    // Unknown fields are errors: a misspelt "unit" silently ignored would
    // train a different network than the user wrote.
    void rejectUnknown(std::initializer_list<const char*> alsoAllowed = {}) {
        for (const auto& item : m_object.items()) {
            const bool known = m_consumed.count(item.key()) > 0 ||
                               std::any_of(alsoAllowed.begin(), alsoAllowed.end(),
                                           [&](const char* name) { return item.key() == name; });
            if (!known) {
                m_errors.push_back(m_context + "unknown field '" + item.key() + "'");
            }
        }
    }

private:
    const json* find(const char* field, bool required) {
        m_consumed.insert(field);
        auto it = m_object.find(field);
        if (it == m_object.end()) {
            if (required) {
                m_errors.push_back(m_context + "field '" + field + "' is missing");
            }
            return nullptr;
        }
        return &*it;
    }

    const json& m_object;
    std::string m_context;
    std::vector<std::string>& m_errors;
    std::set<std::string> m_consumed;
};

}  // namespace layerlab::json_fields
