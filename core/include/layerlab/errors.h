#pragma once

#include <stdexcept>
#include <string>

namespace layerlab {

// Every error that a user can cause (a bad file, a bad experiment, a bad
// checkpoint) is one of these, with a message that names the file, layer or
// field and says what is wrong. Callers show `what()` as it is.
class Error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

// A dataset file that is missing, malformed or inconsistent.
class DataError : public Error {
public:
    using Error::Error;
};

// An experiment that cannot be parsed or describes an impossible network.
class SpecError : public Error {
public:
    using Error::Error;
};

// A checkpoint that cannot be read or does not fit the experiment.
class CheckpointError : public Error {
public:
    using Error::Error;
};

// A run that cannot go on: non-finite loss, device out of memory, ...
class TrainingError : public Error {
public:
    using Error::Error;
};

}  // namespace layerlab
