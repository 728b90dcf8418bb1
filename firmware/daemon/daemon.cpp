#include "daemon.h"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>

#include "admin_store.h"
#include "config_json.h"
#include "config_diagnostics.h"
#include "control.h"
#include "event_log.h"
#include "log_limiter.h"
#include "metrics.h"
#include "sized_engine.h"
#include "status_report.h"
#include "stbf/engine.h"
#include "stbf/posix_port.h"
#include "stbf/runtime.h"
#include "supervisor.h"
#include "web.h"

namespace stbf::daemon {

bool parse_listen_addr(const std::string& text, stbf_addr* out) {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos || colon + 1 >= text.size()) return false;
    std::string host = text.substr(0, colon);
    std::string port_text = text.substr(colon + 1);
    if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
        host = host.substr(1, host.size() - 2);
    else if (host.find(':') != std::string::npos)
        return false;  // an IPv6 address needs brackets
    unsigned long port = 0;
    for (char c : port_text) {
        if (c < '0' || c > '9' || port > 65535) return false;
        port = port * 10 + static_cast<unsigned long>(c - '0');
    }
    if (port == 0 || port > 65535) return false;
    return parse_numeric_addr(host.c_str(), static_cast<uint16_t>(port), out);
}

bool load_daemon_config(const std::string& path, LoadedConfig* out, std::string* error) {
    auto config = std::make_unique<Config>();
    auto diags = std::make_unique<Diagnostics>();
    fw::Globals globals;
    fw::LoadResult result = fw::load_config(path.c_str(), config.get(), &globals, diags.get());
    // The loader's own sorted "FILE:LINE:COL: severity: message" lines (errors and warnings).
    char* text = nullptr;
    size_t size = 0;
    std::FILE* mem = open_memstream(&text, &size);
    if (mem != nullptr) {
        fw::print_diagnostics(mem, *config, *diags, false);
        std::fclose(mem);
    }
    std::string report = text != nullptr ? std::string(text, size) : "";
    std::free(text);
    while (!report.empty() && report.back() == '\n') report.pop_back();
    if (result != fw::LoadResult::Ok) {
        *error = report.empty() ? path + ": cannot load" : report;
        return false;
    }
    out->config = std::move(config);
    out->control_socket = globals.control_socket;
    out->metrics_listen = globals.metrics_listen;
    out->web_listen = globals.web_listen;
    out->web_password = globals.web_password;
    out->log_level = globals.log_level;
    out->warnings = report;
    out->sources = globals.sources;
    out->cache_dir = globals.cache_dir;
    return true;
}

namespace {
constexpr const char* kNoTlsSupport =
    ", but this stbfailover was built without TLS support (build with STBF_WITH_TLS=ON and "
    "mbedTLS, or remove it from the config)";
}  // namespace

std::string tls_requirement(const Config& config, const std::vector<fw::SourceSpec>& sources) {
    for (uint16_t i = 0; i < config.server_count; ++i)
        if (config.servers[i].tls.enabled)
            return std::string("server ") + config.servers[i].label.c_str() + " has \"tls\"";
    if (!sources.empty()) return "source " + sources[0].url + " is fetched over HTTPS";
    return "";
}

std::string missing_tls_message(const Config& config, const std::vector<fw::SourceSpec>& sources) {
    if (tls_built_in()) return "";
    const std::string user = tls_requirement(config, sources);
    return user.empty() ? "" : user + kNoTlsSupport;
}

bool config_with_tls(const LoadedConfig& loaded, TlsExtension* tls, Config* out,
                     std::string* error) {
    if (tls == nullptr) {
        const std::string user = tls_requirement(*loaded.config, loaded.sources);
        if (!user.empty()) {
            *error = user + kNoTlsSupport;
            return false;
        }
    }
    *out = *loaded.config;
    if (tls == nullptr) return true;
    tls->set_sources(loaded.sources, loaded.cache_dir);
    tls->merge_lists(out);
    std::string why;
    if (!tls->prepare(*out, &why)) {
        *error = "TLS: " + why;
        return false;
    }
    return true;
}

