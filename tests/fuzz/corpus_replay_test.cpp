// Runs every seed of tests/fuzz/corpus through its reader, and every prefix of each seed (a
// file cut anywhere), with the fuzz targets' invariants. Catches regressions without clang.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz_targets.h"

namespace {

using Target = void (*)(const uint8_t*, size_t);

std::vector<std::string> seeds(const char* target) {
    std::vector<std::string> out;
    for (const auto& e : std::filesystem::directory_iterator(std::string(STBF_FUZZ_CORPUS) + "/" + target)) {
        std::ifstream in(e.path(), std::ios::binary);
        std::stringstream ss;
        ss << in.rdbuf();
        out.push_back(ss.str());
    }
    return out;
}

void replay(const char* target, Target fn) {
    const std::vector<std::string> all = seeds(target);
    ASSERT_GE(all.size(), 3u) << "seed corpus of " << target << " is missing";
    for (const std::string& s : all) {
        fn(reinterpret_cast<const uint8_t*>(s.data()), s.size());
        for (size_t cut = 0; cut < s.size(); ++cut) fn(reinterpret_cast<const uint8_t*>(s.data()), cut);
    }
}

TEST(CorpusReplay, CccamCfg) { replay("cccam_cfg", &stbf_fuzz::cccam_cfg); }
TEST(CorpusReplay, OscamServer) { replay("oscam_server", &stbf_fuzz::oscam_server); }
TEST(CorpusReplay, ConfigJson) { replay("config_json", &stbf_fuzz::config_json); }
TEST(CorpusReplay, WebRequest) { replay("web_request", &stbf_fuzz::web_request); }
TEST(CorpusReplay, ControlLine) { replay("control_line", &stbf_fuzz::control_line); }
TEST(CorpusReplay, AdminState) { replay("admin_state", &stbf_fuzz::admin_state); }
TEST(CorpusReplay, JsonNumber) { replay("json_number", &stbf_fuzz::json_number); }

}  // namespace
