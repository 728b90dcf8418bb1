// Upstream stand-in for the daemon tests: a CCcam-like line server on loopback.
//
//   daemon_upstream_standin ID [PORT]
//
// Listens on 127.0.0.1:PORT (0 or absent: a free port), prints "PORT <n>\n" on stdout once
// listening, then for every client: sends a valid 16-byte CCcam greeting whose first byte is ID
// (so a test can tell which upstream it reached through the relay), and answers every chunk it
// receives with the same bytes. Dies with its parent (PR_SET_PDEATHSIG), so a crashed test
// leaves no stand-in behind. Tests kill it (SIGKILL), freeze it (SIGSTOP) or never start it.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "../support/loopback.h"
#include "stbf/greeting.h"

int main(int argc, char** argv) {
    if (argc < 2) {
        std::fprintf(stderr, "usage: %s ID [PORT]\n", argv[0]);
        return 2;
    }
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    signal(SIGPIPE, SIG_IGN);
    const int id = std::atoi(argv[1]);
    const int port = argc > 2 ? std::atoi(argv[2]) : 0;

    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    sockaddr_in addr = stbf::test::loopback_v4(static_cast<uint16_t>(port));
    socklen_t len = sizeof(addr);
    if (bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        listen(listener, 64) != 0 ||
        getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        std::perror("standin: listen");
        return 1;
    }
    std::printf("PORT %u\n", ntohs(addr.sin_port));
    std::fflush(stdout);

    uint8_t greeting[16];
    for (int i = 0; i < 12; ++i) greeting[i] = static_cast<uint8_t>(i == 0 ? id : 0x40 + i);
    stbf::make_cccam_greeting(greeting, greeting);

    std::vector<pollfd> fds{{listener, POLLIN, 0}};
    for (;;) {
        if (poll(fds.data(), fds.size(), -1) < 0) continue;
        if (fds[0].revents & POLLIN) {
            int c = accept4(listener, nullptr, nullptr, SOCK_CLOEXEC);
            if (c >= 0) {
                if (send(c, greeting, sizeof(greeting), MSG_NOSIGNAL) == sizeof(greeting))
                    fds.push_back({c, POLLIN, 0});
                else
                    close(c);
            }
        }
        for (size_t i = fds.size(); i-- > 1;) {
            if (fds[i].revents == 0) continue;
            uint8_t buf[4096];
            ssize_t n = recv(fds[i].fd, buf, sizeof(buf), 0);
            if (n <= 0 || send(fds[i].fd, buf, static_cast<size_t>(n), MSG_NOSIGNAL) != n) {
                close(fds[i].fd);
                fds.erase(fds.begin() + static_cast<long>(i));
            }
        }
    }
}
