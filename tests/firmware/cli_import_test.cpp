// `stbfailover import` run as a box owner would: the real binary on files in a temp dir.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <string>

#include "temp_dir.h"

namespace {

const char* kCccam =
    "# my lines\n"
    "C: a.example 12000 alice Sup3rSecret yes\n"
    "C: b.example 12000 alice Sup3rSecret yes\n"
    "N: c.example 15000 bob Other-Pass 0102030405060708091011121314\n";

stbf_test::RunResult import(const stbf_test::TempDir& dir, const std::vector<std::string>& args) {
    std::vector<std::string> all{"import"};
    all.insert(all.end(), args.begin(), args.end());
    return stbf_test::run(STBF_BINARY, all, dir);
}

TEST(CliImport, PrintsJsonThatCheckAccepts) {
    stbf_test::TempDir dir;
    const std::string from = dir.write("CCcam.cfg", kCccam, 0600);
    auto r = import(dir, {"--from", from});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\"name\":\t\"cccam-alice\""), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"host\":\t\"b.example\""), std::string::npos);
    EXPECT_EQ(r.out.find("Sup3rSecret"), std::string::npos);
    EXPECT_EQ(r.out.find("Other-Pass"), std::string::npos);
    EXPECT_EQ(r.out.find("0102030405"), std::string::npos);
    // the printed JSON is a config of its own, with the same groups
    const std::string json = dir.write("stbfailover.json", r.out);
    auto c = stbf_test::run(STBF_BINARY, {"check", "-c", json}, dir);
    EXPECT_EQ(c.exit_code, 0) << c.err;
    EXPECT_NE(c.out.find("OK: 2 groups, 3 servers"), std::string::npos) << c.out;
    auto direct = stbf_test::run(STBF_BINARY, {"check", "-c", from}, dir);
    // the same listen ports whether the box runs the CCcam.cfg or the imported JSON
    const auto listen_of = [](const std::string& out, const std::string& group) {
        size_t at = out.find("group " + group + ": listen ");
        return at == std::string::npos ? std::string("?") : out.substr(at, out.find(',', at) - at);
    };
    EXPECT_EQ(listen_of(c.out, "cccam-alice"), listen_of(direct.out, "cccam-alice").substr(0, listen_of(c.out, "cccam-alice").size()));
}

TEST(CliImport, ListenPortBaseMovesTheDerivedPorts) {
    stbf_test::TempDir dir;
    const std::string from = dir.write("CCcam.cfg", kCccam, 0600);
    auto r = import(dir, {"--from", from, "--listen-port-base", "40000"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("\"listen_port_base\":\t40000"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("\"listen\":\t40"), std::string::npos) << r.out;
}

TEST(CliImport, SoftcamConfigIsWrittenAtomicallyWithBackup) {
    stbf_test::TempDir dir;
    const std::string from = dir.write("CCcam.cfg", kCccam, 0640);
    auto r = import(dir, {"--from", from, "--softcam-config", from});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("wrote " + from + ", old file kept as " + from + ".bak"), std::string::npos) << r.err;
    EXPECT_EQ(stbf_test::read_file(from + ".bak"), kCccam);
    const std::string now = stbf_test::read_file(from);
    EXPECT_NE(now.find("\nC: 127.0.0.1 "), std::string::npos) << now;
    EXPECT_NE(now.find(" alice Sup3rSecret yes\n#stbf# C: b.example 12000 alice Sup3rSecret yes\n"),
              std::string::npos) << now;
    // two servers of alice: two slots, two lines pointing at this box
    EXPECT_NE(now.find(" alice Sup3rSecret yes\nC: 127.0.0.1 "), std::string::npos) << now;
    EXPECT_NE(now.find("\nN: 127.0.0.1 "), std::string::npos) << now;
    struct stat st {};
    ASSERT_EQ(::stat(from.c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0777, 0640u);
    // the rewritten file's ports are the ones in the printed JSON
    const size_t at = now.find("C: 127.0.0.1 ") + 13;
    const std::string port = now.substr(at, now.find(' ', at) - at);
    EXPECT_NE(r.out.find("\"listen\":\t" + port), std::string::npos) << port << "\n" << r.out;
    // importing the rewritten file again would make stbfailover relay to itself: refused
    auto again = import(dir, {"--from", from});
    EXPECT_EQ(again.exit_code, 1);
    EXPECT_NE(again.err.find(from + ":6: error: server is stbfailover's own listen port of group (a loop"),
              std::string::npos) << again.err;
    EXPECT_NE(again.err.find(from + ":7: error: server is stbfailover's own listen port of group (a loop"),
              std::string::npos) << again.err;  // the slot 2 line too
}

TEST(CliImport, OscamServerIsRewrittenToo) {
    stbf_test::TempDir dir;
    const std::string from = dir.write("oscam.server",
                                       "[reader]\nlabel = r1\nprotocol = cccam\ndevice = a.example,12000\n"
                                       "user = u\npassword = Sup3rSecret\ngroup = 1\n", 0600);
    const std::string out = dir.file("oscam.server.new");
    auto r = import(dir, {"--from", from, "--softcam-config", out});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find("wrote " + out), std::string::npos);
    EXPECT_FALSE(std::filesystem::exists(out + ".bak"));  // nothing was there before
    const std::string text = stbf_test::read_file(out);
    EXPECT_NE(text.find("device = 127.0.0.1,"), std::string::npos) << text;
    EXPECT_NE(text.find("password = Sup3rSecret\ngroup = 1\n"), std::string::npos) << text;
}

TEST(CliImport, LinesThatCannotBeRelayedAreSkippedWithAWarningAndLeftAsTheyAre) {
    stbf_test::TempDir dir;
    const std::string from = dir.write("CCcam.cfg", "C: a.example 12000 alice pw\nC: b.example 0 alice pw\n", 0600);
    const std::string out = dir.file("softcam.cfg");
    auto r = import(dir, {"--from", from, "--softcam-config", out});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find(from + ":2:14: warning: port is a placeholder or not a port; line skipped"),
              std::string::npos) << r.err;
    const std::string written = stbf_test::read_file(out);
    EXPECT_NE(written.find("\nC: b.example 0 alice pw\n"), std::string::npos) << written;
    EXPECT_NE(written.find("C: 127.0.0.1 "), std::string::npos) << written;
}

TEST(CliImport, UnwritableTargetLeavesTheOldFileAndSaysSo) {
    stbf_test::TempDir dir;
    const std::string from = dir.write("CCcam.cfg", kCccam, 0600);
    auto r = import(dir, {"--from", from, "--softcam-config", dir.file("no/such/dir/CCcam.cfg")});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("is unchanged"), std::string::npos) << r.err;
}

TEST(CliImport, RefusesJsonAndBadUsage) {
    stbf_test::TempDir dir;
    auto j = import(dir, {"--from", dir.write("x.json", "{}")});
    EXPECT_EQ(j.exit_code, 1);
    EXPECT_NE(j.err.find("not JSON"), std::string::npos) << j.err;
    EXPECT_EQ(import(dir, {}).exit_code, 2);
    EXPECT_EQ(import(dir, {"--from", "x", "--format", "xml"}).exit_code, 2);
    EXPECT_EQ(import(dir, {"--from", "x", "--listen-port-base", "0"}).exit_code, 2);
    auto missing = import(dir, {"--from", dir.file("nope.cfg")});
    EXPECT_EQ(missing.exit_code, 1);
    EXPECT_NE(missing.err.find("cannot read"), std::string::npos);
}

}  // namespace