const Transport* select_tls_transport(void* extension, const ServerConfig& server) {
    return server.tls.enabled ? static_cast<TlsExtension*>(extension)->transport_for(server)
                              : nullptr;
}

void count_descriptors(long* open_fds, long* open_sockets, long* max_fds) {
    *open_fds = *open_sockets = *max_fds = -1;
    rlimit rl;
    if (::getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY)
        *max_fds = static_cast<long>(rl.rlim_cur);
    DIR* dir = ::opendir("/proc/self/fd");
    if (dir == nullptr) return;  // counting needs no descriptor of its own beyond this one
    long fds = 0, sockets = 0;
    const int own = ::dirfd(dir);
    while (dirent* e = ::readdir(dir)) {
        if (e->d_name[0] == '.' || std::atoi(e->d_name) == own) continue;
        ++fds;
        char target[64];
        const std::string link = std::string("/proc/self/fd/") + e->d_name;
        ssize_t n = ::readlink(link.c_str(), target, sizeof(target) - 1);
        if (n > 7 && std::strncmp(target, "socket:", 7) == 0) ++sockets;
    }
    ::closedir(dir);
    *open_fds = fds;
    *open_sockets = sockets;
}

namespace {

constexpr TimeUs kMaxWaitUs = 1000000;  // the loop looks at its own timers at least every second

// The port's log function, wrapped by the daemon's rate limit (one daemon per process; the
// port table has no user pointer of its own for this).
struct LogHook {
    LogLimiter* limiter = nullptr;
    void (*original)(void* ctx, stbf_log_level level, const char* msg, size_t len) = nullptr;
    void* ctx = nullptr;
    const stbf_port* port = nullptr;
};
LogHook g_log_hook;

void limited_log(void* ctx, stbf_log_level level, const char* msg, size_t len) {
    LogHook& h = g_log_hook;
    if (h.original == nullptr) return;
    if (h.limiter == nullptr || level == STBF_LOG_DEBUG) {  // debug lines are off on boxes
        h.original(ctx, level, msg, len);
        return;
    }
    h.limiter->log(level, std::string(msg, len), h.port->now(h.port->ctx));
}

class Daemon {
  public:
    Daemon(const DaemonOptions& options, const ConfigLoader& loader)
        : options_(options),
          loader_(loader),
          handlers_{[this](bool json) { return status(json); }, [this] { return reload(); },
                    [this] { return events_text(report()); },
                    [this](const AdminRequest& r, const std::string& peer) {
                        return server_command(r, "cli " + peer);
                    }},
          control_(handlers_),
          metrics_body_([this] { return render_metrics(report()); }),
          metrics_(metrics_body_),
          web_handlers_{[this] { return status_json(report()); },
                        [this](const AdminRequest& r, const std::string& by) {
                            return server_command(r, by);
                        }},
          web_(web_handlers_),
          log_limiter_([](stbf_log_level level, const std::string& line) {
              g_log_hook.original(g_log_hook.ctx, level, line.data(), line.size());
          }) {}

    ~Daemon() {
        if (g_log_hook.limiter == &log_limiter_) {
            if (table_ != nullptr) table_->log = g_log_hook.original;
            g_log_hook = LogHook();
        }
    }

