// Grouping: servers that accept the same account are alternatives of one line, so they form
// one group with one local listen port. "Same account" = same protocol family (newcamd and
// newcamd524 are one family), same user and password, and for the newcamd family the same
// DES key. A provider that runs the same account on two hosts thus gives one group of two.
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

#include "stbf/diagnostics.h"
#include "stbf/model.h"
#include "stbf/status.h"

namespace stbf {

/// Ports handed out above listen_port_base (fewer when base + span would pass 65535).
constexpr uint16_t kListenPortSpan = 1000;

/// "tcp", "cccam", "newcamd", "newcamd524", "cs378x", "camd35". Never null.
const char* protocol_name(Protocol p);
/// Case-insensitive name to protocol; "newcamd525" is Newcamd. False if unknown.
bool protocol_from_name(const char* s, size_t len, Protocol* out);
/// The health check a protocol gets unless the config says otherwise: Cccam -> Cccam greeting,
/// Newcamd and Newcamd524 -> Newcamd greeting, everything else -> Tcp connect.
ProbeKind default_probe(Protocol p);
/// Grouping family: Newcamd524 -> Newcamd, every other protocol is its own family.
Protocol protocol_family(Protocol p);

/// True if the two servers accept the same account (family, user, password, newcamd key).
bool same_account(const ServerConfig& a, const ServerConfig& b);
/// 32-bit identity of a server's account (FNV-1a over family, user, password, key).
uint32_t account_identity(const ServerConfig& s);
/// 32-bit identity of a group name (FNV-1a).
uint32_t name_identity(const char* name, size_t len);

/// Put every server with index >= first_server into a group by account. New groups copy the
/// settings (mode, sticky, health, session, score, listen_addr) of `settings`; they are named
/// "<family>-<user>" (cut to fit, "-2", "-3", ... appended when the name is taken), get the
/// account identity, the source of their first server, and listen_port 0 (unpinned).
/// Servers listed twice in one group (same host and port) get a warning.
/// Errors: CapacityExceeded (too many groups or servers in a group; reported in diags, the
/// servers that did not fit are left out of every group).
Status group_by_account(Config* cfg, uint8_t first_server, const GroupConfig& settings,
                        Diagnostics* diags);

/// Give every group with listen_pinned == false a port as described above. Pinned ports that
/// clash with each other are errors (reported at the later group's source). Errors:
/// InvalidArgument (listen_port_base is 0, or a clash), CapacityExceeded (no free port left).
Status assign_listen_ports(Config* cfg, Diagnostics* diags);

}  // namespace stbf

#endif  // STBF_GROUPING_H
