// The daemon's TLS extension (daemon.h TlsExtension, made by make_tls_extension), linked into
// `stbfailover` when it is built with TLS (library stbf_tls_daemon; tls_none.cpp otherwise).
//
// TLS upstreams: one TlsTransport per distinct (host, sni, ca_file, pin, verify), made when a
// config is prepared and kept for the life of the daemon, so connections of an older config
// keep a valid transport after a reload. A TLS server without a transport (never expected:
// prepare() refuses the config) gets a table that refuses to connect, never plain TCP.
//
// Provider lists: one ServerListSource per configured source, cached at
// fw::source_cache_path(); fetches run inside poll(), which watches the fetch's socket through
// the port so the daemon's loop wakes for it.
#include <sys/stat.h>

#include <map>
#include <memory>
#include <vector>

#include "config_sources.h"
#include "config_tls.h"
#include "daemon.h"
#include "tls/server_list.h"
#include "tls/tls_transport.h"

namespace stbf::tls {
namespace {

TlsOptions options_of(const ServerConfig& server) {
    TlsOptions o;
    o.enabled = server.tls.enabled;
    o.host = server.host.c_str();
    o.sni = server.tls.sni.c_str();
    o.ca_file = server.tls.ca_file.c_str();
    if (server.tls.has_pin) o.pin_sha256 = fw::pin_hex(server.tls.pin_sha256);
    o.verify = server.tls.verify;
    return o;
}

std::string key_of(const TlsOptions& o) {
    return o.host + '\n' + o.sni + '\n' + o.ca_file + '\n' + o.pin_sha256 + '\n' +
           (o.verify ? "1" : "0");
}

// What decides a source's fetch; a change makes a new ServerListSource.
std::string key_of(const fw::SourceSpec& s, const std::string& cache_dir) {
    return s.url + '\n' + s.pin_sha256 + '\n' + s.ca_file + '\n' + s.sni + '\n' +
           std::to_string(s.refresh_s) + '\n' + fw::format_name(s.format) + '\n' + s.group + '\n' +
           s.name + '\n' + cache_dir;
}

stbf_port_status refuse_connect(void*, const stbf_addr*, stbf_sock* out) {
    *out = STBF_SOCK_INVALID;
    return STBF_PORT_ERROR;
}
stbf_port_status refuse_result(void*, stbf_sock) {
    return STBF_PORT_ERROR;
}
stbf_port_status refuse_send(void*, stbf_sock, const uint8_t*, size_t, size_t* sent) {
    *sent = 0;
    return STBF_PORT_ERROR;
}
stbf_port_status refuse_recv(void*, stbf_sock, uint8_t*, size_t, size_t* got) {
    *got = 0;
    return STBF_PORT_ERROR;
}
void refuse_close(void*, stbf_sock) {}
const Transport kRefusing = {nullptr,     refuse_connect, refuse_result,
                             refuse_send, refuse_recv,    refuse_close};

struct Source {
    fw::SourceSpec spec;
    std::string key;
    std::unique_ptr<ServerListSource> list;
    std::string merge_error;  // why the current list was left out of the config
};

class DaemonExtension : public daemon::TlsExtension {
  public:
    explicit DaemonExtension(const stbf_port& port) : port_(port) {}

    bool prepare(const Config& config, std::string* error) override {
        bool ok = true;
        for (uint16_t i = 0; i < config.server_count; ++i) {
            const ServerConfig& s = config.servers[i];
            if (!s.tls.enabled) continue;
            const TlsOptions o = options_of(s);
            const std::string key = key_of(o);
            if (transports_.count(key) != 0) continue;
            TlsFailure failure = TlsFailure::None;
            std::string message;
            std::unique_ptr<TlsTransport> t = TlsTransport::create(port_, o, &failure, &message);
            if (!t) {
                *error +=
                    (ok ? "" : "\n") + std::string("server ") + s.label.c_str() + ": " + message;
                ok = false;
                continue;
            }
            if (!o.verify) {
                const std::string line = std::string("server ") + s.label.c_str() +
                                         ": TLS certificate verification is OFF (config says "
                                         "verify false)";
                port_.log(port_.ctx, STBF_LOG_WARNING, line.data(), line.size());
            }
            transports_[key] = std::move(t);
        }
        return ok;
    }

    const Transport* transport_for(const ServerConfig& server) override {
        auto it = transports_.find(key_of(options_of(server)));
        return it != transports_.end() ? it->second->table() : &kRefusing;
    }

    std::string tls_failure(const ServerConfig& server) const override {
        auto it = transports_.find(key_of(options_of(server)));
        if (it == transports_.end()) return "";
        const TlsTransport& t = *it->second;
        if (t.last_failure() == TlsFailure::None) return "";
        const std::string name = tls_failure_name(t.last_failure());
        const std::string& message = t.last_failure_message();
        return message.empty() || message == name ? name : name + ": " + message;
    }

