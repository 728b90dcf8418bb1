// Where a key of a JSON config sits: cJSON keeps no positions, so a problem found in the parsed
// tree is placed by walking the text again along the key's path. The loader (config_json.h)
// reports every error as FILE:LINE:COL with the path (e.g. groups[1].servers[0].port).
#ifndef STBF_FIRMWARE_JSON_LOCATE_H
#define STBF_FIRMWARE_JSON_LOCATE_H

#include <stddef.h>
#include <stdint.h>

#include <string>
#include <vector>

namespace stbf::fw {

/// One step of a JSON path: an object key (its n-th occurrence) or an array index.
struct JsonStep {
    std::string key;
    int index = -1;      ///< >= 0: array element
    int occurrence = 0;  ///< which of several equal keys in one object (0 = first)
};
using JsonPath = std::vector<JsonStep>;

/// "groups[1].servers[0].port"; "" for the root.
std::string path_text(const JsonPath& path);

/// Finds the byte offset of a path in JSON text that cJSON accepted. An object step lands on
/// the key's opening quote, an array step on the element. If a step cannot be followed (or a
/// key has a \u escape), the offset of the deepest step found is returned: the place is then
/// the parent's, never wrong text.
class JsonLocator {
  public:
    /// `text` must outlive the locator.
    explicit JsonLocator(const std::string& text) : t_(text) {}
    size_t find(const JsonPath& path) const;

  private:
    size_t ws(size_t p) const;
    size_t skip_string(size_t p) const;
    size_t skip_value(size_t p) const;
    size_t next_member(size_t p) const;
    bool key_equals(size_t p, const std::string& key) const;

    const std::string& t_;
};

/// 1-based line and column.
struct LineCol {
    uint32_t line = 1;
    uint32_t column = 1;
};

/// Line and column of byte `offset` of `text` (an offset past the end counts as the end).
LineCol line_col(const std::string& text, size_t offset);

/// Line and column of `path` in `text` (JsonLocator, then line_col).
LineCol locate(const std::string& text, const JsonPath& path);

}  // namespace stbf::fw

#endif  // STBF_FIRMWARE_JSON_LOCATE_H
