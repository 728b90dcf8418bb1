#include "stbf/syslog_client.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

namespace stbf {

SyslogClient::SyslogClient(const char* ident, int facility, const char* socket_path)
    : ident_(ident), socket_path_(socket_path), facility_(facility) {}

SyslogClient::~SyslogClient() {
    if (fd_ >= 0) ::close(fd_);
}

bool SyslogClient::connect_locked() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd_ < 0) return false;
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    if (socket_path_.size() >= sizeof(addr.sun_path)) {
        ::close(fd_);
        fd_ = -1;
        return false;
    }
    memcpy(addr.sun_path, socket_path_.c_str(), socket_path_.size() + 1);
    if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof(addr)) != 0) {
        ::close(fd_);
        fd_ = -1;
        return false;
    }
    return true;
}

bool SyslogClient::send_locked(const char* header, size_t header_len, const char* text,
                               size_t len) {
    iovec parts[2] = {{const_cast<char*>(header), header_len}, {const_cast<char*>(text), len}};
    msghdr message{};
    message.msg_iov = parts;
    message.msg_iovlen = 2;
    return ::sendmsg(fd_, &message, MSG_NOSIGNAL | MSG_DONTWAIT) >= 0;
}

bool SyslogClient::send(int severity, const char* text, size_t len) {
    char header[96];
    const int header_len =
        snprintf(header, sizeof(header), "<%d>%.64s[%ld]: ", facility_ | (severity & 7),
                 ident_.c_str(), static_cast<long>(::getpid()));
    if (header_len < 0) return false;
    std::lock_guard<std::mutex> lock(mutex_);
    bool sent = (fd_ >= 0 || connect_locked()) &&
                send_locked(header, static_cast<size_t>(header_len), text, len);
    if (!sent && fd_ >= 0 &&
        (errno == ECONNREFUSED || errno == ENOTCONN || errno == ECONNRESET || errno == EPIPE)) {
        // The daemon restarted (a new socket at the same path): once more on a fresh socket.
        sent = connect_locked() && send_locked(header, static_cast<size_t>(header_len), text, len);
    }
    if (!sent) ++dropped_;
    return sent;
}

uint64_t SyslogClient::dropped() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return dropped_;
}

}  // namespace stbf
