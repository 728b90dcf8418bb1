#include "atomic_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

namespace stbf::fw {

namespace {

std::string errno_text(const char* what, const std::string& path) {
    return std::string(what) + " " + path + ": " + std::strerror(errno);
}

bool write_all(int fd, const char* data, size_t len) {
    while (len > 0) {
        ssize_t n = ::write(fd, data, len);
        if (n < 0) {
            if (errno == EINTR) continue;
            return false;
        }
        data += n;
        len -= static_cast<size_t>(n);
    }
    return true;
}

// Writes `content` into a new temporary file next to `path`; returns its name or "" on error.
std::string write_temp(const std::string& path, const std::string& content, mode_t mode,
                       const struct stat* owner, std::string* error) {
    std::vector<char> name(path.begin(), path.end());
    const char suffix[] = ".stbf-XXXXXX";
    name.insert(name.end(), suffix, suffix + sizeof suffix);  // includes the NUL
    int fd = ::mkstemp(name.data());
    if (fd < 0) {
        *error = errno_text("cannot create a temporary file next to", path);
        return "";
    }
    const std::string tmp(name.data());
    bool ok = ::fchmod(fd, mode) == 0;
    if (ok && owner != nullptr) {
        // keep the owner when we may (root); an ordinary user cannot and need not
        if (::fchown(fd, owner->st_uid, owner->st_gid) != 0 && errno != EPERM) ok = false;
    }
    ok = ok && write_all(fd, content.data(), content.size()) && ::fsync(fd) == 0;
    if (!ok) *error = errno_text("cannot write", tmp);
    if (::close(fd) != 0 && ok) {
        *error = errno_text("cannot write", tmp);
        ok = false;
    }
    if (!ok) {
        ::unlink(tmp.c_str());
        return "";
    }
    return tmp;
}

bool read_all(const std::string& path, std::string* out) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    char buf[8192];
    ssize_t n = 0;
    out->clear();
    while ((n = ::read(fd, buf, sizeof buf)) != 0) {
        if (n < 0) {
            if (errno == EINTR) continue;
            ::close(fd);
            return false;
        }
        out->append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return true;
}

void sync_dir_of(const std::string& path) {
    size_t slash = path.rfind('/');
    std::string dir = slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd >= 0) {
        ::fsync(fd);
        ::close(fd);
    }
}

}  // namespace

bool write_file_atomic(const std::string& requested, const std::string& content,
                       std::string* backup_path, std::string* error, const char* backup_suffix) {
    backup_path->clear();
    // Write where a symlink points (images link softcam configs around), not over the link.
    std::string path = requested;
    struct stat entry {};
    if (::lstat(requested.c_str(), &entry) == 0 && S_ISLNK(entry.st_mode)) {
        char* real = ::realpath(requested.c_str(), nullptr);
        if (real == nullptr) {
            *error = errno_text("cannot follow the link", requested);
            return false;
        }
        path = real;
        std::free(real);
    }
    struct stat old {};
    const bool existed = ::stat(path.c_str(), &old) == 0;
    if (existed && !S_ISREG(old.st_mode)) {
        *error = path + " is not a regular file";
        return false;
    }
    const mode_t mode = existed ? (old.st_mode & 07777) : 0600;
    const std::string tmp = write_temp(path, content, mode, existed ? &old : nullptr, error);
    if (tmp.empty()) return false;

    if (existed && backup_suffix != nullptr) {
        const std::string bak = path + backup_suffix;
        if (::unlink(bak.c_str()) != 0 && errno != ENOENT) {
            *error = errno_text("cannot replace the old backup", bak);
            ::unlink(tmp.c_str());
            return false;
        }
        if (::link(path.c_str(), bak.c_str()) != 0) {
            // e.g. a file system without hard links: copy the old content instead
            std::string old_content;
            std::string copy_error;
            std::string copy_tmp;
            if (read_all(path, &old_content))
                copy_tmp = write_temp(bak, old_content, mode, &old, &copy_error);
            if (copy_tmp.empty() || ::rename(copy_tmp.c_str(), bak.c_str()) != 0) {
                if (!copy_tmp.empty()) ::unlink(copy_tmp.c_str());
                *error = errno_text("cannot keep a backup as", bak);
                ::unlink(tmp.c_str());
                return false;
            }
        }
        *backup_path = bak;
    }
    if (::rename(tmp.c_str(), path.c_str()) != 0) {
        *error = errno_text("cannot replace", path);
        ::unlink(tmp.c_str());
        return false;
    }
    sync_dir_of(path);
    return true;
}

}  // namespace stbf::fw
