// Reading a whole text file (see text_file.h).
#include "text_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace stbf::fw {

namespace {
constexpr long kMaxFileBytes = 4L << 20;  // a CCcam.cfg is kilobytes; refuse anything absurd
}  // namespace

bool read_text_file(const std::string& path, std::string* text, std::string* error) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        *error = std::strerror(errno);
        return false;
    }
    text->clear();
    char buf[8192];
    size_t n = 0;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) {
        text->append(buf, n);
        if (static_cast<long>(text->size()) > kMaxFileBytes) {
            std::fclose(f);
            *error = "file is larger than 4 MiB";
            return false;
        }
    }
    const bool failed = std::ferror(f) != 0;
    const int err = errno;
    std::fclose(f);
    if (failed) {
        *error = std::strerror(err);
        return false;
    }
    return true;
}

}  // namespace stbf::fw
