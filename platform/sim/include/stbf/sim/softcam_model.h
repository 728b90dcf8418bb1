// An OSCam-like softcam, sans I/O: the behaviour of a real OSCam box with N cccam readers of one
// account, as measured on loopback (shared/reference receivers.md, "Real OSCam as a client"),
// with time and sockets supplied from outside. Two drivers run it: stbf::sim::Softcam on the
// virtual network (stbf/sim/clients.h) and stbf::standin::Softcam on real loopback sockets
// (firmware/daemon/standin.h); both only carry the actions out and feed back what happened.
//
// What it does, per reader (reader 0 first; readers 1.. are fallback readers):
//  - connects at start; waits up to `greeting_timeout_us` for the 16-byte CCcam greeting, then
//    sends a 46-byte login and waits (as long again) for the 20-byte answer: logged in;
//  - sends a keepalive every `keepalive_every_us` and never checks for its answer
//    (ccckeepalive = 1: a hung server is never noticed by the reader itself);
//  - after the connection of a logged-in reader closes, reconnects only on its idle tick
//    (every `idle_tick_us`, phase random per reader: OSCam's cc_idle, 0.15-13 s after a close);
//  - a failed connect (refused, greeting or login missing) is retried after a back-off that
//    grows x`backoff_factor` from `backoff_first_us` up to `backoff_max_us`; a login resets it.
// Requests ("ECMs") every `ecm_every_us`: each goes to the first logged-in reader at once
// (readers not logged in are skipped at once, as OSCam refuses ECMs to a disconnected cccam
// reader); if unanswered after `fallback_timeout_us` it also goes to the next logged-in reader
// (OSCam's fallbacktimeout), and so on; a reader that drops its connection passes its pending
// requests on at once. A request not answered within `client_timeout_us` is lost (OSCam's
// clienttimeout). Each request records when it was sent, to whom, and when and by whom it was
// answered.
//
// The wire (what the stand-in line servers accept): greeting 16 bytes down, login 46 up and 20
// down, then 8-byte frames both ways: kind byte, 3 zero bytes, 32-bit id (big endian). The
// servers echo every frame; an echoed ECM frame is its answer, an echoed keepalive is ignored.
#ifndef STBF_SIM_SOFTCAM_MODEL_H
#define STBF_SIM_SOFTCAM_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include <deque>
#include <vector>

namespace stbf::sim {

constexpr size_t kLineGreetingSize = 16;
constexpr size_t kLineLoginSize = 46;
constexpr size_t kLineLoginReplySize = 20;
constexpr size_t kLineFrameSize = 8;
constexpr uint8_t kLineFrameKeepalive = 'K';
constexpr uint8_t kLineFrameEcm = 'E';
/// "Never" for times of the model (no deadline, not answered).
constexpr uint64_t kSoftcamNever = ~static_cast<uint64_t>(0);
constexpr unsigned kSoftcamMaxReaders = 8;

struct SoftcamOptions {
    unsigned readers = 1;                      ///< 1..kSoftcamMaxReaders
    uint64_t ecm_every_us = 1'000'000;         ///< request period; 0 = no requests
    uint64_t ecm_start_us = 3'000'000;         ///< first request, after start()
    uint64_t fallback_timeout_us = 2'500'000;  ///< OSCam fallbacktimeout (default 2500 ms)
    uint64_t client_timeout_us = 5'000'000;    ///< OSCam clienttimeout: later = lost
    uint64_t keepalive_every_us = 15'000'000;  ///< 0 = none
    uint64_t idle_tick_us = 13'000'000;        ///< cc_idle period (reconnect after a close)
    uint64_t greeting_timeout_us = 2'000'000;  ///< for the greeting, then again for the login
    uint64_t backoff_first_us = 100'000;       ///< after a failed connect
    uint64_t backoff_max_us = 60'000'000;
    unsigned backoff_factor = 4;
    uint64_t seed = 1;  ///< drives the tick phases
    /// Bound on the number of requests (every loop stops by itself).
    unsigned max_requests = 100'000;
};

struct SoftcamRequest {
    uint32_t id = 0;
    uint64_t sent_us = 0;                  ///< when it was due (and sent, if a reader was up)
    uint64_t answered_us = kSoftcamNever;  ///< first answer within the client timeout
    int answered_by = -1;                  ///< reader index
    std::vector<uint8_t> asked;            ///< readers asked, in order
    std::vector<uint64_t> asked_us;        ///< when each was asked
    bool answered() const { return answered_us != kSoftcamNever; }
    /// Answer delay; kSoftcamNever if lost.
    uint64_t delay_us() const { return answered() ? answered_us - sent_us : kSoftcamNever; }
};

/// What a box owner would see of the requests due in [from_us, to_us]: the longest time
/// without an answer (from `from_us` or an answer to the next answer, or to `to_us`), requests
/// lost (never answered in time) and late (answered after `late_after_us`).
struct SoftcamSummary {
    unsigned requests = 0;
    unsigned lost = 0;
    unsigned late = 0;
    uint64_t longest_gap_us = 0;
    uint64_t last_late_sent_us = kSoftcamNever;  ///< when the last late request was due
};
SoftcamSummary summarize(const std::vector<SoftcamRequest>& requests, uint64_t from_us,
                         uint64_t to_us, uint64_t late_after_us);

enum class ReaderEventKind : uint8_t {
    Connecting,
    Connected,        ///< TCP connected, waiting for the greeting
    ConnectFailed,    ///< refused / unreachable / timed out
    GreetingTimeout,  ///< greeting or login answer missing in time (the reader closes)
    LoggedIn,
    Closed,  ///< the connection ended (peer close or reset)
};
const char* reader_event_name(ReaderEventKind k);

struct ReaderEvent {
    uint64_t at_us;
    uint8_t reader;
    ReaderEventKind kind;
};

struct SoftcamAction {
    enum class Kind : uint8_t { Connect, Send, Close };
    Kind kind;
    uint8_t reader;
    std::vector<uint8_t> bytes;  ///< Send only
};

class SoftcamModel {
  public:
    explicit SoftcamModel(const SoftcamOptions& options);

