// HttpsFetch against a loopback HTTPS server (tls_test_server.py) with the test PKI: good bodies
// in every framing, and every failure class with its reason. Loopback only; every fetch is
// bounded by its own timeout.
#include "tls/https_fetch.h"

#include <gtest/gtest.h>

#include <string>

#include "tls_test_env.h"

namespace stbf::tls {
namespace {

using test::TestPki;

const char kList[] =
    "{\"servers\": [{\"host\": \"line1.example\", \"port\": 12000, \"protocol\": \"cccam\"},\n"
    "               {\"host\": \"line2.example\", \"port\": 12001, \"protocol\": \"cccam\"}]}\n";

class HttpsFetchTest : public test::PortFixture {
protected:
    void SetUp() override {
        PortFixture::SetUp();
        docroot_ = make_docroot("tls-docroot", kList);
    }

    void start_server(const std::string& cert = "good") {
        std::string error;
        ASSERT_TRUE(server_.start("http", cert, docroot_, &error)) << error;
    }

    FetchOptions options(const std::string& path) const {
        FetchOptions o;
        o.url = "https://127.0.0.1:" + std::to_string(server_.port()) + path;
        o.tls.sni = test::kServerName;
        o.tls.ca_file = TestPki::get().path("ca.pem");
        o.timeout_ms = 10000;
        return o;
    }

    FetchResult fetch(const FetchOptions& o) { return fetch_blocking(*port_, o); }

