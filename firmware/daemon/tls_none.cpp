// This binary's TLS support when it has none (daemon.h make_tls_extension): linked instead of
// firmware/tls/daemon_extension.cpp by a build without TLS, and by the tests of the daemon
// without TLS. The daemon then refuses a config that needs TLS, saying why.
#include "daemon.h"

namespace stbf::daemon {

std::unique_ptr<TlsExtension> make_tls_extension(const stbf_port& port) {
    (void)port;
    return nullptr;
}

bool tls_built_in() {
    return false;
}

}  // namespace stbf::daemon