    int run() {
        if (!start()) {
            stop_all();
            return 1;
        }
        log_printf(*table_, STBF_LOG_NOTICE, "started: %u group(s), control socket %s",
                   engine_->group_count(), control_path_.c_str());
        while (!stop_requested_) {
            TimeUs now = runtime_->now();
            TimeUs wait = kMaxWaitUs;
            const TimeUs tls_deadline = tls_ ? tls_->next_deadline() : kNever;
            for (TimeUs d : {control_.next_deadline(), metrics_.next_deadline(),
                             web_.next_deadline(), tls_deadline, log_limiter_.next_deadline()})
                if (d != kNever) wait = d > now ? (d - now < wait ? d - now : wait) : 0;
            Status st = runtime_->step(wait);
            if (st != Status::Ok) {
                log_printf(*table_, STBF_LOG_ERROR, "event loop failed: %s", status_name(st));
                break;
            }
            now = runtime_->now();
            drain_notices();
            control_.answer_pending();
            metrics_.answer_pending();
            web_.answer_pending();
            control_.on_timeout(now);
            metrics_.on_timeout(now);
            web_.on_timeout(now);
            log_limiter_.flush(now);
            if (reload_requested_) {
                reload_requested_ = false;
                reload();
            }
            if (tls_ && tls_->poll()) apply_source_lists();
        }
        log_limiter_.flush_all(runtime_->now());
        log_printf(*table_, STBF_LOG_NOTICE, "stopping: closing %u session(s)",
                   static_cast<unsigned>(runtime_->open_sessions()));
        stop_all();
        return 0;
    }

  private:
    // Logs every line of a multi-line message.
    void log_lines(stbf_log_level level, const std::string& prefix, const std::string& text) {
        size_t start = 0;
        while (start < text.size()) {
            size_t end = text.find('\n', start);
            if (end == std::string::npos) end = text.size();
            if (end > start)
                log_printf(*table_, level, "%s%s", prefix.c_str(),
                           text.substr(start, end - start).c_str());
            start = end + 1;
        }
    }

    bool start() {
        PosixPortOptions po;
        po.log_level = options_.log_level;
        po.use_syslog = options_.use_syslog;
        std::string error;
        port_ = PosixPort::create(po, &error);
        if (!port_) {
            std::fprintf(stderr, "stbfailover: %s\n", error.c_str());
            return false;
        }
        table_ = port_->table();
        g_log_hook.limiter = &log_limiter_;
        g_log_hook.original = table_->log;
        g_log_hook.ctx = table_->ctx;
        g_log_hook.port = table_;
        table_->log = &limited_log;

        if (!loader_(options_.config_path, &loaded_, &error)) {
            log_lines(STBF_LOG_ERROR, "", error);
            if (options_.use_syslog) std::fprintf(stderr, "%s\n", error.c_str());
            return false;
        }
        apply_log_level(loaded_.log_level);
        log_lines(STBF_LOG_WARNING, "", loaded_.warnings);
        if (!open_signals()) return false;

        tls_ = make_tls_extension(*table_);
        if (tls_)
            facts_.tls_failure_of = [this](const ServerConfig& s) { return tls_->tls_failure(s); };
        std::unique_ptr<Config> effective;
        if (!effective_config(loaded_, &effective, &error)) {
            log_lines(STBF_LOG_ERROR, "", error);
            if (options_.use_syslog) std::fprintf(stderr, "%s\n", error.c_str());
            return false;
        }
        // The tables are sized once, from the config's capacity: a reload cannot grow them.
        sized_engine_ = make_sized_engine(effective->capacity);
        if (!sized_engine_) {
            log_printf(*table_, STBF_LOG_ERROR, "%s: cannot start: capacity out of range",
                       options_.config_path.c_str());
            return false;
        }
        engine_ = &sized_engine_->engine;
        runtime_ = std::make_unique<SizedRuntime>(*engine_, table_);
        runtime_->set_foreign_handler(&Daemon::foreign_event, this);
        if (tls_) runtime_->set_transport_selector(&select_tls_transport, tls_.get());
        Status st = runtime_->init(*effective, table_->now(table_->ctx));
        if (st != Status::Ok) {
            log_printf(*table_, STBF_LOG_ERROR, "%s: cannot start: %s",
                       options_.config_path.c_str(), status_name(st));
            return false;
        }
        started_at_ = runtime_->now();
        std::string admin_error;
        if (!admin_.load(AdminStore::path_in(loaded_.cache_dir), &admin_error))
            log_printf(*table_, STBF_LOG_WARNING, "%s", admin_error.c_str());
        restore_admin_states();
        drain_notices();

        control_path_ = !options_.control_socket.empty()  ? options_.control_socket
                        : !loaded_.control_socket.empty() ? loaded_.control_socket
                                                          : kDefaultControlSocket;
        int fd = open_control_socket(control_path_, &error);
        stbf_sock cs = STBF_SOCK_INVALID;
        if (fd < 0 || port_->adopt_fd(fd, &cs) != STBF_PORT_OK) {
            log_printf(*table_, STBF_LOG_ERROR, "%s", error.c_str());
            if (fd >= 0) ::close(fd);
            control_path_.clear();
            return false;
        }
        control_.set_peer_key(
            [this](stbf_sock s, const stbf_addr&) { return unix_peer_key(port_->native_fd(s)); });
        control_.start(table_, cs);
        if (!start_metrics(loaded_.metrics_listen)) return false;
        if (!start_web(loaded_.web_listen, loaded_.web_password)) return false;
        return write_pidfile();
    }

