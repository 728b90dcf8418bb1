// Replacing a file so that a reader (or a power cut) sees either the old or the new content,
// never a truncated one, and the old content stays available as a backup.
#ifndef STBF_FIRMWARE_ATOMIC_FILE_H
#define STBF_FIRMWARE_ATOMIC_FILE_H

#include <string>

namespace stbf::fw {

/// Write `content` to `path` atomically: a temporary file next to it is written, flushed to
/// disk and renamed over `path`. If `path` existed, its old content is kept as `path + ".bak"`
/// (a hard link, or a copy where links are not possible; an older .bak is replaced) and the new
/// file gets the old file's mode (and owner, when allowed); a new file gets mode 0600 since
/// softcam configs hold passwords. On any failure `path` is untouched, no temporary file is
/// left behind, and false is returned with *error saying what failed. *backup_path is set to
/// the backup's name, or cleared when there was no old file. If `path` is a symlink, the file it
/// points to is replaced (the link stays a link). `backup_suffix` names the backup
/// (path + suffix); nullptr makes none (the old content is simply replaced).
bool write_file_atomic(const std::string& path, const std::string& content,
                       std::string* backup_path, std::string* error,
                       const char* backup_suffix = ".bak");

}  // namespace stbf::fw

#endif
