#include "stbf/oscam_server.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "parse_helpers.h"
#include "stbf/grouping.h"

namespace {

using stbf::Severity;
using stbf::Status;

std::unique_ptr<stbf_test::Parsed> parse(const std::string& text) {
    return stbf_test::parse_with(&stbf::parse_oscam_server, text);
}

const char* kRealistic =
    "# oscam.server\r\n"
    "; written by a box owner\r\n"
    "[reader]\r\n"
    "label                         = provider-a-1\r\n"
    "protocol                      = cccam\r\n"
    "device                        = cs1.example.net,12000\r\n"
    "user                          = alice\r\n"
    "password                      = s3cret\r\n"
    "inactivitytimeout             = 30\r\n"
    "group                         = 1,2\r\n"
    "cccversion                    = 2.3.2\r\n"
    "\r\n"
    "[reader]\r\n"
    "label = provider-a-2\r\n"
    "Protocol = cccam_ext\r\n"
    "device = [2001:db8::7] , 12001\r\n"
    "user = alice\r\n"
    "password = s3cret\r\n"
    "fallback = 1\r\n"
    "lb_weight = 250\r\n"
    "group = 1\r\n"
    "\r\n"
    "[reader]\r\n"
    "label = nc\r\n"
    "protocol = newcamd\r\n"
    "device = 192.0.2.9,15000,0\r\n"
    "key = 0102030405060708091011121314\r\n"
    "user = bob\r\n"
    "password = pw\r\n"
    "enable = 0\r\n"
    "group = 3\r\n"
    "\r\n"
    "[reader]\r\n"
    "label = card\r\n"
    "protocol = internal\r\n"
    "device = /dev/sci0\r\n"
    "group = 4\r\n";

TEST(OscamServer, ReadsNetworkReadersAndSkipsDisabledOnesAndLocalCards) {
    auto p = parse(kRealistic);
    EXPECT_EQ(p->status, Status::Ok);
    EXPECT_EQ(p->diags->errors(), 0u);
    EXPECT_EQ(p->diags->warnings(), 0u) << p->all_text();
    ASSERT_EQ(p->config->server_count, 2);
    EXPECT_EQ(p->counts.imported, 2u);
    EXPECT_EQ(p->counts.left, 2u);  // the disabled reader and the card reader
    EXPECT_EQ(p->counts.skipped, 0u);
    const stbf::ServerConfig& a = p->config->servers[0];
    EXPECT_STREQ(a.label.c_str(), "provider-a-1");
    EXPECT_EQ(a.protocol, stbf::Protocol::Cccam);
    EXPECT_EQ(a.probe, stbf::ProbeKind::Cccam);
    EXPECT_STREQ(a.host.c_str(), "cs1.example.net");
    EXPECT_EQ(a.port, 12000);
    EXPECT_STREQ(a.user.c_str(), "alice");
    EXPECT_STREQ(a.password.c_str(), "s3cret");
    EXPECT_EQ(a.weight, 100);
    EXPECT_FALSE(a.backup);
    EXPECT_EQ(a.source.line, 3u);

    const stbf::ServerConfig& b = p->config->servers[1];
    EXPECT_STREQ(b.host.c_str(), "2001:db8::7");
    EXPECT_EQ(b.port, 12001);
    EXPECT_TRUE(b.backup);
    EXPECT_EQ(b.weight, 250);
    EXPECT_EQ(b.protocol, stbf::Protocol::Cccam);  // cccam_ext is OSCam's alias

    // a disabled reader is what OSCam skips: noted, never validated, never imported
    ASSERT_NE(p->on_line(23, Severity::Note), nullptr);

    // unused keys and the local reader are notes
    ASSERT_NE(p->on_line(9, Severity::Note), nullptr);
    EXPECT_STREQ(p->on_line(9, Severity::Note)->detail.c_str(), "inactivitytimeout");
    ASSERT_NE(p->on_line(35, Severity::Note), nullptr);
    EXPECT_NE(std::string(p->on_line(35, Severity::Note)->detail.c_str()).find("card reader"), std::string::npos);
}

TEST(OscamServer, SpansCoverTheSectionAndTheDeviceAddress) {
    const std::string text = kRealistic;
    auto p = parse(text);
    ASSERT_EQ(p->config->server_count, 2);
    const stbf::SourceSpan& s = p->spans[1];
    EXPECT_EQ(text.substr(s.addr_begin, s.addr_end - s.addr_begin), "[2001:db8::7] , 12001");
    EXPECT_EQ(text.compare(s.block_begin, 8, "[reader]"), 0);
    EXPECT_EQ(text.compare(s.block_end, 8, "[reader]"), 0);
    auto q = parse("[reader]\nprotocol = newcamd\ndevice = 192.0.2.9,15000,0\nuser = u\n"
                   "key = 0102030405060708091011121314\n");
    ASSERT_EQ(q->config->server_count, 1);
    const std::string qt = "[reader]\nprotocol = newcamd\ndevice = 192.0.2.9,15000,0\nuser = u\n";
    EXPECT_EQ(qt.substr(q->spans[0].addr_begin, q->spans[0].addr_end - q->spans[0].addr_begin),
              "192.0.2.9,15000");
}

struct BadReader {
    const char* body;  // lines after "[reader]" (line 1)
    uint32_t line;
    uint16_t column;
    const char* message_part;
};

TEST(OscamServer, EveryReaderThatCannotBeRelayedIsSkippedWithAWarningAtItsPlace) {
    const BadReader cases[] = {
        {"device = h.example,1\nuser = u\n", 1, 1, "no protocol"},
        {"protocol = cccam\nuser = u\n", 1, 1, "no device"},
        {"protocol = cccam\ndevice =\nuser = u\n", 1, 1, "no device"},
        {"protocol = cccam\ndevice = h.example,1\n", 1, 1, "no user"},
        {"protocol = ccam\ndevice = h.example,1\nuser = u\n", 2, 12, "unknown protocol"},
        {"protocol = CCcam\ndevice = h.example,1\nuser = u\n", 2, 12, "case-sensitively"},
        {"protocol = cccam\ndevice = h.example\nuser = u\n", 3, 10, "host,port"},
        {"protocol = cccam\ndevice = hostname or ip\nuser = username\n", 3, 10, "host,port"},
        {"protocol = cccam\ndevice = hostname or ip,12000\nuser = u\n", 3, 10, "placeholder"},
        {"protocol = cccam\ndevice = host,port\nuser = u\n", 3, 15, "placeholder"},
        {"protocol = cccam\ndevice = ip,port\nuser = u\n", 3, 13, "port"},
        {"protocol = cccam\ndevice = h.example, 0\nuser = u\n", 3, 21, "port"},
        {"protocol = cccam\ndevice = 2001:db8::1,1\nuser = u\n", 3, 10, "host"},
        {"protocol = newcamd\ndevice = h.example,1\nuser = u\n", 1, 1, "no key"},
        {"protocol = newcamd\ndevice = h.example,1\nuser = u\nkey = 0102\n", 5, 7, "28 hex"},
        {"protocol = cccam\ndevice = h.example,1\nuser = u\nenable = yes\n", 5, 10, "enable"},
    };
    for (const BadReader& c : cases) {
        SCOPED_TRACE(c.body);
        const auto p = parse(std::string("[reader]\n") + c.body);
        stbf_test::expect_skipped_at(*p, c.line, c.column, c.message_part);
    }
}

TEST(OscamServer, ValuesNotUsedAreWarnedAboutAndTheReaderIsImported) {
    const BadReader cases[] = {
        {"protocol = cccam\ndevice = h.example,1\nuser = u\nfallback = 2\n", 5, 12, "fallback"},
        {"protocol = cccam\ndevice = h.example,1\nuser = u\nlb_weight = 0\n", 5, 13, "lb_weight"},
        {"protocol = cccam\ndevice = h.example,1\nuser = u\ngroup = 1,x\n", 5, 11, "group"},
    };
    for (const BadReader& c : cases) {
        SCOPED_TRACE(c.body);
        const auto p = parse(std::string("[reader]\n") + c.body);
        EXPECT_EQ(p->status, Status::Ok);
        EXPECT_EQ(p->config->server_count, 1);
        const stbf::Diagnostic* d = p->on_line(c.line, Severity::Warning);
        ASSERT_NE(d, nullptr) << p->all_text();
        EXPECT_EQ(d->column, c.column);
        EXPECT_NE(std::string(d->message).find(c.message_part), std::string::npos);
    }
}

TEST(OscamServer, ProtocolTableRelaysAliasesAndLeavesUdpAndCardReadersAlone) {
    struct Case {
        const char* name;
        bool imported;
        stbf::Protocol protocol;
    } cases[] = {
        {"cccam", true, stbf::Protocol::Cccam},     {"cccam_ext", true, stbf::Protocol::Cccam},
        {"cccam_mcs", true, stbf::Protocol::Cccam}, {"newcamd", true, stbf::Protocol::Newcamd},
        {"newcamd525", true, stbf::Protocol::Newcamd},
        {"newcamd524", true, stbf::Protocol::Newcamd524},
        {"cs378x", true, stbf::Protocol::Cs378x},   {"camd35", false, stbf::Protocol::Tcp},
        {"cs357x", false, stbf::Protocol::Tcp},     {"radegast", false, stbf::Protocol::Tcp},
        {"gbox", false, stbf::Protocol::Tcp},       {"smargo", false, stbf::Protocol::Tcp},
        {"internal", false, stbf::Protocol::Tcp},   {"pcsc", false, stbf::Protocol::Tcp},
        {"constcw", false, stbf::Protocol::Tcp},    {"emu", false, stbf::Protocol::Tcp},
    };
    for (const Case& c : cases) {
        SCOPED_TRACE(c.name);
        const auto p = parse(std::string("[reader]\nprotocol = ") + c.name +
                             "\ndevice = h.example,1\nuser = u\nkey = 0102030405060708091011121314\n");
        EXPECT_EQ(p->diags->errors(), 0u);
        EXPECT_EQ(p->diags->warnings(), 0u) << p->all_text();
        ASSERT_EQ(p->config->server_count, c.imported ? 1 : 0);
        if (c.imported) {
            EXPECT_EQ(p->config->servers[0].protocol, c.protocol);
        } else {
            EXPECT_EQ(p->counts.left, 1u);
            const stbf::Diagnostic* d = p->on_line(2, Severity::Note);
            ASSERT_NE(d, nullptr);
            EXPECT_FALSE(d->detail.empty());  // says why
        }
    }
}

TEST(OscamServer, DisabledPlaceholderReaderOfAPackageDefaultIsANoteOnly) {
    auto p = parse("[reader]\nlabel = example\nenable = 0\nprotocol = cccam\n"
                   "device = hostname or ip,port\nuser = username\npassword = password\n");
    EXPECT_EQ(p->status, Status::Ok);
    EXPECT_EQ(p->diags->warnings(), 0u) << p->all_text();
    EXPECT_EQ(p->config->server_count, 0);
    EXPECT_NE(p->on_line(1, Severity::Note), nullptr);
}

TEST(OscamServer, SettingOutsideASectionAndBrokenHeaderAreSkippedLines) {
    auto p = parse("user = u\n[reader\n");
    EXPECT_EQ(p->status, Status::Ok);
    EXPECT_EQ(p->diags->errors(), 0u);
    EXPECT_NE(p->on_line(1, Severity::Warning), nullptr);
    EXPECT_NE(p->on_line(2, Severity::Warning), nullptr);
}

TEST(OscamServer, OtherSectionsAreSkippedWithANote) {
    auto p = parse("[global]\nlogfile = /tmp/x\n[reader]\nprotocol=cs378x\ndevice=h.example,1\nuser=u\n");
    EXPECT_EQ(p->status, Status::Ok);
    ASSERT_NE(p->on_line(1, Severity::Note), nullptr);
    ASSERT_EQ(p->config->server_count, 1);
    EXPECT_EQ(p->config->servers[0].protocol, stbf::Protocol::Cs378x);
    EXPECT_EQ(p->config->servers[0].probe, stbf::ProbeKind::Tcp);
    EXPECT_STREQ(p->config->servers[0].label.c_str(), "h.example:1");
}

TEST(OscamServer, RepeatedKeyWarnsAndTheLastValueCounts) {
    auto p = parse("[reader]\nprotocol=cccam\ndevice=a.example,1\ndevice=b.example,2\nuser=u\n");
    EXPECT_EQ(p->status, Status::Ok);
    EXPECT_NE(p->on_line(4, Severity::Warning), nullptr);
    ASSERT_EQ(p->config->server_count, 1);
    EXPECT_STREQ(p->config->servers[0].host.c_str(), "b.example");
}

TEST(OscamServer, EmptyValueMeansTheDefault) {
    auto p = parse("[reader]\nprotocol=cccam\ndevice=a.example,1\nuser=u\nkey =\nlb_weight=\nenable=0\nenable=\n");
    EXPECT_EQ(p->status, Status::Ok) << p->all_text();
    ASSERT_EQ(p->config->server_count, 1);
    EXPECT_FALSE(p->config->servers[0].has_key);
    EXPECT_EQ(p->config->servers[0].weight, 100);
    EXPECT_TRUE(p->config->servers[0].enabled);
}

TEST(OscamServer, SecretsNeverAppearInDiagnostics) {
    auto p = parse("[reader]\nprotocol=newcamd\ndevice=h.example,1\nuser=u\npassword=" +
                   std::string(80, 'Q') + "\nkey=ZZsecretkeyZZ\n");
    EXPECT_GE(p->diags->warnings(), 1u);
    EXPECT_EQ(p->all_text().find("QQQ"), std::string::npos);
    EXPECT_EQ(p->all_text().find("secretkey"), std::string::npos);
    auto q = parse("[reader]\npassword Zsecretpw = x\n");
    EXPECT_EQ(q->all_text().find("Zsecretpw"), std::string::npos) << q->all_text();
}

TEST(OscamServer, ManyReadersInALongFile) {
    std::string text;
    for (int i = 0; i < 60; ++i) {
        text += "[reader]\nlabel = r" + std::to_string(i) + "\nprotocol = cccam\n";
        text += "device = r" + std::to_string(i) + ".example.net," + std::to_string(10000 + i) + "\n";
        text += "user = u" + std::to_string(i % 4) + "\npassword = p\ncaid = 0100\n; note\n\n";
    }
    auto p = parse(text);
    EXPECT_EQ(p->status, Status::Ok);
    ASSERT_GT(std::count(text.begin(), text.end(), '\n'), 500);
    EXPECT_EQ(p->config->server_count, 60);
    EXPECT_EQ(p->diags->notes(), 60u);
    ASSERT_EQ(stbf::group_by_account(p->config.get(), 0, stbf::GroupConfig{}, p->diags.get()),
              Status::Ok);
    ASSERT_EQ(p->config->group_count, 4);
    for (uint8_t g = 0; g < 4; ++g) {
        const stbf::GroupConfig& gc = p->config->groups[g];
        EXPECT_EQ(gc.server_count, 15);
        EXPECT_EQ(std::string(gc.name.c_str()), "cccam-u" + std::to_string(g));
        // readers i, i+4, i+8, ... in file order
        for (uint16_t k = 0; k < gc.server_count; ++k) EXPECT_EQ(gc.servers[k], g + 4 * k);
    }
}

}  // namespace
