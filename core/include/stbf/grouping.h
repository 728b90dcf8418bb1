// Grouping: servers that accept the same account are alternatives of one line, so they form
// one group with one local listen port. "Same account" = same wire protocol (newcamd524 and
// newcamd/newcamd525 differ on the wire, so they never share a group: a softcam's reader must
// never be relayed to a server speaking the other variant), same user and password, and for
// newcamd the same DES key. A provider that runs the same account on two hosts thus gives one
// group of two.
//
// The protocol table (softcam_protocol below) is the one place that says what stbfailover does
// with each protocol name a softcam config may carry:
//   cccam, cccam_ext, cccam_mcs      -> relayed as cccam (greeting checked)
//   newcamd, newcamd525              -> relayed as newcamd (TCP, greeting checked)
//   newcamd524                       -> relayed as newcamd524 (its own groups)
//   cs378x                           -> relayed as TCP (camd35 over TCP; client speaks first)
//   camd35, cs357x                   -> skipped: UDP in OSCam, a TCP relay would break the line
//   radegast, gbox, scam, ghttp, ... -> skipped: network protocols stbfailover does not relay
//   internal, mouse, smartreader, smargo, sc8in1, pcsc, constcw, emu, ... -> skipped: local
//                                       card readers, nothing to relay
//   anything else                    -> skipped as unknown
// Skipped readers are never rewritten. Names match case-sensitively, as OSCam matches them.
//
// Listen ports are derived, not remembered: an unpinned group gets
//   listen_port_base + identity % span   (span = kListenPortSpan, less near 65535)
// where identity is a 32-bit FNV-1a hash of the account (imported groups) or of the group name
// (JSON groups). Collisions are resolved by taking the next free port; groups are placed in
// identity order, so the result does not depend on the order of lines in a file. The same
// group therefore keeps its port across reloads and reboots with no state file. The one case
// where a port moves: a new group whose hash slot collides with an existing one and has the
// smaller identity. Pin `listen` in the JSON config where that matters.
//
// Freestanding: no heap.
#ifndef STBF_GROUPING_H
#define STBF_GROUPING_H

#include <stddef.h>
#include <stdint.h>

#include "stbf/config_text.h"
#include "stbf/diagnostics.h"
#include "stbf/model.h"
#include "stbf/status.h"

namespace stbf {

/// Ports handed out above listen_port_base (fewer when base + span would pass 65535).
constexpr uint16_t kListenPortSpan = 1000;

/// "tcp", "cccam", "newcamd", "newcamd524", "cs378x", "camd35". Never null.
const char* protocol_name(Protocol p);
/// Case-insensitive name to protocol for stbfailover.json; "newcamd525" is Newcamd. False if
/// unknown. Softcam files use softcam_protocol instead.
bool protocol_from_name(const char* s, size_t len, Protocol* out);

/// What the protocol table says about one softcam protocol name.
struct SoftcamProtocol {
    bool known = false;       ///< the name is in the table (false: unknown, skipped)
    bool relayed = false;     ///< stbfailover relays it; `protocol` is how
    Protocol protocol = Protocol::Tcp;
    const char* why = "";     ///< for a skipped one: why, as a note (static text, never null)
};
/// Looks `s` up in the protocol table above (case-sensitive, as OSCam). Never fails: an
/// unknown name gives known == false, relayed == false.
SoftcamProtocol softcam_protocol(const char* s, size_t len);
/// True for the protocols whose account includes a DES key (newcamd, newcamd524).
bool needs_des_key(Protocol p);
/// The health check a protocol gets unless the config says otherwise: Cccam -> Cccam greeting,
/// Newcamd and Newcamd524 -> Newcamd greeting, everything else -> Tcp connect.
ProbeKind default_probe(Protocol p);
/// Grouping family: every wire protocol is its own family (newcamd524 is not newcamd).
Protocol protocol_family(Protocol p);

/// True if the two servers accept the same account (family, user, password, newcamd key).
bool same_account(const ServerConfig& a, const ServerConfig& b);
/// True if the two servers hold the same user and password on different protocols (a provider
/// running one account on a CCcam and a newcamd daemon): their groups are linked. stbfailover
/// never fails over between protocols; the softcam's own fallback reader covers that.
bool same_account_other_protocol(const ServerConfig& a, const ServerConfig& b);
/// Index of the first other group linked to group `g` (same_account_other_protocol on their
/// first servers), or -1.
long linked_group(const Config& cfg, size_t g);
/// 32-bit identity of a server's account (FNV-1a over family, user, password, key).
uint32_t account_identity(const ServerConfig& s);
/// 32-bit identity of a group name (FNV-1a).
uint32_t name_identity(const char* name, size_t len);

/// Put every server with index >= first_server into a group by account. New groups copy the
/// settings (mode, sticky, health, session, score, listen_addr) of `settings`; they are named
/// "<family>-<user>" (cut to fit, "-2", "-3", ... appended when the name is taken), get the
/// account identity, the source of their first server, and listen_port 0 (unpinned).
/// Servers listed twice in one group (same host and port) get a warning.
///
/// Capacity: when the group table (STBF_MAX_GROUPS) or a group (STBF_MAX_SERVERS_PER_GROUP) is
/// full, the first accounts in file order are kept and every server that did not fit gets a
/// warning at its line ("... skipped") naming the limit; such servers are removed from
/// cfg->servers (later ones move down, keeping order), and if `spans` is not null (one entry per
/// server from first_server on, as the parsers fill it) it is compacted the same way.
/// Returns CapacityExceeded when something was skipped (a warning, not an error: the config is
/// usable), Ok otherwise.
Status group_by_account(Config* cfg, size_t first_server, const GroupConfig& settings,
                        Diagnostics* diags, SourceSpan* spans = nullptr);

/// Slots a group serves: `slots` when set (cut to STBF_MAX_SLOTS), else 2 when the group has
/// at least two enabled servers, else 1.
uint8_t group_slot_count(const Config& cfg, const GroupConfig& g);

/// Give every group with listen_pinned == false a port as described above. Pinned ports that
/// clash with each other are errors (reported at the later group's source). Then every group's
/// slot_ports: slot_ports[0] = listen_port; slot k (k >= 1, up to group_slot_count) gets
///   listen_port_base + hash(listen_port, k) % span,
/// the next free port on a collision with any group's listen port or any slot placed before;
/// slots are placed in (identity, slot) order, so they are stable across reloads like listen
/// ports. Unused slot entries are 0. Errors: InvalidArgument (listen_port_base is 0, or a
/// clash), CapacityExceeded (no free port left).
Status assign_listen_ports(Config* cfg, Diagnostics* diags);

}  // namespace stbf

#endif  // STBF_GROUPING_H