    void set_sources(const std::vector<fw::SourceSpec>& specs,
                     const std::string& cache_dir) override {
        std::vector<Source> next;
        for (const fw::SourceSpec& spec : specs) {
            Source s;
            s.spec = spec;
            s.key = key_of(spec, cache_dir);
            for (Source& old : sources_)
                if (old.key == s.key && old.list) s.list = std::move(old.list);
            if (!s.list) {
                SourceOptions o;
                o.fetch.url = spec.url;
                o.fetch.tls.pin_sha256 = spec.pin_sha256;
                o.fetch.tls.ca_file = spec.ca_file;
                o.fetch.tls.sni = spec.sni;
                o.group_name = spec.group.empty() ? spec.name : spec.group;
                o.refresh_s = spec.refresh_s;
                o.format = spec.format;
                fw::Globals where;
                where.cache_dir = cache_dir;
                o.cache_path = fw::source_cache_path(where, spec);
                ::mkdir(cache_dir.c_str(), 0700);  // the box owner's lists; exists is fine
                s.list.reset(new ServerListSource(port_, o));
                if (s.list->load_cache()) {
                    const std::string line = "server list " + spec.url +
                                             ": using the cached copy (" +
                                             std::to_string(s.list->server_count()) + " servers)";
                    port_.log(port_.ctx, STBF_LOG_NOTICE, line.data(), line.size());
                }
            }
            next.push_back(std::move(s));
        }
        sources_ = std::move(next);
    }

    void refresh_now() override {
        for (Source& s : sources_) s.list->refresh_now();
    }

    bool poll() override {
        bool changed = false;
        for (Source& s : sources_) {
            if (s.list->poll()) {
                const std::string line = "server list " + s.spec.url + ": new list with " +
                                         std::to_string(s.list->server_count()) + " servers";
                port_.log(port_.ctx, STBF_LOG_NOTICE, line.data(), line.size());
                changed = true;
            }
            const HttpsFetch& f = s.list->fetch();
            if (!f.done() && f.socket() != STBF_SOCK_INVALID)
                port_.watch(port_.ctx, f.socket(), f.interest(), 0);
        }
        return changed;
    }

    void merge_lists(Config* config) override {
        for (Source& s : sources_) {
            s.merge_error.clear();
            if (!s.list->has_list()) continue;
            if (!fw::merge_source_list(config, s.spec, s.list->list(), &s.merge_error)) {
                const std::string line =
                    "server list " + s.spec.url + " left out: " + s.merge_error;
                port_.log(port_.ctx, STBF_LOG_WARNING, line.data(), line.size());
            }
        }
    }

    std::vector<daemon::SourceReport> source_reports() const override {
        std::vector<daemon::SourceReport> out;
        const TimeUs now = port_.now(port_.ctx);
        for (const Source& s : sources_) {
            daemon::SourceReport r;
            r.url = s.spec.url;
            r.group = s.spec.group;
            const ServerListSource& l = *s.list;
            r.reason = !s.merge_error.empty() ? "not applied: " + s.merge_error : l.last_error();
            if (r.reason.empty() && !l.has_list()) r.reason = "no list yet";
            r.ok = r.reason.empty();
            if (r.ok)
                r.failure = "";
            else if (!s.merge_error.empty())
                r.failure = "not applied";
            else if (l.last_failure() != FetchFailure::None)
                r.failure = fetch_failure_name(l.last_failure());
            else
                r.failure = l.last_error().empty() ? "no list yet" : "cache";
            r.has_success = l.last_success_at() != 0;
            r.last_success_ago_s = r.has_success ? (now - l.last_success_at()) / 1000000 : 0;
            const TimeUs next = l.next_refresh_at();
            r.next_fetch_s = next > now ? (next - now) / 1e6 : 0.0;
            r.servers = s.merge_error.empty() ? l.server_count() : 0;
            out.push_back(r);
        }
        return out;
    }

    TimeUs next_deadline() const override {
        TimeUs next = kNever;
        for (const Source& s : sources_) {
            const HttpsFetch& f = s.list->fetch();
            TimeUs at = s.list->next_refresh_at();
            // Running: only its time limit. Its socket's readiness and its resolution's
            // completion event (port v2 hands it to the daemon) wake the loop by themselves.
            if (!f.done() && f.deadline() != 0) at = f.deadline();
            if (at < next) next = at;
        }
        return next;
    }

  private:
    const stbf_port& port_;
    std::map<std::string, std::unique_ptr<TlsTransport>> transports_;
    std::vector<Source> sources_;
};

}  // namespace
}  // namespace stbf::tls

namespace stbf::daemon {

std::unique_ptr<TlsExtension> make_tls_extension(const stbf_port& port) {
    return std::unique_ptr<TlsExtension>(new tls::DaemonExtension(port));
}

bool tls_built_in() {
    return true;
}

}  // namespace stbf::daemon
