// Config diagnostics as text (config_diagnostics.h): FILE:LINE:COL as far as it is known, and
// printed in file and line order whatever order they were found in.
#include "config_diagnostics.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>

namespace stbf::fw {
namespace {

std::unique_ptr<Config> two_files() {
    std::unique_ptr<Config> c(new Config);
    c->files[0].assign("/etc/stbfailover/stbfailover.json");
    c->files[1].assign("/etc/CCcam.cfg");
    c->file_count = 2;
    return c;
}

Diagnostic make(SourceRef where, uint16_t column, Severity severity, const char* message,
                const char* detail = "") {
    Diagnostic d;
    d.where = where;
    d.column = column;
    d.severity = severity;
    d.message = message;
    d.detail.assign(detail);
    return d;
}

TEST(ConfigDiagnostics, PlaceIsAsPreciseAsKnown) {
    auto c = two_files();
    EXPECT_EQ(format_diagnostic(*c, make(SourceRef{0, 3}, 7, Severity::Error, "bad", "groups[0]")),
              "/etc/stbfailover/stbfailover.json:3:7: error: bad: groups[0]");
    EXPECT_EQ(format_diagnostic(*c, make(SourceRef{1, 12}, 0, Severity::Warning, "odd")),
              "/etc/CCcam.cfg:12: warning: odd");
    EXPECT_EQ(format_diagnostic(*c, make(SourceRef{1, 0}, 4, Severity::Note, "skipped")),
              "/etc/CCcam.cfg: note: skipped");
    EXPECT_EQ(format_diagnostic(*c, make(SourceRef{5, 1}, 1, Severity::Error, "lost")),
              "?:1:1: error: lost");
}

std::string printed(const Config& c, const Diagnostics& d, bool notes, size_t* lines) {
    std::FILE* f = std::tmpfile();
    *lines = print_diagnostics(f, c, d, notes);
    std::string out(static_cast<size_t>(std::ftell(f)), '\0');
    std::rewind(f);
    out.resize(std::fread(&out[0], 1, out.size(), f));
    std::fclose(f);
    return out;
}

TEST(ConfigDiagnostics, PrintedByFileLineAndColumnNotesOnlyIfAsked) {
    auto c = two_files();
    std::unique_ptr<Diagnostics> d(new Diagnostics);
    d->add(Severity::Error, SourceRef{1, 2}, 0, "second file");
    d->add(Severity::Note, SourceRef{0, 9}, 0, "a note");
    d->add(Severity::Error, SourceRef{0, 4}, 8, "later column");
    d->add(Severity::Warning, SourceRef{0, 4}, 2, "earlier column");
    size_t lines = 0;
    EXPECT_EQ(printed(*c, *d, false, &lines),
              "/etc/stbfailover/stbfailover.json:4:2: warning: earlier column\n"
              "/etc/stbfailover/stbfailover.json:4:8: error: later column\n"
              "/etc/CCcam.cfg:2: error: second file\n");
    EXPECT_EQ(lines, 3u);
    EXPECT_NE(printed(*c, *d, true, &lines).find(":9: note: a note\n"), std::string::npos);
    EXPECT_EQ(lines, 4u);
}

TEST(ConfigDiagnostics, MessagesNotKeptAreCounted) {
    auto c = two_files();
    std::unique_ptr<Diagnostics> d(new Diagnostics);
    for (int i = 0; i < STBF_MAX_DIAGNOSTICS + 3; ++i)
        d->add(Severity::Error, SourceRef{0, static_cast<uint32_t>(i + 1)}, 0, "x");
    size_t lines = 0;
    const std::string out = printed(*c, *d, false, &lines);
    EXPECT_EQ(lines, size_t{STBF_MAX_DIAGNOSTICS});
    EXPECT_NE(out.find("(3 more messages not kept)\n"), std::string::npos);
}

}  // namespace
}  // namespace stbf::fw
