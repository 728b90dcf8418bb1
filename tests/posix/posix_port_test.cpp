// POSIX port behaviour beyond the contract (the contract itself is tested in tests/port):
// logging filter and format, adopted descriptors, wake-up, the resolution bound, helpers.
#include "stbf/posix_port.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <string>
#include <thread>

namespace stbf {
namespace {

std::string drain(int fd) {
    std::string out;
    char buf[512];
    ssize_t n;
    while ((n = ::read(fd, buf, sizeof(buf))) > 0) out.append(buf, static_cast<size_t>(n));
    return out;
}

TEST(PosixPort, LogLinesAreFilteredByLevelAndCarryIdentAndLevel) {
    int pipefd[2];
    ASSERT_EQ(::pipe2(pipefd, O_NONBLOCK), 0);
    PosixPortOptions options;
    options.log_fd = pipefd[1];
    options.log_level = STBF_LOG_NOTICE;
    options.ident = "stbf-test";
    auto port = PosixPort::create(options);
    ASSERT_TRUE(port);
    stbf_port* t = port->table();
    const char shown[] = "server a is down";
    const char hidden[] = "probe detail";
    t->log(t->ctx, STBF_LOG_WARNING, shown, sizeof(shown) - 1);
    t->log(t->ctx, STBF_LOG_DEBUG, hidden, sizeof(hidden) - 1);
    EXPECT_EQ(drain(pipefd[0]), "stbf-test: warning: server a is down\n");
    port->set_log_level(STBF_LOG_DEBUG);
    t->log(t->ctx, STBF_LOG_DEBUG, hidden, 5);  // only the first 5 bytes belong to the line
    EXPECT_EQ(drain(pipefd[0]), "stbf-test: debug: probe\n");
    ::close(pipefd[0]);
    ::close(pipefd[1]);
}

TEST(PosixPort, AdoptedDescriptorIsWatchedLikeASocketAndClosedByThePort) {
    auto port = PosixPort::create({});
    ASSERT_TRUE(port);
    stbf_port* t = port->table();
    int pair[2];
    ASSERT_EQ(::socketpair(AF_UNIX, SOCK_STREAM, 0, pair), 0);
    stbf_sock s = STBF_SOCK_INVALID;
    ASSERT_EQ(port->adopt_fd(pair[0], &s), STBF_PORT_OK);
    EXPECT_EQ(port->native_fd(s), pair[0]);
    EXPECT_EQ(port->adopt_fd(pair[0], &s), STBF_PORT_INVALID);  // already known
    ASSERT_EQ(t->watch(t->ctx, s, STBF_READABLE, 0), STBF_PORT_OK);
    ASSERT_EQ(::write(pair[1], "status\n", 7), 7);
    stbf_event ev[4];
    size_t n = 0;
    for (int i = 0; i < 100 && n == 0; ++i) n = t->poll(t->ctx, t->now(t->ctx) + 10000, ev, 4);
    ASSERT_EQ(n, 1u);
    EXPECT_EQ(ev[0].sock, s);
    EXPECT_EQ(ev[0].ready, STBF_READABLE);
    uint8_t buf[16];
    size_t got = 0;
    ASSERT_EQ(t->tcp_recv(t->ctx, s, buf, sizeof(buf), &got), STBF_PORT_OK);
    EXPECT_EQ(std::string(reinterpret_cast<char*>(buf), got), "status\n");
    t->tcp_close(t->ctx, s);
    EXPECT_EQ(port->native_fd(s), -1);
    char c;
    EXPECT_EQ(::read(pair[1], &c, 1), 0);  // our end saw the close
    ::close(pair[1]);
}

TEST(PosixPort, WakeFromAnotherThreadEndsALongPollEarly) {
    auto port = PosixPort::create({});
    ASSERT_TRUE(port);
    stbf_port* t = port->table();
    const stbf_time_us deadline = t->now(t->ctx) + 30 * 1000000ull;
    std::thread waker([&] { port->wake(); });
    stbf_event ev[4];
    EXPECT_EQ(t->poll(t->ctx, deadline, ev, 4), 0u);
    EXPECT_LT(t->now(t->ctx), deadline);
    waker.join();
}

TEST(PosixPort, ResolutionsBeyondTheBoundAreRefusedUntilTaken) {
    PosixPortOptions options;
    options.max_resolves = 2;
    auto port = PosixPort::create(options);
    ASSERT_TRUE(port);
    stbf_port* t = port->table();
    uint32_t a = 0, b = 0, c = 0;
    ASSERT_EQ(t->resolve_start(t->ctx, "127.0.0.1", 1, 0, &a), STBF_PORT_OK);
    ASSERT_EQ(t->resolve_start(t->ctx, "127.0.0.1", 2, 0, &b), STBF_PORT_OK);
    EXPECT_EQ(t->resolve_start(t->ctx, "127.0.0.1", 3, 0, &c), STBF_PORT_NO_RESOURCES);
    EXPECT_EQ(t->resolve_start(t->ctx, "", 3, 0, &c), STBF_PORT_INVALID);
    t->resolve_cancel(t->ctx, a);
    EXPECT_EQ(t->resolve_start(t->ctx, "127.0.0.1", 3, 0, &c), STBF_PORT_OK);
}

TEST(PosixPort, NumericAddressesParseAndFormat) {
    stbf_addr a{};
    ASSERT_TRUE(parse_numeric_addr("127.0.0.1", 20000, &a));
    EXPECT_EQ(a.family, 4);
    EXPECT_EQ(format_addr(a), "127.0.0.1:20000");
    ASSERT_TRUE(parse_numeric_addr("::1", 9105, &a));
    EXPECT_EQ(a.family, 6);
    EXPECT_EQ(format_addr(a), "[::1]:9105");
    EXPECT_FALSE(parse_numeric_addr("localhost", 1, &a));
    EXPECT_FALSE(parse_numeric_addr("256.1.1.1", 1, &a));
}

TEST(PosixPort, LogLevelNamesRoundTrip) {
    for (stbf_log_level l :
         {STBF_LOG_ERROR, STBF_LOG_WARNING, STBF_LOG_NOTICE, STBF_LOG_INFO, STBF_LOG_DEBUG}) {
        stbf_log_level back = STBF_LOG_ERROR;
        ASSERT_TRUE(parse_log_level(log_level_name(l), &back));
        EXPECT_EQ(back, l);
    }
    stbf_log_level unused;
    EXPECT_FALSE(parse_log_level("loud", &unused));
}

}  // namespace
}  // namespace stbf
