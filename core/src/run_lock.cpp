// The one-writer lock of a run folder: see runIsBeingWritten.
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <string>
#include <utility>

#include "layerlab/errors.h"
#include "layerlab/run_recorder.h"

namespace fs = std::filesystem;

namespace layerlab {
namespace {

const char* const kLockFile = ".lock";

std::string hostName() {
    char name[256] = {};
    return ::gethostname(name, sizeof name - 1) == 0 ? std::string(name) : std::string();
}

// "host pid", as the writer left it in the lock file; empty once it ended.
std::pair<std::string, long> writerNamedIn(int fd) {
    char text[300] = {};
    const ssize_t length = ::pread(fd, text, sizeof text - 1, 0);
    std::istringstream in(std::string(text, length > 0 ? size_t(length) : 0));
    std::string host;
    long pid = 0;
    in >> host >> pid;
    return {host, pid};
}

std::string describeWriter(const std::string& host, long pid) {
    if (host.empty()) {
        return "another process";
    }
    return "process " + std::to_string(pid) +
           (host == hostName() ? std::string(" on this machine") : " on " + host);
}

// An open-file-description lock: tied to the open file like flock(), but
// testable without taking it (F_OFD_GETLK), so a look from the Runs list
// never makes a starting writer fail.
struct flock wholeFile(short type) {
    struct flock range {};
    range.l_type = type;
    range.l_whence = SEEK_SET;
    return range;
}

}  // namespace

bool runIsBeingWritten(const fs::path& directory, std::string* writer) {
    const int fd = ::open((directory / kLockFile).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return false;
    }
    struct flock probe = wholeFile(F_RDLCK);
    const bool locked = ::fcntl(fd, F_OFD_GETLK, &probe) == 0 && probe.l_type != F_UNLCK;
    const auto [host, pid] = writerNamedIn(fd);
    ::close(fd);
    const bool elsewhere = !host.empty() && host != hostName();
    if ((locked || elsewhere) && writer != nullptr) {
        *writer = describeWriter(host, pid);
        if (elsewhere && !locked) {
            *writer += " (if that run was killed, delete " + (directory / kLockFile).string() + ")";
        }
    }
    return locked || elsewhere;
}

void RunRecorder::FolderLock::acquire(const fs::path& directory) {
    fd = ::open((directory / kLockFile).c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        throw Error(directory.string() +
                    ": cannot write in the run folder: " + std::strerror(errno));
    }
    struct flock range = wholeFile(F_WRLCK);
    if (::fcntl(fd, F_OFD_SETLK, &range) != 0) {
        if (errno == EAGAIN || errno == EACCES) {
            const auto [host, pid] = writerNamedIn(fd);
            throw Error(directory.string() +
                        ": a run is already being written into this folder by " +
                        describeWriter(host, pid) + "; wait for it to end or stop it first");
        }
        return;  // no locks on this file system (some network mounts): unguarded
    }
    // Named for messages and for other machines; the lock holds without it.
    const std::string me = hostName() + " " + std::to_string(::getpid()) + "\n";
    if (::ftruncate(fd, 0) == 0) {
        const ssize_t written = ::pwrite(fd, me.data(), me.size(), 0);
        static_cast<void>(written);
    }
}

RunRecorder::FolderLock::~FolderLock() {
    if (fd >= 0) {
        // Ended: the folder no longer names a writer, for other machines.
        const int cleared = ::ftruncate(fd, 0);
        static_cast<void>(cleared);
        ::close(fd);
    }
}

}  // namespace layerlab
