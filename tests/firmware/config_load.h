// The config loader run on text or a file, with its messages as `check` prints them: shared by
// the tests of the loader and of its neighbours (config_writer, config_tls, config_sources).
#ifndef STBF_TESTS_FIRMWARE_CONFIG_LOAD_H
#define STBF_TESTS_FIRMWARE_CONFIG_LOAD_H

#include <memory>
#include <string>
#include <vector>

#include "config_diagnostics.h"
#include "config_json.h"

namespace stbf_test {

using stbf::fw::FileFormat;
using stbf::fw::LoadResult;

// Two accounts: alice on two hosts, bob on one.
inline const char* const kCccam =
    "C: a.example 12000 alice pw-a yes\n"
    "C: b.example 12000 alice pw-a yes\n"
    "C: c.example 13000 bob pw-b\n";

struct Loaded {
    std::unique_ptr<stbf::Config> cfg = std::make_unique<stbf::Config>();
    std::unique_ptr<stbf::Diagnostics> diags = std::make_unique<stbf::Diagnostics>();
    stbf::fw::Globals globals;
    std::vector<stbf::fw::SoftcamSource> sources;
    LoadResult result = LoadResult::Invalid;

    std::string messages() const {
        std::string s;
        for (size_t i = 0; i < diags->count(); ++i)
            s += stbf::fw::format_diagnostic(*cfg, diags->at(i)) + "\n";
        return s;
    }
    bool ok() const { return result == LoadResult::Ok; }
    bool has(const std::string& line) const { return messages().find(line) != std::string::npos; }
    const stbf::GroupConfig* group(const char* name) const {
        for (uint16_t g = 0; g < cfg->group_count; ++g)
            if (std::string(cfg->groups[g].name.c_str()) == name) return &cfg->groups[g];
        return nullptr;
    }
};

/// `allow_imports` false: every import entry is an error and no file is read.
inline std::unique_ptr<Loaded> load_text(const std::string& text,
                                         const std::string& path = "/cfg/t.json",
                                         bool allow_imports = true) {
    auto l = std::make_unique<Loaded>();
    l->result = stbf::fw::load_config_text(text, path.c_str(), FileFormat::Auto, l->cfg.get(),
                                           &l->globals, l->diags.get(), &l->sources, allow_imports);
    return l;
}

/// The main file alone (named /etc/stbfailover/t.json): no import is read.
inline std::unique_ptr<Loaded> load_main_file(const std::string& text) {
    return load_text(text, "/etc/stbfailover/t.json", false);
}

inline std::unique_ptr<Loaded> load_file(const std::string& path) {
    auto l = std::make_unique<Loaded>();
    l->result =
        stbf::fw::load_config(path.c_str(), l->cfg.get(), &l->globals, l->diags.get(), &l->sources);
    return l;
}

}  // namespace stbf_test

#endif  // STBF_TESTS_FIRMWARE_CONFIG_LOAD_H
