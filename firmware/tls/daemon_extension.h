// The daemon's TLS extension (daemon.h TlsExtension), built into `stbfailover` when TLS is.
//
// TLS upstreams: one TlsTransport per distinct (host, sni, ca_file, pin, verify), made when a
// config is prepared and kept for the life of the daemon, so connections of an older config
// keep a valid transport after a reload. A TLS server without a transport (never expected:
// prepare() refuses the config) gets a table that refuses to connect, never plain TCP.
//
// Provider lists: one ServerListSource per configured source, cached at
// fw::source_cache_path(); fetches run inside poll(), which watches the fetch's socket through
// the port so the daemon's loop wakes for it.
#ifndef STBF_TLS_DAEMON_EXTENSION_H
#define STBF_TLS_DAEMON_EXTENSION_H

#include <memory>

#include "daemon.h"

namespace stbf::tls {

/// The extension for a daemon on `port` (which must outlive it). The binary registers this
/// factory with daemon::register_tls_extension at start-up.
std::unique_ptr<daemon::TlsExtension> make_daemon_extension(const stbf_port& port);

}  // namespace stbf::tls

#endif  // STBF_TLS_DAEMON_EXTENSION_H