    std::string docroot_;
    test::TestServer server_;
};

TEST_F(HttpsFetchTest, BodyWithContentLength) {
    start_server();
    FetchResult r = fetch(options("/files/list.json"));
    EXPECT_EQ(r.failure, FetchFailure::None) << r.message;
    EXPECT_EQ(r.http_status, 200);
    EXPECT_EQ(r.body, kList);
}

TEST_F(HttpsFetchTest, ChunkedBodyIsDecoded) {
    start_server();
    FetchResult r = fetch(options("/chunked/list.json"));
    EXPECT_EQ(r.failure, FetchFailure::None) << r.message;
    EXPECT_EQ(r.body, kList);
}

TEST_F(HttpsFetchTest, BodyEndingAtCloseIsAccepted) {
    start_server();
    FetchResult r = fetch(options("/close/list.json"));
    EXPECT_EQ(r.failure, FetchFailure::None) << r.message;
    EXPECT_EQ(r.body, kList);
}

TEST_F(HttpsFetchTest, PinAloneIsEnough) {
    start_server();
    FetchOptions o = options("/files/list.json");
    o.tls.ca_file.clear();
    o.tls.pin_sha256 = TestPki::get().read("good.pin.b64");
    FetchResult r = fetch(o);
    EXPECT_EQ(r.failure, FetchFailure::None) << r.message;
    EXPECT_EQ(r.body, kList);
}

TEST_F(HttpsFetchTest, StatusOtherThan200IsAFailureNamingTheStatus) {
    start_server();
    FetchResult r = fetch(options("/status/404"));
    EXPECT_EQ(r.failure, FetchFailure::HttpStatus);
    EXPECT_EQ(r.http_status, 404);
    EXPECT_NE(r.message.find("404"), std::string::npos) << r.message;
    EXPECT_TRUE(r.body.empty());
}

TEST_F(HttpsFetchTest, RedirectToPlainHttpIsRefused) {
    start_server();
    FetchResult r = fetch(options("/redirect-http"));
    EXPECT_EQ(r.failure, FetchFailure::Redirect);
    EXPECT_NE(r.message.find("plain http"), std::string::npos) << r.message;
}

TEST_F(HttpsFetchTest, RedirectsToHttpsAreFollowedAFewTimesAtMost) {
    start_server();
    for (const char* path : {"/redirect-https", "/redirect-relative"}) {
        FetchResult r = fetch(options(path));
        EXPECT_EQ(r.failure, FetchFailure::None) << path << ": " << r.message;
        EXPECT_EQ(r.body, kList) << path;
        EXPECT_NE(r.url, options(path).url) << path;  // reports where the body came from
    }
    FetchResult loop = fetch(options("/redirect-loop"));
    EXPECT_EQ(loop.failure, FetchFailure::Redirect);
    EXPECT_NE(loop.message.find("redirects"), std::string::npos) << loop.message;
}

struct RawCase {
    const char* name;
    const char* response;
    FetchFailure expected;
};

TEST_F(HttpsFetchTest, MalformedResponsesAreRefused) {
    const std::string big_header = "HTTP/1.1 200 OK\r\nX-Pad: " + std::string(20000, 'p') + "\r\n\r\n";
    const RawCase cases[] = {
        {"status-line", "HTTP/2 200 OK\r\nContent-Length: 2\r\n\r\n[]", FetchFailure::BadResponse},
        {"no-crlf", "HTTP/1.1 200 OK\nContent-Length: 2\n\n[]", FetchFailure::BadResponse},
        {"both-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n[]\r\n0\r\n\r\n",
         FetchFailure::BadResponse},
        {"two-lengths", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n[]", FetchFailure::BadResponse},
        {"gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n[]", FetchFailure::BadResponse},
        {"folded", "HTTP/1.1 200 OK\r\nX-A: 1\r\n continued\r\nContent-Length: 2\r\n\r\n[]", FetchFailure::BadResponse},
        {"bad-chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n[]\r\n0\r\n\r\n", FetchFailure::BadResponse},
        {"chunk-no-crlf", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n[]XX0\r\n\r\n", FetchFailure::BadResponse},
        {"cut-short", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n[]", FetchFailure::BadResponse},
        {"cut-chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\n[]\r\n", FetchFailure::BadResponse},
        {"no-headers", "HTTP/1.1 200 OK\r\nContent-Len", FetchFailure::BadResponse},
        {"huge-header", big_header.c_str(), FetchFailure::Oversize},
        {"no-location", "HTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n", FetchFailure::Redirect},
    };
    for (const RawCase& c : cases) test::write_file(docroot_ + "/" + c.name, c.response);
    start_server();
    for (const RawCase& c : cases) {
        FetchResult r = fetch(options(std::string("/raw/") + c.name));
        EXPECT_EQ(r.failure, c.expected) << c.name << ": " << fetch_failure_name(r.failure) << ": " << r.message;
        EXPECT_FALSE(r.message.empty()) << c.name;
        EXPECT_TRUE(r.body.empty()) << c.name;
    }
    // Chunk extensions and trailers are allowed; the body is exact.
    test::write_file(docroot_ + "/ext",
                     "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2;x=y\r\n[]\r\n0\r\nX-T: 1\r\n\r\n");
    FetchResult ok = fetch(options("/raw/ext"));
    EXPECT_EQ(ok.failure, FetchFailure::None) << ok.message;
    EXPECT_EQ(ok.body, "[]");
}

TEST_F(HttpsFetchTest, OversizeBodyIsRefusedByContentLengthAndWhileChunking) {
    start_server();
    for (const char* path : {"/big", "/big-chunked"}) {
        FetchOptions o = options(path);
        o.max_body = 64 * 1024;
        FetchResult r = fetch(o);
        EXPECT_EQ(r.failure, FetchFailure::Oversize) << path << ": " << r.message;
        EXPECT_TRUE(r.body.empty());
    }
}

TEST_F(HttpsFetchTest, ServerThatNeverAnswersTimesOut) {
    start_server();
    FetchOptions o = options("/hang");
    o.timeout_ms = 1000;
    FetchResult r = fetch(o);
    EXPECT_EQ(r.failure, FetchFailure::Timeout);
    EXPECT_NE(r.message.find("receiving"), std::string::npos) << r.message;
}

TEST_F(HttpsFetchTest, UnreachableServerIsATcpFailure) {
    FetchOptions o;
    o.url = "https://127.0.0.1:" + std::to_string(test::unused_port()) + "/list.json";
    o.tls.sni = test::kServerName;
    o.tls.ca_file = TestPki::get().path("ca.pem");
    FetchResult r = fetch(o);
    EXPECT_EQ(r.failure, FetchFailure::Tcp) << r.message;
}

TEST_F(HttpsFetchTest, UnresolvableNameIsADnsFailure) {
    FetchOptions o;
    o.url = "https://stbf-no-such-host.invalid/list.json";  // .invalid never resolves (RFC 6761)
    o.tls.ca_file = TestPki::get().path("ca.pem");
    o.timeout_ms = 10000;
    FetchResult r = fetch(o);
    EXPECT_EQ(r.failure, FetchFailure::Dns) << r.message;
}

TEST_F(HttpsFetchTest, CertificateProblemIsATlsFailureWithTheReason) {
    start_server("expired");
    FetchResult r = fetch(options("/files/list.json"));
    EXPECT_EQ(r.failure, FetchFailure::Tls);
    EXPECT_NE(r.message.find("expired"), std::string::npos) << r.message;
}

TEST_F(HttpsFetchTest, PlainHttpUrlIsRefusedBeforeAnyConnection) {
    FetchOptions o;
    o.url = "http://127.0.0.1/list.json";
    FetchResult r = fetch(o);
    EXPECT_EQ(r.failure, FetchFailure::BadUrl);
    EXPECT_NE(r.message.find("plain http"), std::string::npos) << r.message;
}

TEST(HttpsUrl, ParsesHostPortPathAndIpv6) {
    HttpsUrl u;
    std::string error;
    ASSERT_TRUE(parse_https_url("https://lists.example.com/a/b.json?x=1#frag", &u, &error)) << error;
    EXPECT_EQ(u.host, "lists.example.com");
    EXPECT_EQ(u.port, 443);
    EXPECT_EQ(u.path, "/a/b.json?x=1");
    ASSERT_TRUE(parse_https_url("HTTPS://[::1]:8443", &u, &error)) << error;
    EXPECT_EQ(u.host, "::1");
    EXPECT_EQ(u.port, 8443);
    EXPECT_EQ(u.path, "/");
    EXPECT_EQ(u.authority, "[::1]:8443");
}

TEST(HttpsUrl, RejectsWhatItCannotFetchSafely) {
    HttpsUrl u;
    std::string error;
    for (const char* bad : {"http://a.example/", "ftp://a.example/", "https://", "https://:443/",
                            "https://user@a.example/", "https://a.example:0/",
                            "https://a.example:65536/", "https://a.example:/",
                            "https://a example/", "https://::1/", "https://[::1/"}) {
        EXPECT_FALSE(parse_https_url(bad, &u, &error)) << bad;
        EXPECT_FALSE(error.empty()) << bad;
    }
}

}  // namespace
}  // namespace stbf::tls
