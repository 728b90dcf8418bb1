#include "stbf/grouping.h"

#include <gtest/gtest.h>

#include <memory>
#include <set>
#include <string>

namespace {

using stbf::Protocol;
using stbf::Status;

stbf::ServerConfig server(Protocol p, const char* host, uint16_t port, const char* user,
                          const char* pass, uint8_t key0 = 0) {
    stbf::ServerConfig s;
    s.protocol = p;
    s.host.assign(host);
    s.port = port;
    s.user.assign(user);
    s.password.assign(pass);
    if (p == Protocol::Newcamd || p == Protocol::Newcamd524) {
        s.has_key = true;
        s.des_key[0] = key0;
    }
    return s;
}

struct Fixture {
    std::unique_ptr<stbf::Config> cfg = std::make_unique<stbf::Config>();
    std::unique_ptr<stbf::Diagnostics> diags = std::make_unique<stbf::Diagnostics>();
    void add(const stbf::ServerConfig& s) { cfg->servers[cfg->server_count++] = s; }
};

TEST(Protocols, NamesRoundTripAndDefaultProbes) {
    for (Protocol p : {Protocol::Tcp, Protocol::Cccam, Protocol::Newcamd, Protocol::Newcamd524,
                       Protocol::Cs378x, Protocol::Camd35}) {
        Protocol back = Protocol::Tcp;
        const char* name = stbf::protocol_name(p);
        ASSERT_TRUE(stbf::protocol_from_name(name, std::string(name).size(), &back));
        EXPECT_EQ(back, p);
    }
    Protocol p = Protocol::Tcp;
    EXPECT_TRUE(stbf::protocol_from_name("NewCamd525", 10, &p));
    EXPECT_EQ(p, Protocol::Newcamd);
    EXPECT_FALSE(stbf::protocol_from_name("cccamx", 6, &p));
    EXPECT_EQ(stbf::default_probe(Protocol::Cccam), stbf::ProbeKind::Cccam);
    EXPECT_EQ(stbf::default_probe(Protocol::Newcamd524), stbf::ProbeKind::Newcamd);
    EXPECT_EQ(stbf::default_probe(Protocol::Cs378x), stbf::ProbeKind::Tcp);
}

TEST(Grouping, SameFamilyUserPasswordAndKeyMakeOneGroup) {
    Fixture f;
    f.add(server(Protocol::Cccam, "a.example", 1, "alice", "pw"));
    f.add(server(Protocol::Cccam, "b.example", 2, "alice", "pw"));
    f.add(server(Protocol::Cccam, "c.example", 3, "alice", "other"));    // other password
    f.add(server(Protocol::Newcamd, "d.example", 4, "alice", "pw", 1));  // other family
    f.add(server(Protocol::Newcamd, "e.example", 5, "alice", "pw", 1));  // same family
    f.add(server(Protocol::Newcamd, "f.example", 6, "alice", "pw", 2));  // other key
    stbf::GroupConfig settings;
    settings.mode = stbf::Mode::Scored;
    settings.health.rise = 5;
    ASSERT_EQ(stbf::group_by_account(f.cfg.get(), 0, settings, f.diags.get()), Status::Ok);
    ASSERT_EQ(f.cfg->group_count, 4);
    const stbf::GroupConfig* g = f.cfg->groups;
    EXPECT_EQ(g[0].server_count, 2);
    EXPECT_EQ(g[0].servers[1], 1);
    EXPECT_STREQ(g[0].name.c_str(), "cccam-alice");
    EXPECT_STREQ(g[1].name.c_str(), "cccam-alice-2");
    EXPECT_EQ(g[2].server_count, 2);
    EXPECT_EQ(g[2].servers[0], 3);
    EXPECT_EQ(g[2].servers[1], 4);
    EXPECT_STREQ(g[2].name.c_str(), "newcamd-alice");
    EXPECT_EQ(g[3].server_count, 1);
    EXPECT_EQ(g[0].mode, stbf::Mode::Scored);
    EXPECT_EQ(g[0].health.rise, 5);
    EXPECT_NE(g[0].identity, g[1].identity);
    EXPECT_NE(g[2].identity, g[3].identity);
}

TEST(Grouping, WireVariantsNeverShareAGroup) {
    // newcamd524 and newcamd(525) differ on the wire: a softcam's newcamd524 reader must never
    // be relayed to a newcamd525 server of the same account
    Fixture f;
    f.add(server(Protocol::Newcamd, "a.example", 1, "alice", "pw", 1));
    f.add(server(Protocol::Newcamd524, "b.example", 2, "alice", "pw", 1));
    f.add(server(Protocol::Newcamd, "c.example", 3, "alice", "pw", 1));
    ASSERT_EQ(stbf::group_by_account(f.cfg.get(), 0, stbf::GroupConfig{}, f.diags.get()), Status::Ok);
    ASSERT_EQ(f.cfg->group_count, 2);
    EXPECT_EQ(f.cfg->groups[0].server_count, 2);
    EXPECT_EQ(f.cfg->groups[1].server_count, 1);
    EXPECT_STREQ(f.cfg->groups[1].name.c_str(), "newcamd524-alice");
    EXPECT_NE(f.cfg->groups[0].identity, f.cfg->groups[1].identity);
}

TEST(Grouping, SameLineTwiceIsAWarning) {
    Fixture f;
    f.add(server(Protocol::Cccam, "a.example", 1, "u", "p"));
    f.add(server(Protocol::Cccam, "A.EXAMPLE", 1, "u", "p"));
    EXPECT_EQ(stbf::group_by_account(f.cfg.get(), 0, stbf::GroupConfig{}, f.diags.get()), Status::Ok);
    EXPECT_EQ(f.diags->warnings(), 1u);
}

TEST(Grouping, MoreAccountsThanTheCapacityKeepsTheFirstInFileOrder) {
    Fixture f;
    stbf::SourceSpan spans[STBF_MAX_SERVERS];
    // account i on line i+1; the extra accounts sit between lines of account 0
    const size_t n = STBF_DEFAULT_GROUPS + 2;
    ASSERT_LT(n + 2, static_cast<size_t>(STBF_MAX_SERVERS));
    for (size_t i = 0; i < n; ++i) {
        stbf::ServerConfig s = server(Protocol::Cccam, "a.example", 1, ("u" + std::to_string(i)).c_str(), "p");
        s.source.line = static_cast<uint32_t>(i + 1);
        spans[f.cfg->server_count].block_begin = i + 1;
        f.add(s);
    }
    stbf::ServerConfig again = server(Protocol::Cccam, "b.example", 2, "u0", "p");
    again.source.line = static_cast<uint32_t>(n + 1);
    spans[f.cfg->server_count].block_begin = n + 1;
    f.add(again);
    EXPECT_EQ(stbf::group_by_account(f.cfg.get(), 0, stbf::GroupConfig{}, f.diags.get(), spans),
              Status::CapacityExceeded);
    EXPECT_EQ(f.cfg->group_count, STBF_DEFAULT_GROUPS);
    EXPECT_EQ(f.diags->errors(), 0u);
    EXPECT_EQ(f.diags->warnings(), 2u);
    // the two accounts that did not fit are gone from the server table; the later server of
    // account 0 moved down with its span, so spans still match servers
    ASSERT_EQ(f.cfg->server_count, STBF_DEFAULT_GROUPS + 1);
    for (size_t i = 0; i < f.cfg->server_count; ++i)
        EXPECT_EQ(spans[i].block_begin, f.cfg->servers[i].source.line);
    EXPECT_EQ(f.cfg->groups[0].server_count, 2);
    EXPECT_EQ(f.cfg->servers[f.cfg->groups[0].servers[1]].port, 2);
    for (size_t i = 0; i < f.diags->count(); ++i)
        EXPECT_NE(std::string(f.diags->at(i).message).find("capacity.groups"), std::string::npos);
}

std::string ports_by_name(const stbf::Config& cfg) {
    std::string s;
    for (uint16_t g = 0; g < cfg.group_count; ++g)
        s += std::string(cfg.groups[g].name.c_str()) + "=" + std::to_string(cfg.groups[g].listen_port) + " ";
    return s;
}

TEST(ListenPorts, StableWhateverTheOrderOfLines) {
    const char* users[] = {"a", "b", "c", "d", "e"};
    Fixture f1, f2;
    for (int i = 0; i < 5; ++i) f1.add(server(Protocol::Cccam, "h.example", 1, users[i], "p"));
    for (int i = 4; i >= 0; --i) f2.add(server(Protocol::Cccam, "h.example", 1, users[i], "p"));
    for (Fixture* f : {&f1, &f2}) {
        ASSERT_EQ(stbf::group_by_account(f->cfg.get(), 0, stbf::GroupConfig{}, f->diags.get()), Status::Ok);
        ASSERT_EQ(stbf::assign_listen_ports(f->cfg.get(), f->diags.get()), Status::Ok);
    }
    std::set<uint16_t> ports;
    for (uint8_t g = 0; g < 5; ++g) {
        const stbf::GroupConfig& a = f1.cfg->groups[g];
        const stbf::GroupConfig& b = f2.cfg->groups[4 - g];
        EXPECT_STREQ(a.name.c_str(), b.name.c_str());
        EXPECT_EQ(a.listen_port, b.listen_port) << ports_by_name(*f1.cfg);
        EXPECT_GE(a.listen_port, 20000);
        EXPECT_LT(a.listen_port, 20000 + stbf::kListenPortSpan);
        EXPECT_EQ(a.listen_port, 20000 + a.identity % stbf::kListenPortSpan + 0u * ports.size())
            << "no collision expected for these five names";
        ports.insert(a.listen_port);
    }
    EXPECT_EQ(ports.size(), 5u);
}

TEST(ListenPorts, CollisionsTakeTheNextFreePortAndPinsAreRespected) {
    Fixture f;
    f.cfg->group_count = 4;
    for (int g = 0; g < 4; ++g) {
        f.cfg->groups[g].name.assign(("g" + std::to_string(g)).c_str());
        f.cfg->groups[g].identity = 7;  // all want slot 7
    }
    f.cfg->groups[2].listen_pinned = true;
    f.cfg->groups[2].listen_port = 20008;
    f.cfg->listen_port_base = 20000;
    ASSERT_EQ(stbf::assign_listen_ports(f.cfg.get(), f.diags.get()), Status::Ok);
    EXPECT_EQ(f.cfg->groups[0].listen_port, 20007);
    EXPECT_EQ(f.cfg->groups[1].listen_port, 20009);  // 20008 is pinned by g2
    EXPECT_EQ(f.cfg->groups[2].listen_port, 20008);
    EXPECT_EQ(f.cfg->groups[3].listen_port, 20010);
}

TEST(ListenPorts, ClashingPinsAndBadBaseAreErrors) {
    Fixture f;
    f.cfg->group_count = 2;
    for (int g = 0; g < 2; ++g) {
        f.cfg->groups[g].listen_pinned = true;
        f.cfg->groups[g].listen_port = 20001;
    }
    EXPECT_EQ(stbf::assign_listen_ports(f.cfg.get(), f.diags.get()), Status::InvalidArgument);
    EXPECT_EQ(f.diags->errors(), 1u);
    f.cfg->listen_port_base = 0;
    EXPECT_EQ(stbf::assign_listen_ports(f.cfg.get(), f.diags.get()), Status::InvalidArgument);
}

TEST(SlotPorts, AutoSlotsFollowEnabledServersAndPortsAreDistinctAndStable) {
    Fixture f1, f2;
    const char* users[] = {"a", "b", "c", "d"};
    for (Fixture* f : {&f1, &f2}) {
        for (int i = 0; i < 4; ++i) {
            const int u = f == &f1 ? i : 3 - i;  // other file order
            f->add(server(Protocol::Cccam, "h1.example", 1, users[u], "p"));
            if (u != 3) f->add(server(Protocol::Cccam, "h2.example", 2, users[u], "p"));
        }
        ASSERT_EQ(stbf::group_by_account(f->cfg.get(), 0, stbf::GroupConfig{}, f->diags.get()), Status::Ok);
    }
    // group "b" asks for three slots; "c" has two servers but one is disabled
    for (Fixture* f : {&f1, &f2}) {
        for (uint16_t g = 0; g < f->cfg->group_count; ++g) {
            stbf::GroupConfig& gc = f->cfg->groups[g];
            if (std::string(gc.name.c_str()) == "cccam-b") gc.slots = 3;
            if (std::string(gc.name.c_str()) == "cccam-c") f->cfg->servers[gc.servers[1]].enabled = false;
        }
        ASSERT_EQ(stbf::assign_listen_ports(f->cfg.get(), f->diags.get()), Status::Ok);
    }
    std::set<uint16_t> all;
    size_t expected = 0;
    for (uint8_t g = 0; g < 4; ++g) {
        const stbf::GroupConfig& a = f1.cfg->groups[g];
        const stbf::GroupConfig* b = nullptr;
        for (uint8_t h = 0; h < 4; ++h)
            if (std::string(f2.cfg->groups[h].name.c_str()) == a.name.c_str()) b = &f2.cfg->groups[h];
        ASSERT_NE(b, nullptr);
        const std::string name = a.name.c_str();
        const uint8_t slots = stbf::group_slot_count(*f1.cfg, a);
        EXPECT_EQ(slots, name == "cccam-b" ? 3 : (name == "cccam-a" ? 2 : 1)) << name;
        EXPECT_EQ(a.slot_ports[0], a.listen_port);
        for (uint8_t k = 0; k < STBF_MAX_SLOTS; ++k) {
            EXPECT_EQ(a.slot_ports[k], b->slot_ports[k]) << name << " slot " << int(k);
            if (k < slots) {
                EXPECT_GE(a.slot_ports[k], 20000);
                EXPECT_LT(a.slot_ports[k], 20000 + stbf::kListenPortSpan);
                all.insert(a.slot_ports[k]);
                ++expected;
            } else {
                EXPECT_EQ(a.slot_ports[k], 0) << name;
            }
        }
    }
    EXPECT_EQ(all.size(), expected);  // no two slots of any groups share a port
}

TEST(SlotPorts, CollideWithNoListenPortEvenWhenEveryHashWantsTheSamePort) {
    Fixture f;
    f.cfg->group_count = 3;
    for (int g = 0; g < 3; ++g) {
        f.cfg->groups[g].name.assign(("g" + std::to_string(g)).c_str());
        f.cfg->groups[g].identity = 7;
        f.cfg->groups[g].slots = STBF_MAX_SLOTS;
    }
    f.cfg->groups[1].listen_pinned = true;
    f.cfg->groups[1].listen_port = 20100;
    ASSERT_EQ(stbf::assign_listen_ports(f.cfg.get(), f.diags.get()), Status::Ok);
    std::set<uint16_t> all;
    for (int g = 0; g < 3; ++g)
        for (int k = 0; k < STBF_MAX_SLOTS; ++k) {
            EXPECT_NE(f.cfg->groups[g].slot_ports[k], 0);
            all.insert(f.cfg->groups[g].slot_ports[k]);
        }
    EXPECT_EQ(all.size(), 3u * STBF_MAX_SLOTS);
    EXPECT_EQ(f.cfg->groups[1].slot_ports[0], 20100);
}

TEST(ListenPorts, SpanShrinksNearTheTopAndRunsOutCleanly) {
    Fixture f;
    f.cfg->listen_port_base = 65534;  // only 65534 and 65535
    f.cfg->group_count = 3;
    for (int g = 0; g < 3; ++g) f.cfg->groups[g].identity = static_cast<uint32_t>(g * 13);
    EXPECT_EQ(stbf::assign_listen_ports(f.cfg.get(), f.diags.get()), Status::CapacityExceeded);
    EXPECT_EQ(f.diags->errors(), 1u);
    for (int g = 0; g < 2; ++g) EXPECT_GE(f.cfg->groups[g].listen_port, 65534);
}

}  // namespace
