// The corpus of realistic softcam files (tests/parsers/corpus): package defaults with disabled
// placeholders, banners, URLs, template readers, unknown and alias protocols, camd35, 100+
// accounts, CRLF, no final newline, duplicate readers. Each FILE has FILE.expect, written with
// it: servers imported, groups, entries left alone, and every line that must carry a warning.
// The reader must import everything relayable, warn at exactly those lines, and never error.
// With a build holding fewer servers or groups than a file needs, the first ones in file order
// are kept and every extra warning names the limit.
#include <gtest/gtest.h>

#include <fstream>
#include <memory>
#include <set>
#include <sstream>
#include <string>

#include "parse_helpers.h"
#include "stbf/cccam_cfg.h"
#include "stbf/grouping.h"
#include "stbf/oscam_server.h"

namespace {

struct Expect {
    size_t imported = 0, groups = 0, left = 0;
    std::set<uint32_t> warnings;
};

std::string slurp(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

Expect expectations(const std::string& path) {
    Expect e;
    std::istringstream in(slurp(path + ".expect"));
    std::string word;
    size_t n = 0;
    while (in >> word) {
        if (word[0] == '#') {
            std::string rest;
            std::getline(in, rest);
            continue;
        }
        in >> n;
        if (word == "imported") e.imported = n;
        else if (word == "groups") e.groups = n;
        else if (word == "left") e.left = n;
        else if (word == "warning") e.warnings.insert(static_cast<uint32_t>(n));
    }
    return e;
}

void check_file(const char* name) {
    SCOPED_TRACE(name);
    const std::string path = std::string(STBF_CORPUS_DIR) + "/" + name;
    const std::string text = slurp(path);
    ASSERT_FALSE(text.empty());
    const Expect e = expectations(path);
    const bool oscam = std::string(name).find("oscam") != std::string::npos;
    auto p = stbf_test::parse_with(oscam ? &stbf::parse_oscam_server : &stbf::parse_cccam_cfg, text);
    const size_t parsed = p->config->server_count;
    const stbf::Status grouped =
        stbf::group_by_account(p->config.get(), 0, stbf::GroupConfig{}, p->diags.get(), p->spans);
    EXPECT_EQ(p->diags->errors(), 0u) << p->all_text();
    EXPECT_EQ(p->counts.left, e.left);
    const bool fits = e.imported <= STBF_DEFAULT_SERVERS && e.groups <= STBF_DEFAULT_GROUPS;
    if (fits) {
        EXPECT_EQ(p->status, stbf::Status::Ok);
        EXPECT_EQ(grouped, stbf::Status::Ok);
        EXPECT_EQ(parsed, e.imported);
        EXPECT_EQ(p->config->server_count, e.imported);
        EXPECT_EQ(p->config->group_count, e.groups);
    } else {
        EXPECT_TRUE(p->status == stbf::Status::CapacityExceeded ||
                    grouped == stbf::Status::CapacityExceeded);
        EXPECT_LE(p->config->server_count, STBF_DEFAULT_SERVERS);
        EXPECT_LE(p->config->group_count, STBF_MAX_GROUPS);
        EXPECT_GT(p->config->server_count, 0);
    }
    // kept servers stay in file order
    for (size_t i = 1; i < p->config->server_count; ++i)
        EXPECT_LT(p->config->servers[i - 1].source.line, p->config->servers[i].source.line);
    ASSERT_EQ(p->diags->dropped(), 0u) << "raise STBF_MAX_DIAGNOSTICS for this corpus";
    std::set<uint32_t> warned;
    for (size_t i = 0; i < p->diags->count(); ++i) {
        const stbf::Diagnostic& d = p->diags->at(i);
        if (d.severity != stbf::Severity::Warning) continue;
        warned.insert(d.where.line);
        if (!e.warnings.count(d.where.line)) {
            // only a build too small for the file warns elsewhere, and then names the limit
            EXPECT_FALSE(fits) << "unexpected warning at line " << d.where.line << ": " << d.message;
            EXPECT_NE(std::string(d.message).find("STBF_MAX_"), std::string::npos) << d.message;
        }
    }
    for (uint32_t line : e.warnings) EXPECT_TRUE(warned.count(line)) << "no warning at line " << line;
}

TEST(Corpus, PackageDefaultWithDisabledPlaceholdersIsNotesOnly) {
    check_file("package-default.oscam.server");
}
TEST(Corpus, OwnersMixedOscamServerWithAliasesUdpCardReadersCrlfNoFinalNewline) {
    check_file("owner-mixed.oscam.server");
}
TEST(Corpus, FreeLineCollectionWith105AccountsOn123Lines) { check_file("freelines.CCcam.cfg"); }
TEST(Corpus, SmallCrlfCccamCfgWithBrokenLines) { check_file("crlf-small.CCcam.cfg"); }

}  // namespace
