// Reading a whole text file (configs, softcam files, provider list caches, admin state), with
// one size limit for all of them.
#ifndef STBF_FIRMWARE_TEXT_FILE_H
#define STBF_FIRMWARE_TEXT_FILE_H

#include <string>

namespace stbf::fw {

/// Read a whole file (at most 4 MiB). False with *error (strerror text) if it cannot be read.
bool read_text_file(const std::string& path, std::string* text, std::string* error);

}  // namespace stbf::fw

#endif  // STBF_FIRMWARE_TEXT_FILE_H
