// Metrics: the strict HTTP front and the Prometheus text for a status snapshot.
#include "metrics.h"

#include "daemon.h"

#include <gtest/gtest.h>

namespace stbf::daemon {
namespace {

struct Body {
    int calls = 0;
    std::function<std::string()> fn = [this] {
        ++calls;
        return std::string("stbf_uptime_seconds 5\n");
    };
};

TEST(MetricsHttp, GetMetricsIsServedWithLengthAndClose) {
    Body b;
    std::string r = metrics_http_answer("GET /metrics HTTP/1.1\r\nHost: box", true, b.fn);
    EXPECT_EQ(r.compare(0, 17, "HTTP/1.1 200 OK\r\n"), 0) << r;
    EXPECT_NE(r.find("Content-Type: text/plain; version=0.0.4"), std::string::npos);
    EXPECT_NE(r.find("Content-Length: 22\r\n"), std::string::npos) << r;
    EXPECT_NE(r.find("Connection: close\r\n"), std::string::npos);
    EXPECT_EQ(r.substr(r.size() - 22), "stbf_uptime_seconds 5\n");
    EXPECT_EQ(b.calls, 1);
    EXPECT_EQ(
        metrics_http_answer("GET /metrics HTTP/1.0", true, b.fn).compare(0, 12, "HTTP/1.1 200"), 0);
}

TEST(MetricsHttp, EverythingElseIsRefusedWithoutRenderingMetrics) {
    Body b;
    struct Case {
        const char* request;
        bool complete;
        const char* status;
    } cases[] = {
        {"POST /metrics HTTP/1.1", true, "405"},
        {"GET / HTTP/1.1", true, "404"},
        {"GET /metrics?x=1 HTTP/1.1", true, "404"},
        {"GET /metrics", true, "400"},
        {"GET /metrics HTTP/2.0", true, "400"},
        {"GET  /metrics HTTP/1.1", true, "400"},
        {"GET /metrics HTTP/1.1 extra", true, "400"},
        {"GET /metrics HTTP/1.1", false, "400"},
        {"", true, "400"},
    };
    for (const Case& c : cases) {
        std::string r = metrics_http_answer(c.request, c.complete, b.fn);
        EXPECT_EQ(r.substr(9, 3), c.status) << c.request;
    }
    EXPECT_EQ(b.calls, 0);
}

StatusReport sample_report() {
    StatusReport r;
    r.daemon.uptime_s = 42;
    r.config_generation = 3;
    GroupReport g;
    g.name = "sky \"uk\"";
    g.live_sessions = 2;
    g.sessions_total = 10;
    g.failovers = 1;
    g.panic = false;
    ServerReport a;
    a.label = "main";
    a.state = "up";
    a.picks = 7;
    a.connects_ok = 6;
    a.connects_failed = 1;
    a.probes_ok = 4;
    a.probes_failed = 2;
    a.sessions_hung = 1;
    a.live_sessions = 2;
    a.has_ewma_connect = true;
    a.ewma_connect_ms = 12.5;
    ServerReport b;
    b.label = "spare";
    b.state = "down";
    g.servers = {a, b};
    r.groups.push_back(g);
    return r;
}

TEST(MetricsText, CountersGaugesAndOneHotStatePerServer) {
    std::string m = render_metrics(sample_report());
    const std::string a = "group=\"sky \\\"uk\\\"\",server=\"main\"";
    const std::string b = "group=\"sky \\\"uk\\\"\",server=\"spare\"";
    EXPECT_NE(m.find("stbf_uptime_seconds 42\n"), std::string::npos) << m;
    EXPECT_NE(m.find("stbf_config_generation 3\n"), std::string::npos);
    EXPECT_NE(m.find("stbf_server_state{" + a + ",state=\"up\"} 1\n"), std::string::npos) << m;
    EXPECT_NE(m.find("stbf_server_state{" + a + ",state=\"down\"} 0\n"), std::string::npos);
    EXPECT_NE(m.find("stbf_server_state{" + b + ",state=\"down\"} 1\n"), std::string::npos);
    EXPECT_NE(m.find("stbf_server_picks_total{" + a + "} 7\n"), std::string::npos);
    EXPECT_NE(m.find("stbf_server_connects_total{" + a + ",result=\"failed\"} 1\n"),
              std::string::npos);
    EXPECT_NE(m.find("stbf_server_probes_total{" + a + ",result=\"ok\"} 4\n"), std::string::npos);
    EXPECT_NE(m.find("stbf_server_sessions_hung_total{" + a + "} 1\n"), std::string::npos);
    EXPECT_NE(m.find("stbf_server_ewma_connect_seconds{" + a + "} 0.0125"), std::string::npos);
    EXPECT_EQ(m.find("stbf_server_ewma_connect_seconds{" + b), std::string::npos)
        << "an unmeasured EWMA is absent, not 0";
    EXPECT_NE(m.find("stbf_group_live_sessions{group=\"sky \\\"uk\\\"\"} 2\n"), std::string::npos);
    EXPECT_NE(m.find("stbf_group_failovers_total{group=\"sky \\\"uk\\\"\"} 1\n"),
              std::string::npos);
}

TEST(MetricsText, EachFamilyIsDeclaredOnce) {
    std::string m = render_metrics(sample_report());
    size_t types = 0, pos = 0;
    while ((pos = m.find("# TYPE stbf_server_state ", pos)) != std::string::npos) {
        ++types;
        ++pos;
    }
    EXPECT_EQ(types, 1u);
    EXPECT_EQ(m.back(), '\n');
}

TEST(MetricsText, FloatsHaveFixedPrecisionAndIntegersStayExact) {
    EXPECT_EQ(metric_number(0.0070179999999999999), "0.007018");
    EXPECT_EQ(metric_number(7018 / 1000.0 / 1000.0), "0.007018");
    EXPECT_EQ(metric_number(0.0125), "0.0125");
    EXPECT_EQ(metric_number(0.5), "0.5");
    EXPECT_EQ(metric_number(42), "42");
    EXPECT_EQ(metric_number(4294967295.0), "4294967295");
    EXPECT_EQ(metric_number(0), "0");
    StatusReport r = sample_report();
    r.groups[0].servers[0].ewma_response_ms = 7.018;
    r.groups[0].servers[0].has_ewma_response = true;
    const std::string m = render_metrics(r);
    EXPECT_NE(m.find("stbf_server_ewma_response_seconds{group=\"sky \\\"uk\\\"\",server=\"main\"} "
                     "0.007018\n"),
              std::string::npos)
        << m;
    EXPECT_EQ(m.find("99999"), std::string::npos) << m;
}

TEST(MetricsText, DescriptorsAndSocketsOfTheDaemon) {
    StatusReport r = sample_report();
    EXPECT_EQ(render_metrics(r).find("stbf_process_open_fds"), std::string::npos)
        << "unknown counts are left out";
    count_descriptors(&r.daemon.open_fds, &r.daemon.open_sockets, &r.daemon.max_fds);
    ASSERT_GE(r.daemon.open_fds, 3);  // at least stdin/stdout/stderr of this test
    ASSERT_GE(r.daemon.open_sockets, 0);
    const std::string m = render_metrics(r);
    EXPECT_NE(m.find("stbf_process_open_fds " + std::to_string(r.daemon.open_fds) + "\n"),
              std::string::npos)
        << m;
    EXPECT_NE(m.find("stbf_process_open_sockets " + std::to_string(r.daemon.open_sockets) + "\n"),
              std::string::npos);
    EXPECT_NE(m.find("# TYPE stbf_process_max_fds gauge\n"), std::string::npos);
}

}  // namespace
}  // namespace stbf::daemon