    // The config in force: the file's, plus every provider list, with TLS transports ready.
    // False with *error ("FILE: message") when TLS is asked for and cannot be had.
    bool effective_config(const LoadedConfig& loaded, std::unique_ptr<Config>* out,
                          std::string* error) {
        auto config = std::make_unique<Config>();
        std::string why;
        if (!config_with_tls(loaded, tls_.get(), config.get(), &why)) {
            *error = options_.config_path + ": " + why;
            return false;
        }
        *out = std::move(config);
        return true;
    }

    // Hands `next` to the runtime (live sessions kept).
    Status apply_config(const Config& next) {
        Status st = runtime_->reload(next);
        if (st == Status::Ok)
            restore_admin_states();  // a server back in the config keeps its drain
        drain_notices();
        return st;
    }

    int64_t wall_now() const { return static_cast<int64_t>(::time(nullptr)); }

    // One log line and one history entry per event.
    void record(const std::string& kind, const std::string& group, const std::string& server,
                const std::string& text, stbf_log_level level = STBF_LOG_NOTICE) {
        log_printf(*table_, level, "%s", text.c_str());
        events_.add(kind, group, server, text, runtime_->now(), wall_now());
    }

    // Prints and records what the engine says happened; never compares engine state.
    void drain_notices() {
        Notice n{};
        while (engine_->pop_notice(&n)) {
            NoticeText t = describe_notice(*engine_, n);
            if (n.kind == NoticeKind::Admin) {
                t.text += admin_by_.empty() ? " (restored from the state file)"
                                            : " (by " + admin_by_ + ")";
            }
            const bool bad = n.kind == NoticeKind::Panic         ? n.on
                             : n.kind == NoticeKind::ServerState ? n.to_state == ServerState::Down
                                                                 : false;
            record(t.kind, t.group, t.server, t.text, bad ? STBF_LOG_WARNING : STBF_LOG_NOTICE);
        }
        if (engine_->notices_dropped() != notices_dropped_seen_) {
            log_printf(*table_, STBF_LOG_WARNING, "%u engine notice(s) lost (history incomplete)",
                       engine_->notices_dropped() - notices_dropped_seen_);
            notices_dropped_seen_ = engine_->notices_dropped();
        }
    }

    // Servers of group `g` that `name` means: its label, or host:port.
    std::vector<ServerSlot> servers_named(uint8_t g, const AdminRequest& r) const {
        std::vector<ServerSlot> out;
        const GroupStatus gs = engine_->group_status(g);
        for (uint16_t i = 0; i < gs.config->server_count; ++i) {
            const ServerSlot slot = engine_->group_server(g, i);
            const ServerConfig* cfg = engine_->server_config(slot);
            if (cfg == nullptr) continue;
            if (r.all || r.server == cfg->label.c_str() ||
                r.server == host_port_text(cfg->host.c_str(), cfg->port))
                out.push_back(slot);
        }
        return out;
    }

    int group_named(const std::string& name) const {
        for (uint16_t g = 0; g < engine_->group_count(); ++g)
            if (name == engine_->group_status(g).config->name.c_str()) return g;
        return -1;
    }