    // Inputs. Each first runs whatever timer is due at `now` (times never go backwards).
    void start(uint64_t now);
    void on_connected(unsigned reader, uint64_t now);
    void on_connect_failed(unsigned reader, uint64_t now);
    void on_received(unsigned reader, const uint8_t* data, size_t len, uint64_t now);
    /// The connection ended (peer close or reset). Ignored unless connecting or connected.
    void on_closed(unsigned reader, uint64_t now);
    /// Run the timers due at `now`.
    void on_time(uint64_t now);
    /// Stop: no more requests or reconnects; open connections are closed.
    void stop(uint64_t now);

    // Outputs.
    bool pop_action(SoftcamAction* out);
    /// Earliest time on_time has something to do; kSoftcamNever when nothing is scheduled.
    uint64_t next_deadline() const;

    // What happened.
    const SoftcamOptions& options() const { return o_; }
    const std::vector<SoftcamRequest>& requests() const { return requests_; }
    const std::vector<ReaderEvent>& events() const { return events_; }
    bool logged_in(unsigned reader) const;
    unsigned logged_in_count() const;
    /// Greeting bytes of the reader's current (or last) session; empty before the first.
    const std::vector<uint8_t>& greeting(unsigned reader) const {
        return readers_[reader].greeting;
    }
    /// Keepalives sent in total.
    uint64_t keepalives_sent() const { return keepalives_; }

  private:
    enum class State : uint8_t { Down, Connecting, Greeting, Login, Ready };
    struct Reader {
        State state = State::Down;
        uint64_t deadline = kSoftcamNever;  // greeting / login answer due
        uint64_t next_keepalive = kSoftcamNever;
        uint64_t retry_at = kSoftcamNever;  // reconnect (back-off or idle tick)
        uint64_t tick_phase = 0;
        uint64_t backoff = 0;
        std::vector<uint8_t> in;  // bytes not yet consumed
        std::vector<uint8_t> greeting;
    };
    struct Pending {
        size_t request;        // index into requests_
        unsigned next_reader;  // fallback goes to readers >= this
        uint64_t fallback_at;  // ask the next reader then (kSoftcamNever: nobody left)
        uint64_t give_up_at;
    };

    void advance(uint64_t now);
    void run_due(uint64_t now);
    void connect(unsigned r, uint64_t now);
    void fail(unsigned r, ReaderEventKind why, uint64_t now);
    void lost_session(unsigned r, uint64_t now);
    void pass_on(unsigned r, uint64_t now);
    void consume(unsigned r, uint64_t now);
    void new_request(uint64_t now);
    bool ask_next(Pending& p, uint64_t now);
    void send(unsigned r, uint8_t kind, uint32_t id);
    void log(unsigned r, ReaderEventKind k, uint64_t now);
    uint64_t next_tick(unsigned r, uint64_t now) const;

    SoftcamOptions o_;
    Reader readers_[kSoftcamMaxReaders];
    std::vector<SoftcamRequest> requests_;
    std::vector<Pending> pending_;
    std::vector<ReaderEvent> events_;
    std::deque<SoftcamAction> actions_;
    uint64_t start_ = 0, now_ = 0;
    uint64_t next_ecm_ = kSoftcamNever;
    uint64_t keepalives_ = 0;
    bool started_ = false, stopped_ = false;
};

}  // namespace stbf::sim

#endif  // STBF_SIM_SOFTCAM_MODEL_H
