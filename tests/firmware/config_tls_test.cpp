// TLS options of a config: pins in every spelling (config_tls.h) and per-server "tls" as the
// loader (config_json.h) reads it, with errors at their place and key path.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "config_json.h"
#include "config_load.h"
#include "config_tls.h"

namespace stbf::fw {
namespace {

// SHA-256 pin of nothing in particular, in the three spellings the config takes.
const char kPinHex[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
const char kPinColons[] =
    "01:23:45:67:89:AB:CD:EF:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef:01:23:45:67:89:ab:cd:ef";
const char kPinBase64[] = "ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrze8=";

using stbf_test::load_main_file;

std::string one_server(const std::string& extra) {
    return "{\"groups\": [{\"name\": \"g\", \"servers\": [\n"
           "  {\"host\": \"line.example\", \"port\": 443, \"protocol\": \"cccam\"" + extra + "}]}]}";
}

TEST(ConfigTls, PinSpellingsAreOneKey) {
    uint8_t hex[32], colons[32], b64[32];
    ASSERT_TRUE(parse_pin_sha256(kPinHex, hex));
    ASSERT_TRUE(parse_pin_sha256(kPinColons, colons));
    ASSERT_TRUE(parse_pin_sha256(kPinBase64, b64));
    EXPECT_EQ(pin_hex(hex), kPinHex);
    EXPECT_EQ(pin_hex(colons), kPinHex);
    EXPECT_EQ(pin_hex(b64), kPinHex);
    uint8_t out[32];
    EXPECT_FALSE(parse_pin_sha256(std::string(kPinHex).substr(2), out));  // 31 bytes
    EXPECT_FALSE(parse_pin_sha256("ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrze9=", out));  // bits
    EXPECT_FALSE(parse_pin_sha256("ASNFZ4mrze8BI0VniavN7wEjRWeJq83vASNFZ4mrz!8=", out));
    EXPECT_FALSE(parse_pin_sha256("", out));
}

TEST(ConfigTls, TrueTurnsTlsOnWithVerification) {
    auto p = load_main_file(one_server(", \"tls\": true"));
    ASSERT_TRUE(p->ok()) << p->messages();
    const ServerTls& tls = p->cfg->servers[0].tls;
    EXPECT_TRUE(tls.enabled);
    EXPECT_TRUE(tls.verify);
    EXPECT_FALSE(tls.has_pin);
    EXPECT_EQ(server_tls_text(tls), "tls (system CAs)");
    EXPECT_EQ(server_tls_text(ServerTls()), "");
}

TEST(ConfigTls, ObjectKeepsSniCaAndPin) {
    auto p = load_main_file(one_server(", \"tls\": {\"sni\": \"cdn.example\", \"ca_file\": \"/etc/ca.pem\", "
                              "\"pin_sha256\": \"" + std::string(kPinBase64) + "\"}"));
    ASSERT_TRUE(p->ok()) << p->messages();
    const ServerTls& tls = p->cfg->servers[0].tls;
    EXPECT_TRUE(tls.enabled);
    EXPECT_STREQ(tls.sni.c_str(), "cdn.example");
    EXPECT_STREQ(tls.ca_file.c_str(), "/etc/ca.pem");
    ASSERT_TRUE(tls.has_pin);
    EXPECT_EQ(pin_hex(tls.pin_sha256), kPinHex);
    EXPECT_EQ(server_tls_text(tls), "tls (sni cdn.example, ca /etc/ca.pem, pin 01234567..)");
}

TEST(ConfigTls, VerifyOffIsWarnedAboutAndExcludesPins) {
    auto off = load_main_file(one_server(", \"tls\": {\"verify\": false}"));
    ASSERT_TRUE(off->ok()) << off->messages();
    EXPECT_FALSE(off->cfg->servers[0].tls.verify);
    EXPECT_NE(off->messages().find("t.json:2:62: warning: TLS certificate verification is off"),
              std::string::npos)
        << off->messages();
    EXPECT_EQ(server_tls_text(off->cfg->servers[0].tls), "tls VERIFY OFF");

    auto both = load_main_file(one_server(", \"tls\": {\"verify\": false, \"pin_sha256\": \"" +
                                 std::string(kPinHex) + "\"}"));
    EXPECT_FALSE(both->ok());
    EXPECT_NE(both->messages().find("cannot be combined with ca_file or pin_sha256"),
              std::string::npos)
        << both->messages();
}

TEST(ConfigTls, BadTlsValuesAreErrorsWithPlaceAndPath) {
    auto p = load_main_file(one_server(", \"tls\": {\"pin_sha256\": \"abcd\", \"ca_file\": \"ca.pem\", "
                              "\"snii\": \"x\", \"verify\": \"no\"}"));
    EXPECT_FALSE(p->ok());
    const std::string& m = p->messages();
    EXPECT_NE(m.find("t.json:2:70: error: pin_sha256 must be the SHA-256 of the server's public "
                     "key: 64 hex digits or 44 base64 characters: groups[0].servers[0].tls.pin_sha256"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("error: ca_file must be an absolute path of at most 127 bytes: "
                     "groups[0].servers[0].tls.ca_file"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("error: unknown key: groups[0].servers[0].tls.snii"), std::string::npos) << m;
    EXPECT_NE(m.find("error: value must be true or false: groups[0].servers[0].tls.verify"),
              std::string::npos)
        << m;
    auto wrong_type = load_main_file(one_server(", \"tls\": \"yes\""));
    EXPECT_NE(wrong_type->messages().find("error: tls must be true, false or an object"),
              std::string::npos)
        << wrong_type->messages();
}

}  // namespace
}  // namespace stbf::fw