    // `stbfailover server ...` and the web page's buttons. `by` says who asked.
    std::string server_command(const AdminRequest& r, const std::string& by) {
        const int g = group_named(r.group);
        if (g < 0) {
            std::string names;
            for (uint16_t i = 0; i < engine_->group_count(); ++i)
                names += std::string(i ? ", " : "") + engine_->group_status(i).config->name.c_str();
            return "error: no group '" + r.group + "' (groups: " + names + ")\n";
        }
        const std::vector<ServerSlot> slots = servers_named(static_cast<uint8_t>(g), r);
        if (slots.empty())
            return "error: group " + r.group + " has no server '" + r.server +
                   "' (use its label as status shows it, or host:port)\n";
        const TimeUs now = runtime_->now();
        std::string answer;
        admin_by_ = by;
        for (ServerSlot slot : slots) {
            const std::string label = engine_->server_config(slot)->label.c_str();
            const Status st = engine_->set_admin_state(slot, r.state, r.grace_ms, now);
            if (st != Status::Ok) {
                answer += "error: server " + label + ": " + status_name(st) + "\n";
                continue;
            }
            AdminRecord rec;
            rec.group = r.group;
            rec.server = label;
            rec.state = r.state;
            rec.set_by = by;
            rec.since = wall_now();
            rec.grace_ms = r.grace_ms;
            admin_.set(rec);
            answer += "ok: server " + label + " of group " + r.group + ": " +
                      admin_state_name(r.state) + "\n";
        }
        // The runtime carries out the actions this queued (cut sessions) at the start of its
        // next step; stepping here would dispatch events inside the control server's answer.
        drain_notices();
        admin_by_.clear();
        std::string error;
        if (!admin_.save(&error))
            log_printf(*table_, STBF_LOG_WARNING, "admin state not saved (lost at restart): %s",
                       error.c_str());
        return answer;
    }

    // Applies the stored admin states to the servers in the config (start, reload).
    void restore_admin_states() {
        const TimeUs now = runtime_->now();
        for (const AdminRecord& rec : admin_.records()) {
            const int g = group_named(rec.group);
            if (g < 0) continue;  // kept: the group may come back
            AdminRequest r;
            r.server = rec.server;
            for (ServerSlot slot : servers_named(static_cast<uint8_t>(g), r))
                if (engine_->admin_state(slot) != rec.state)
                    engine_->set_admin_state(slot, rec.state, 0, now);
        }
    }

    // A provider list changed: the file's config plus the new lists, applied like a reload.
    void apply_source_lists() {
        std::unique_ptr<Config> effective;
        std::string error;
        Status st = Status::Ok;
        if (effective_config(loaded_, &effective, &error)) {
            st = apply_config(*effective);
            if (st != Status::Ok) error = std::string("cannot apply: ") + status_name(st);
        }
        if (!error.empty()) {
            log_lines(STBF_LOG_ERROR, "server list not applied, old servers stay: ", error);
            return;
        }
        record("reload", "", "",
               "server list applied: generation " + std::to_string(engine_->config_generation()) +
                   ", " + std::to_string(engine_->group_count()) + " group(s)");
    }

    void apply_log_level(const std::string& from_config) {
        stbf_log_level level;
        if (options_.log_level_set || from_config.empty()) return;
        if (parse_log_level(from_config.c_str(), &level))
            port_->set_log_level(level);
        else
            log_printf(*table_, STBF_LOG_WARNING, "%s: unknown log_level '%s' ignored",
                       options_.config_path.c_str(), from_config.c_str());
    }

    bool open_signals() {
        sigset_t set;
        sigemptyset(&set);
        sigaddset(&set, SIGTERM);
        sigaddset(&set, SIGINT);
        sigaddset(&set, SIGHUP);
        pthread_sigmask(SIG_BLOCK, &set, nullptr);
        int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
        if (fd < 0 || port_->adopt_fd(fd, &signal_sock_) != STBF_PORT_OK) {
            log_printf(*table_, STBF_LOG_ERROR, "cannot open a signalfd: %s", std::strerror(errno));
            if (fd >= 0) ::close(fd);
            return false;
        }
        table_->watch(table_->ctx, signal_sock_, STBF_READABLE, 0);
        return true;
    }

