// `stbfailover setup` / `restore` / `discover` as a new user would run them: the real binary on
// fake root folders laid out like OpenPLi, OpenATV and OpenViX, with a fake softcam init script
// that records each restart.
#include "setup.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "temp_dir.h"

namespace {

namespace fs = std::filesystem;

// A fake image root: files by box path, init scripts that append "NAME ARG" to /restarts.log.
struct Box {
    stbf_test::TempDir dir;

    std::string path(const std::string& box_path) const { return dir.path() + box_path; }
    std::string write(const std::string& box_path, const std::string& content, mode_t mode = 0600) const {
        fs::create_directories(fs::path(path(box_path)).parent_path());
        return dir.write(box_path.substr(1), content, mode);
    }
    void init_script(const std::string& name) const {
        write("/etc/init.d/" + name,
              "#!/bin/sh\necho \"" + name + " $1\" >> \"$(dirname \"$0\")/../../restarts.log\"\n", 0755);
    }
    void link_softcam(const std::string& target) const {
        fs::create_symlink(target, path("/etc/init.d/softcam"));
    }
    std::string restarts() const { return stbf_test::read_file(path("/restarts.log")); }
    stbf_test::RunResult run(std::vector<std::string> args) const {
        args.push_back("--root");
        args.push_back(dir.path());
        return stbf_test::run(STBF_BINARY, args, dir);
    }
};

const char* kOscamCrlf =
    "# oscam.server of a box owner\r\n"
    "[reader]\r\n"
    "label = s1\r\n"
    "protocol = cccam\r\n"
    "device = s1.example.net,12000\r\n"
    "user = bob\r\n"
    "password = Sup3rSecret\r\n"
    "\r\n"
    "[reader]\r\n"
    "label = s2\r\n"
    "protocol = cccam_ext\r\n"
    "device = s2.example.net,12000\r\n"
    "user = bob\r\n"
    "password = Sup3rSecret\r\n"
    "\r\n"
    "[reader]\r\n"
    "label = example\r\n"
    "enable = 0\r\n"
    "protocol = cccam\r\n"
    "device = hostname or ip,port\r\n"
    "user = username\r\n"
    "\r\n"
    "[reader]\r\n"
    "label = udp\r\n"
    "protocol = camd35\r\n"
    "device = u.example.net,2000\r\n"
    "user = bob\r\n"
    "password = x";  // no final newline

// Every reader setup points at this box, by slot port.
std::vector<std::string> local_ports(const std::string& text) {
    std::vector<std::string> ports;
    for (size_t at = text.find("127.0.0.1"); at != std::string::npos; at = text.find("127.0.0.1", at + 1)) {
        size_t b = at + 10, e = b;
        while (e < text.size() && isdigit(static_cast<unsigned char>(text[e]))) ++e;
        ports.push_back(text.substr(b, e - b));
    }
    return ports;
}

TEST(Setup, OpenPliOscamRoundTripKeepsCrlfAndEverythingElseAndRestartsTheImageWay) {
    Box box;
    const std::string file = box.write("/etc/tuxbox/config/oscam/oscam.server", kOscamCrlf);
    box.write("/etc/stbfailover/stbfailover.json", "{ \"//\": \"package default\" }\n", 0644);
    box.init_script("softcam.oscam");
    box.init_script("softcam.None");
    box.link_softcam("softcam.oscam");

    auto dry = box.run({"setup", "--dry-run"});
    ASSERT_EQ(dry.exit_code, 0) << dry.err;
    EXPECT_NE(dry.out.find("-device = s1.example.net,12000\n+device = 127.0.0.1,"), std::string::npos) << dry.out;
    EXPECT_NE(dry.out.find("nothing written"), std::string::npos);
    EXPECT_EQ(stbf_test::read_file(file), kOscamCrlf);
    EXPECT_FALSE(fs::exists(box.path("/restarts.log")));

    auto r = box.run({"setup"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(box.restarts(), "softcam.oscam restart\n");
    EXPECT_NE(r.out.find("restarted the softcam: " + box.path("/etc/init.d/softcam") + " restart"),
              std::string::npos) << r.out;
    const std::string now = stbf_test::read_file(file);
    EXPECT_EQ(stbf_test::read_file(file + ".stbf-backup"), kOscamCrlf);
    // CRLF everywhere, header included; no bare "\n"
    for (size_t i = 0; i < now.size(); ++i)
        if (now[i] == '\n') {
            ASSERT_TRUE(i > 0 && now[i - 1] == '\r') << "bare LF at " << i;
        }
    // two slots: two readers pointing here, the second a fallback; the alternative commented
    const std::vector<std::string> ports = local_ports(now);
    ASSERT_EQ(ports.size(), 2u) << now;
    EXPECT_NE(ports[0], ports[1]);
    EXPECT_NE(now.find("label = s1_slot2\r\n"), std::string::npos) << now;
    EXPECT_NE(now.find("fallback = 1\r\nccckeepalive = 1\r\n"), std::string::npos) << now;
    EXPECT_NE(now.find("#stbf# device = s2.example.net,12000\r\n"), std::string::npos) << now;
    // what the softcam does not use stays exactly as it was
    EXPECT_NE(now.find("label = example\r\nenable = 0\r\nprotocol = cccam\r\ndevice = hostname or ip,port\r\n"),
              std::string::npos);
    EXPECT_NE(now.find("protocol = camd35\r\ndevice = u.example.net,2000\r\nuser = bob\r\npassword = x"),
              std::string::npos);
    // the daemon's config holds the servers themselves and serves exactly those ports
    const std::string json = box.path("/etc/stbfailover/stbfailover.json");
    EXPECT_EQ(stbf_test::read_file(json + ".stbf-backup"), "{ \"//\": \"package default\" }\n");
    EXPECT_EQ(stbf_test::read_file(json).find("import"), std::string::npos);
    EXPECT_EQ(stbf_test::read_file(json).find("Sup3rSecret"), std::string::npos);
    auto check = stbf_test::run(STBF_BINARY, {"check", "-c", json}, box.dir);
    ASSERT_EQ(check.exit_code, 0) << check.err;
    EXPECT_NE(check.out.find("2 slots on ports " + ports[0] + ", " + ports[1]), std::string::npos) << check.out;
    EXPECT_NE(check.out.find("s1.example.net:12000"), std::string::npos);
    EXPECT_NE(check.out.find("s2.example.net:12000"), std::string::npos);

    // twice is safe
    auto again = box.run({"setup"});
    EXPECT_EQ(again.exit_code, 0) << again.err;
    EXPECT_NE(again.out.find("already set up"), std::string::npos);
    EXPECT_EQ(stbf_test::read_file(file), now);
    EXPECT_EQ(box.restarts(), "softcam.oscam restart\n");

    auto restore = box.run({"restore"});
    ASSERT_EQ(restore.exit_code, 0) << restore.err;
    EXPECT_EQ(stbf_test::read_file(file), kOscamCrlf);
    EXPECT_FALSE(fs::exists(file + ".stbf-backup"));
    EXPECT_FALSE(fs::exists(stbf::fw::setup_state_path(box.dir.path())));
    EXPECT_EQ(stbf_test::read_file(json), "{ \"//\": \"package default\" }\n");
    EXPECT_EQ(box.restarts(), "softcam.oscam restart\nsoftcam.oscam restart\n");
    auto nothing = box.run({"restore"});
    EXPECT_EQ(nothing.exit_code, 0);
    EXPECT_NE(nothing.out.find("nothing to restore"), std::string::npos);
}

TEST(Setup, OpenAtvTakesTheRunningOscamsConfigDirAndItsOwnScriptWithoutTheLink) {
    Box box;
    // OpenATV: oscam.server in /etc/tuxbox/config/, a CCcam.cfg lying around too
    box.write("/etc/CCcam.cfg", "C: c.example.net 12000 carol pw\n");
    box.write("/etc/tuxbox/config/oscam.server", "[reader]\nprotocol = cccam\ndevice = x.example,1\nuser = x\n");
    const std::string file = box.write("/etc/tuxbox/config/oscam-trunk/oscam.server",
                                       "[reader]\nlabel = a\nprotocol = cccam\ndevice = a.example.net,12000\n"
                                       "user = u\npassword = p\n");
    box.write("/tmp/.oscam/oscam.version",
              "Version:        oscam-1.20\nConfigDir:      /etc/tuxbox/config/oscam-trunk/\n");
    box.init_script("softcam.oscam-trunk");
    auto d = box.run({"discover"});
    ASSERT_EQ(d.exit_code, 0);
    EXPECT_EQ(d.out.substr(0, d.out.find('\n')), file + "\toscam\toscam\trunning");
    EXPECT_NE(d.out.find(box.path("/etc/CCcam.cfg") + "\tcccam\tcccam\tfound"), std::string::npos);
    EXPECT_NE(d.out.find(box.path("/etc/tuxbox/config/oscam.server")), std::string::npos);

    auto r = box.run({"setup"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.out.find("the running oscam reads it"), std::string::npos) << r.out;
    EXPECT_EQ(box.restarts(), "softcam.oscam-trunk restart\n");
    EXPECT_NE(stbf_test::read_file(file).find("device = 127.0.0.1,"), std::string::npos);
    EXPECT_EQ(stbf_test::read_file(box.path("/etc/CCcam.cfg")), "C: c.example.net 12000 carol pw\n");
    // one server: one slot, one reader
    EXPECT_EQ(local_ports(stbf_test::read_file(file)).size(), 1u);
    ASSERT_EQ(box.run({"restore"}).exit_code, 0);
    EXPECT_EQ(stbf_test::read_file(file).find("127.0.0.1"), std::string::npos);
}

TEST(Setup, OpenVixCccamCfgRoundTripAndRestoreRefusesAChangedFile) {
    Box box;
    const std::string original =
        "____ MY SERVER CONF ____\n"
        "C: s1.example.net 12000 bob pw yes\n"
        "C: s2.example.net 12000 bob pw yes\n"
        "N: s1.example.net 15000 bob pw 0102030405060708091011121314 256\n"
        "http://example.net/free-lines\n";
    const std::string file = box.write("/etc/CCcam.cfg", original);
    box.init_script("softcam.CCcam");
    box.init_script("stbfailover");
    box.link_softcam("softcam.CCcam");
    auto r = box.run({"setup"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_NE(r.err.find(":1:1: warning: not a CCcam.cfg line"), std::string::npos) << r.err;
    const std::string now = stbf_test::read_file(file);
    EXPECT_EQ(local_ports(now).size(), 3u) << now;  // 2 cccam slots + 1 newcamd
    EXPECT_NE(now.find("#stbf# C: s2.example.net 12000 bob pw yes\n"), std::string::npos) << now;
    EXPECT_NE(now.find(" bob pw 0102030405060708091011121314 256\n"), std::string::npos);
    EXPECT_NE(now.find("____ MY SERVER CONF ____\n"), std::string::npos);
    // stbfailover serves the new ports before the softcam is sent to them
    EXPECT_EQ(box.restarts(), "stbfailover restart\nsoftcam.CCcam restart\n");
    // the check linked the two protocols of one account
    auto check = stbf_test::run(STBF_BINARY, {"check", "-c", box.path("/etc/stbfailover/stbfailover.json")}, box.dir);
    EXPECT_NE(check.out.find("same account on newcamd"), std::string::npos) << check.out;

    // the box owner edits the rewritten file: restore refuses, names the reason, changes nothing
    box.write("/etc/CCcam.cfg", now + "C: new.example 1 me pw\n");
    auto refused = box.run({"restore"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("was changed since stbfailover setup wrote it"), std::string::npos) << refused.err;
    EXPECT_EQ(stbf_test::read_file(file), now + "C: new.example 1 me pw\n");
    // setup refuses too, rather than stacking a second rewrite
    EXPECT_EQ(box.run({"setup"}).exit_code, 1);
    auto forced = box.run({"restore", "--force"});
    ASSERT_EQ(forced.exit_code, 0) << forced.err;
    EXPECT_EQ(stbf_test::read_file(file), original);
    EXPECT_EQ(stbf_test::read_file(file + ".stbf-changed"), now + "C: new.example 1 me pw\n");
    // restore: the softcam leaves the local ports first, then stbfailover restarts
    EXPECT_EQ(box.restarts(), "stbfailover restart\nsoftcam.CCcam restart\nsoftcam.CCcam restart\n"
                              "stbfailover restart\n");
}

TEST(Setup, OpenPliRestoreForceGivesTheBackupBackAndKeepsTheOwnersEditBesideIt) {
    Box box;
    const std::string file = box.write("/etc/tuxbox/config/oscam/oscam.server", kOscamCrlf);
    box.init_script("softcam.oscam");
    box.init_script("stbfailover");
    box.link_softcam("softcam.oscam");
    ASSERT_EQ(box.run({"setup"}).exit_code, 0);
    const std::string edited = stbf_test::read_file(file) + "# the box owner was here\r\n";
    box.write("/etc/tuxbox/config/oscam/oscam.server", edited);
    auto refused = box.run({"restore"});
    EXPECT_EQ(refused.exit_code, 1);
    EXPECT_NE(refused.err.find("restore --force"), std::string::npos) << "names the way out";
    // a dry run shows what --force would put back and touches nothing
    auto dry = box.run({"restore", "--force", "--dry-run"});
    EXPECT_EQ(dry.exit_code, 0) << dry.err;
    EXPECT_NE(dry.out.find("dry run: nothing written"), std::string::npos) << dry.out;
    EXPECT_EQ(stbf_test::read_file(file), edited);
    EXPECT_FALSE(fs::exists(file + ".stbf-changed"));
    EXPECT_EQ(box.restarts(), "stbfailover restart\nsoftcam.oscam restart\n");

    auto forced = box.run({"restore", "--force"});
    ASSERT_EQ(forced.exit_code, 0) << forced.err;
    EXPECT_EQ(stbf_test::read_file(file), kOscamCrlf);
    EXPECT_EQ(stbf_test::read_file(file + ".stbf-changed"), edited);
    EXPECT_NE(forced.out.find("your changed version is kept as " + file + ".stbf-changed"),
              std::string::npos) << forced.out;
    EXPECT_FALSE(fs::exists(file + ".stbf-backup"));
    EXPECT_EQ(box.restarts(), "stbfailover restart\nsoftcam.oscam restart\nsoftcam.oscam restart\n"
                              "stbfailover restart\n");
    EXPECT_EQ(box.run({"restore", "--force"}).exit_code, 0) << "nothing left to restore";
    EXPECT_EQ(stbf_test::read_file(file), kOscamCrlf);

    // the rewritten file deleted by the owner: --force puts the original back, nothing to keep
    ASSERT_EQ(box.run({"setup"}).exit_code, 0);
    fs::remove(file);
    fs::remove(file + ".stbf-changed");
    EXPECT_EQ(box.run({"restore"}).exit_code, 1);
    auto gone = box.run({"restore", "--force"});
    ASSERT_EQ(gone.exit_code, 0) << gone.err;
    EXPECT_EQ(stbf_test::read_file(file), kOscamCrlf);
    EXPECT_FALSE(fs::exists(file + ".stbf-changed"));
}

TEST(Setup, NcamAndNothingToRelayAndNoConfigAtAll) {
    Box none;
    auto r = none.run({"setup"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("no softcam config found"), std::string::npos);
    EXPECT_EQ(none.run({"discover"}).exit_code, 1);

    Box ncam;
    const std::string file = ncam.write("/etc/tuxbox/config/ncam/ncam.server",
                                        "[reader]\nlabel = a\nprotocol = smargo\ndevice = /dev/ttyUSB0\n");
    ncam.init_script("softcam.ncam");
    auto nothing = ncam.run({"setup"});
    EXPECT_EQ(nothing.exit_code, 1);
    EXPECT_NE(nothing.err.find("nothing stbfailover can relay"), std::string::npos) << nothing.err;
    EXPECT_FALSE(fs::exists(ncam.path("/restarts.log")));
    ncam.write("/etc/tuxbox/config/ncam/ncam.server",
               "[reader]\nlabel = a\nprotocol = newcamd\ndevice = n.example,15000\nuser = u\n"
               "key = 0102030405060708091011121314\n");
    auto ok = ncam.run({"setup"});
    ASSERT_EQ(ok.exit_code, 0) << ok.err;
    EXPECT_NE(stbf_test::read_file(file).find("inactivitytimeout = -1\n"), std::string::npos);
    EXPECT_EQ(ncam.restarts(), "softcam.ncam restart\n");
}

TEST(Setup, WithoutAnyInitScriptTheFilesAreWrittenAndExitThreeSaysRestartByHand) {
    Box box;
    box.write("/etc/CCcam.cfg", "C: a.example 1 u p\n");
    auto r = box.run({"setup"});
    EXPECT_EQ(r.exit_code, 3);
    EXPECT_NE(r.err.find("restart the softcam yourself"), std::string::npos) << r.err;
    EXPECT_NE(stbf_test::read_file(box.path("/etc/CCcam.cfg")).find("127.0.0.1"), std::string::npos);
}

TEST(Setup, DefaultConfigDiscoversButNeverImportsAFileSetupRewrote) {
    // The loop the old README produced: the default config imported the softcam file that
    // import had just pointed at stbfailover. Discovery skips a rewritten file with a note.
    Box box;
    box.write("/etc/CCcam.cfg", "C: a.example 12000 u p\nC: b.example 12000 u p\n");
    const std::string json = box.write("/etc/stbfailover/default.json",
                                       "{ \"import\": [ { \"discover\": \"" + box.dir.path() + "\" } ] }\n");
    auto before = stbf_test::run(STBF_BINARY, {"check", "-c", json}, box.dir);
    ASSERT_EQ(before.exit_code, 0) << before.err;
    EXPECT_NE(before.out.find("OK: 1 group, 2 servers"), std::string::npos) << before.out;
    ASSERT_EQ(box.run({"setup"}).exit_code, 3);  // no init script here
    auto after = stbf_test::run(STBF_BINARY, {"check", "-c", json, "-v"}, box.dir);
    EXPECT_EQ(after.exit_code, 0) << after.err;
    EXPECT_NE(after.err.find("rewritten by stbfailover setup; not imported again"), std::string::npos) << after.err;
    EXPECT_EQ(after.err.find("a loop"), std::string::npos) << after.err;
}

TEST(Setup, WhenStbfailoverDoesNotRestartEverythingGoesBackAndTheSoftcamIsLeftAlone) {
    Box box;
    const std::string original = "C: a.example 1 u p\n";
    const std::string file = box.write("/etc/CCcam.cfg", original);
    box.write("/etc/stbfailover/stbfailover.json", "{}\n");
    box.write("/etc/init.d/stbfailover", "#!/bin/sh\necho \"stbfailover $1\" >> \"$(dirname \"$0\")/../../restarts.log\"\nexit 1\n", 0755);
    box.init_script("softcam.CCcam");
    box.link_softcam("softcam.CCcam");
    auto r = box.run({"setup"});
    EXPECT_EQ(r.exit_code, 1);
    EXPECT_NE(r.err.find("did not restart with the new config"), std::string::npos) << r.err;
    EXPECT_EQ(stbf_test::read_file(file), original);
    EXPECT_EQ(stbf_test::read_file(box.path("/etc/stbfailover/stbfailover.json")), "{}\n");
    EXPECT_FALSE(fs::exists(stbf::fw::setup_state_path(box.dir.path())));
    EXPECT_EQ(box.restarts(), "stbfailover restart\nstbfailover restart\n");  // no softcam restart
}

TEST(Setup, KeepsTheDaemonSettingsOfTheConfigItReplaces) {
    Box box;
    const std::string file = box.write("/etc/CCcam.cfg", "C: a.example 1 u p\nC: b.example 2 u p\n");
    box.write("/etc/stbfailover/stbfailover.json",
              "{ \"control_socket\": \"/run/stbf-test.sock\", \"log_level\": \"debug\", "
              "\"listen_port_base\": 31000 }\n");
    ASSERT_EQ(box.run({"setup"}).exit_code, 3);  // no init scripts in this root
    const std::string json = stbf_test::read_file(box.path("/etc/stbfailover/stbfailover.json"));
    EXPECT_NE(json.find("/run/stbf-test.sock"), std::string::npos) << json;
    EXPECT_NE(json.find("\"debug\""), std::string::npos) << json;
    const std::vector<std::string> ports = local_ports(stbf_test::read_file(file));
    ASSERT_EQ(ports.size(), 2u);
    for (const std::string& p : ports) {
        EXPECT_GE(std::stoi(p), 31000);
        EXPECT_LT(std::stoi(p), 32000);
    }
}

TEST(Setup, LineDiffShowsOnlyWhatChanged) {
    EXPECT_EQ(stbf::fw::line_diff("a\nb\n", "a\nb\n", "f"), "");
    EXPECT_EQ(stbf::fw::line_diff("a\nb\nc\n", "a\nB\nc\nd\n", "f"),
              "--- f\n+++ f (after)\n@@ line 2 @@\n-b\n+B\n@@ line 4 @@\n+d\n");
}

}  // namespace
