// `stbfailover check` run as a box owner would: the real binary on files in a temp dir.
#include <gtest/gtest.h>

#include <string>

#include "temp_dir.h"

namespace {

stbf_test::RunResult check(const stbf_test::TempDir& dir, const std::string& file,
                           const std::vector<std::string>& more = {}) {
    std::vector<std::string> args{"check", "-c", file};
    args.insert(args.end(), more.begin(), more.end());
    return stbf_test::run(STBF_BINARY, args, dir);
}

const char* kCccam =
    "# box lines\n"
    "SERVER LISTEN PORT : 12000\n"
    "C: a.example 12000 alice Sup3rSecret yes\n"
    "C: b.example 12000 alice Sup3rSecret yes\n"
    "N: c.example 15000 bob Other-Pass 0102030405060708091011121314\n"
    "F: friend FriendPass 1 0 0\n";

TEST(CliCheck, GoodCccamFilePrintsGroupsPortsAndMaskedSecrets) {
    stbf_test::TempDir dir;
    const std::string cfg = dir.write("CCcam.cfg", kCccam, 0600);
    auto r = check(dir, cfg);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find(cfg + ": OK: 2 groups, 3 servers"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("group cccam-alice: listen 127.0.0.1:"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("mode random, 2 servers"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("1. cccam a.example:12000 user alice password **** (" + cfg + ":3)"),
              std::string::npos) << r.out;
    EXPECT_NE(r.out.find("newcamd c.example:15000 user bob password **** key ****"), std::string::npos);
    EXPECT_NE(r.out.find("2 notes about skipped lines"), std::string::npos) << r.out;
    for (const char* secret : {"Sup3rSecret", "Other-Pass", "FriendPass", "0102030405"}) {
        EXPECT_EQ(r.out.find(secret), std::string::npos) << secret;
        EXPECT_EQ(r.err.find(secret), std::string::npos) << secret;
    }
    EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(CliCheck, VerboseShowsTheNotes) {
    stbf_test::TempDir dir;
    auto r = check(dir, dir.write("CCcam.cfg", kCccam, 0600), {"-v"});
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.err.find("CCcam.cfg:2:1: note: global setting is not used by stbfailover; skipped: SERVER LISTEN PORT"),
              std::string::npos) << r.err;
    EXPECT_NE(r.err.find("CCcam.cfg:6:1: note:"), std::string::npos) << r.err;
}

TEST(CliCheck, SkippedLinesAreWarningsWithFileLineColumnAndStrictMakesThemErrors) {
    stbf_test::TempDir dir;
    const std::string cfg = dir.write("CCcam.cfg",
                                      "C: a.example 12000 alice Sup3rSecret\n"
                                      "C: b.example 0 alice Sup3rSecret\n"
                                      "C: 2001:db8::1 12000 alice Sup3rSecret\n"
                                      "N: c.example 1 bob Sup3rSecret 01 02\n", 0600);
    auto r = check(dir, cfg);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find(cfg + ":2:14: warning: port is a placeholder or not a port; line skipped: "
                               "port must be a number 1..65535"),
              std::string::npos) << r.err;
    EXPECT_NE(r.err.find(cfg + ":3:4: warning: host is a placeholder or not a host; line skipped: "
                               "IPv6 address must be written in brackets"),
              std::string::npos) << r.err;
    EXPECT_NE(r.err.find(cfg + ":4:37: warning: N: line has fewer than 14 key bytes; line skipped"),
              std::string::npos) << r.err;
    EXPECT_NE(r.out.find(cfg + ": 1 imported, 3 skipped"), std::string::npos) << r.out;
    EXPECT_EQ(r.err.find("Sup3rSecret"), std::string::npos);
    EXPECT_NE(r.out.find("OK"), std::string::npos);

    auto strict = check(dir, cfg, {"--strict"});
    EXPECT_EQ(strict.exit_code, 1);
    EXPECT_NE(strict.err.find(cfg + ":2:14: error: port is a placeholder"), std::string::npos)
        << strict.err;
    EXPECT_NE(strict.err.find("3 errors"), std::string::npos) << strict.err;
    EXPECT_EQ(strict.out.find("OK"), std::string::npos);
}

TEST(CliCheck, LinkedAccountsOnTwoProtocolsAreShownTogether) {
    stbf_test::TempDir dir;
    const std::string cfg = dir.write("CCcam.cfg",
                                      "C: a.example 12000 alice pw\n"
                                      "N: a.example 15000 alice pw 0102030405060708091011121314\n",
                                      0600);
    auto r = check(dir, cfg);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("same account on newcamd (group newcamd-alice): no failover between "
                         "protocols; the softcam's fallback reader covers it"),
              std::string::npos) << r.out;
    EXPECT_NE(r.out.find("same account on cccam (group cccam-alice)"), std::string::npos) << r.out;
}

TEST(CliCheck, JsonWithImportShowsEverythingReachable) {
    stbf_test::TempDir dir;
    dir.write("oscam.server",
              "[reader]\nlabel = r1\nprotocol = cccam\ndevice = a.example,12000\nuser = u\npassword = Sup3rSecret\n"
              "[reader]\nlabel = r2\nprotocol = cccam\ndevice = [2001:db8::2],12000\nuser = u\npassword = Sup3rSecret\nfallback = 1\n",
              0600);
    const std::string json = dir.write("stbfailover.json", R"({
  "listen_port_base": 25000,
  "groups": [ { "name": "hand", "listen": 25999, "mode": "scored",
                "servers": [ { "host": "h.example", "port": 1, "protocol": "cccam" } ] } ],
  "import": [ { "file": "oscam.server" } ]
})");
    auto r = check(dir, json);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("OK: 2 groups, 3 servers"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("group hand: listen 127.0.0.1:25999, mode scored, 1 server"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("group cccam-u: listen 127.0.0.1:25"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("(derived), mode random, 2 servers"), std::string::npos) << r.out;
    EXPECT_NE(r.out.find("2. cccam [2001:db8::2]:12000 user u password **** backup (" + dir.file("oscam.server") + ":7)"),
              std::string::npos) << r.out;
    EXPECT_EQ(r.out.find("Sup3rSecret"), std::string::npos);
}

TEST(CliCheck, JsonErrorsNameTheKeyPath) {
    stbf_test::TempDir dir;
    const std::string json = dir.write("stbfailover.json",
                                       "{\n  \"groups\": [ { \"name\": \"g\",\n    \"servers\": [ { \"host\": \"h.example\", \"port\": 1, \"prot\": \"cccam\" } ] } ]\n}\n");
    auto r = check(dir, json);
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find(json + ":3:52: error: unknown key: groups[0].servers[0].prot"), std::string::npos) << r.err;
}

TEST(CliCheck, WorldReadableSecretsAreAWarningNotAFailure) {
    stbf_test::TempDir dir;
    const std::string cfg = dir.write("CCcam.cfg", kCccam, 0644);
    auto r = check(dir, cfg);
    EXPECT_EQ(r.exit_code, 0);
    EXPECT_NE(r.err.find(cfg + ": warning: file holds passwords and every user of the box can read it"),
              std::string::npos) << r.err;
}

TEST(CliCheck, MissingFileAndBadUsage) {
    stbf_test::TempDir dir;
    auto r = check(dir, dir.file("nope.json"));
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("nope.json: error: cannot read config file: No such file or directory"),
              std::string::npos) << r.err;
    auto u = stbf_test::run(STBF_BINARY, {"check", "--bogus"}, dir);
    EXPECT_EQ(u.exit_code, 2);
    EXPECT_NE(u.err.find("usage: stbfailover check"), std::string::npos);
}

TEST(CliCheck, ShippedDefaultConfigIsValid) {
    stbf_test::TempDir dir;
    auto r = check(dir, std::string(STBF_CONF_DIR) + "/stbfailover.json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