    bool start_metrics(const std::string& listen) {
        if (listen.empty()) return true;
        stbf_addr addr;
        if (!parse_listen_addr(listen, &addr)) {
            log_printf(*table_, STBF_LOG_ERROR,
                       "%s: metrics_listen '%s' is not a numeric address:port",
                       options_.config_path.c_str(), listen.c_str());
            return false;
        }
        stbf_sock s = STBF_SOCK_INVALID;
        stbf_port_status st = table_->tcp_listen(table_->ctx, &addr, &s);
        if (st != STBF_PORT_OK) {
            log_printf(*table_, STBF_LOG_ERROR, "metrics: cannot listen on %s: %s", listen.c_str(),
                       port_status_name(st));
            return false;
        }
        metrics_.start(table_, s);
        log_printf(*table_, STBF_LOG_INFO, "metrics on http://%s/metrics", listen.c_str());
        return true;
    }

    bool start_web(const std::string& listen, const std::string& password_hash) {
        if (listen.empty()) return true;
        stbf_addr addr;
        if (!parse_listen_addr(listen, &addr)) {
            log_printf(*table_, STBF_LOG_ERROR, "%s: web_listen '%s' is not a numeric address:port",
                       options_.config_path.c_str(), listen.c_str());
            return false;
        }
        stbf_sock s = STBF_SOCK_INVALID;
        stbf_port_status st = table_->tcp_listen(table_->ctx, &addr, &s);
        if (st != STBF_PORT_OK) {
            log_printf(*table_, STBF_LOG_ERROR, "web: cannot listen on %s: %s", listen.c_str(),
                       port_status_name(st));
            return false;
        }
        web_.set_access(password_hash);
        if (web_.access().csrf_token.empty()) {
            log_printf(*table_, STBF_LOG_ERROR, "web: no randomness for its CSRF token");
            table_->tcp_close(table_->ctx, s);
            return false;
        }
        web_.start(table_, s);
        log_printf(*table_, STBF_LOG_INFO, "web status page on http://%s/%s", listen.c_str(),
                   password_hash.empty() ? "" : " (password)");
        return true;
    }

    bool write_pidfile() {
        if (options_.pidfile.empty()) return true;
        int fd = ::open(options_.pidfile.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        std::string text = std::to_string(::getpid()) + "\n";
        bool ok =
            fd >= 0 && ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
        if (fd >= 0) ::close(fd);
        if (!ok) {
            log_printf(*table_, STBF_LOG_ERROR, "cannot write pidfile %s: %s",
                       options_.pidfile.c_str(), std::strerror(errno));
            return false;
        }
        pidfile_written_ = true;
        return true;
    }

    void stop_all() {
        if (runtime_) runtime_->shutdown();
        control_.stop();
        metrics_.stop();
        web_.stop();
        if (!control_path_.empty()) ::unlink(control_path_.c_str());
        if (pidfile_written_) ::unlink(options_.pidfile.c_str());
        if (table_ != nullptr && signal_sock_ != STBF_SOCK_INVALID)
            table_->tcp_close(table_->ctx, signal_sock_);
        signal_sock_ = STBF_SOCK_INVALID;
    }

    // Events of the daemon's own sockets and of the TLS extension's resolutions (tag 0). A
    // resolution needs nothing here: the event ends the runtime's wait, and the loop then
    // advances the extension (tls_->poll()), which takes the result.
    static void foreign_event(void* user, const stbf_event& ev) {
        Daemon* d = static_cast<Daemon*>(user);
        if (ev.kind != STBF_EVENT_SOCKET) return;
        const stbf_sock sock = ev.sock;
        TimeUs now = d->runtime_->now();
        if (sock == d->signal_sock_)
            d->read_signals();
        else if (d->control_.owns(sock))
            d->control_.on_event(ev, now);
        else if (d->metrics_.owns(sock))
            d->metrics_.on_event(ev, now);
        else if (d->web_.owns(sock))
            d->web_.on_event(ev, now);
    }

    void read_signals() {
        signalfd_siginfo si;
        int fd = port_->native_fd(signal_sock_);
        for (int i = 0; i < 16 && ::read(fd, &si, sizeof(si)) == sizeof(si); ++i) {
            if (si.ssi_signo == SIGHUP) {
                log_printf(*table_, STBF_LOG_NOTICE, "SIGHUP: reloading %s",
                           options_.config_path.c_str());
                reload_requested_ = true;  // after this step, outside the runtime's dispatch
            } else {
                log_printf(*table_, STBF_LOG_NOTICE, "signal %u: draining and exiting",
                           si.ssi_signo);
                stop_requested_ = true;
            }
        }
    }

    static std::string capacity_text(const Capacity& c) {
        return std::to_string(c.servers) + " servers, " + std::to_string(c.groups) + " groups, " +
               std::to_string(c.sessions) + " sessions";
    }

    std::string reload() {
        TimeUs now = runtime_->now();
        facts_.reloaded = true;
        last_reload_at_ = now;
        LoadedConfig next;
        std::string error;
        Status st = Status::Ok;
        std::unique_ptr<Config> effective;
        if (loader_(options_.config_path, &next, &error) &&
            effective_config(next, &effective, &error)) {
            st = apply_config(*effective);
            if (st == Status::CapacityExceeded)
                error = options_.config_path + ": cannot apply: " + status_name(st) +
                        ": the new config needs more than the tables sized at start (capacity " +
                        capacity_text(engine_->capacity()) +
                        "); a larger \"capacity\" takes "
                        "effect at restart";
            else if (st != Status::Ok)
                error = options_.config_path + ": cannot apply: " + status_name(st);
        }
        if (!error.empty()) {
            facts_.last_reload_ok = false;
            facts_.last_reload_message = error;
            log_lines(STBF_LOG_ERROR, "reload rejected, old config stays: ", error);
            events_.add("reload", "", "",
                        "reload rejected, generation " +
                            std::to_string(engine_->config_generation()) +
                            " stays: " + error.substr(0, error.find('\n')),
                        now, wall_now());
            return "error: reload rejected, generation " +
                   std::to_string(engine_->config_generation()) + " stays in force\n" + error;
        }
        const Capacity& asked = effective->capacity;
        const Capacity& sized = engine_->capacity();
        if (asked.servers != sized.servers || asked.groups != sized.groups ||
            asked.sessions != sized.sessions)
            log_printf(*table_, STBF_LOG_WARNING,
                       "capacity %s changes at restart only (running: %s)",
                       capacity_text(asked).c_str(), capacity_text(sized).c_str());
        if (next.control_socket != loaded_.control_socket ||
            next.metrics_listen != loaded_.metrics_listen || next.web_listen != loaded_.web_listen)
            log_printf(*table_, STBF_LOG_WARNING,
                       "control socket, metrics and web addresses change at restart only");
        next.control_socket = loaded_.control_socket;
        next.metrics_listen = loaded_.metrics_listen;
        next.web_listen = loaded_.web_listen;
        if (web_.listening()) web_.set_access(next.web_password);  // a new password at once
        // Each skipped reader or line is logged once: a reload repeats only new warnings.
        const std::string logged_before = "\n" + loaded_.warnings + "\n";
        loaded_ = std::move(next);
        apply_log_level(loaded_.log_level);
        std::string fresh;
        for (size_t start = 0; start < loaded_.warnings.size();) {
            size_t end = loaded_.warnings.find('\n', start);
            if (end == std::string::npos) end = loaded_.warnings.size();
            const std::string line = loaded_.warnings.substr(start, end - start);
            if (!line.empty() && logged_before.find("\n" + line + "\n") == std::string::npos)
                fresh += line + "\n";
            start = end + 1;
        }
        log_lines(STBF_LOG_WARNING, "", fresh);
        facts_.last_reload_ok = true;
        facts_.last_reload_message = "ok";
        if (tls_) tls_->refresh_now();  // a manual reload also asks for fresh server lists
        record("reload", "", "",
               "reloaded " + options_.config_path + ": generation " +
                   std::to_string(engine_->config_generation()) + ", " +
                   std::to_string(engine_->group_count()) + " group(s)");
        return "ok generation " + std::to_string(engine_->config_generation());
    }

    StatusReport report() {
        TimeUs now = runtime_->now();
        facts_.pid = static_cast<long>(::getpid());
        facts_.uptime_s = (now - started_at_) / 1000000;
        facts_.config_path = options_.config_path;
        facts_.restarts = supervisor_state().restarts;
        facts_.last_restart_reason = supervisor_state().last_exit;
        facts_.last_reload_ago_s = facts_.reloaded ? (now - last_reload_at_) / 1000000 : 0;
        count_descriptors(&facts_.open_fds, &facts_.open_sockets, &facts_.max_fds);
        facts_.local_ports.clear();
        auto local = [this](const char* name, const RequestServer& server) {
            if (server.listening())
                facts_.local_ports.push_back(
                    {name, server.connections(), server.refused(), server.evicted()});
        };
        local("control", control_);
        local("metrics", metrics_);
        local("web", web_);
        facts_.log_lines_suppressed = log_limiter_.suppressed_total();
        StatusReport r = build_status_report(*engine_, now, facts_);
        if (tls_) r.sources = tls_->source_reports();
        r.now = now;
        r.wall_now = wall_now();
        r.events.assign(events_.events().begin(), events_.events().end());
        for (GroupReport& g : r.groups) {
            for (ServerReport& s : g.servers) {
                if (const AdminRecord* rec = admin_.find(g.name, s.label)) {
                    s.admin_set_by = rec->set_by;
                    s.admin_since = rec->since;
                }
            }
        }
        return r;
    }

    std::string status(bool json) {
        StatusReport r = report();
        return json ? status_json(r) : status_text(r);
    }

    DaemonOptions options_;
    ConfigLoader loader_;
    ControlHandlers handlers_;
    ControlServer control_;
    std::function<std::string()> metrics_body_;
    MetricsServer metrics_;
    WebHandlers web_handlers_;
    WebServer web_;
    LogLimiter log_limiter_;
    std::unique_ptr<PosixPort> port_;
    stbf_port* table_ = nullptr;
    // Before the runtime: its connections use the TLS transports, so it must go first.
    std::unique_ptr<TlsExtension> tls_;  // null: this binary has no TLS support
    std::unique_ptr<SizedEngine> sized_engine_;
    Engine* engine_ = nullptr;  // sized_engine_'s
    std::unique_ptr<SizedRuntime> runtime_;
    LoadedConfig loaded_;
    stbf_sock signal_sock_ = STBF_SOCK_INVALID;
    std::string control_path_;
    bool pidfile_written_ = false;
    bool stop_requested_ = false;
    bool reload_requested_ = false;
    TimeUs started_at_ = 0;
    TimeUs last_reload_at_ = 0;
    DaemonFacts facts_;
    EventLog events_;
    AdminStore admin_;
    std::string admin_by_;  // who is changing admin states right now ("" = restored from file)
    uint32_t notices_dropped_seen_ = 0;
};

}  // namespace

int run_daemon(const DaemonOptions& options, const ConfigLoader& loader) {
    // Started by an init script, descriptors 0-2 may be closed: the next socket would get one
    // of them and log lines would be written into it. Park /dev/null there first.
    for (int fd = 0; fd <= 2; ++fd) {
        if (::fcntl(fd, F_GETFD) != -1) continue;
        int null_fd = ::open("/dev/null", O_RDWR);
        if (null_fd >= 0 && null_fd != fd) {
            ::dup2(null_fd, fd);
            ::close(null_fd);
        }
    }
    // A log reader that went away (stderr piped to a logger) must not kill the daemon.
    ::signal(SIGPIPE, SIG_IGN);
    Daemon d(options, loader);
    return d.run();
}

}  // namespace stbf::daemon
