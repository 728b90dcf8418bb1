// Status values returned by core functions. Errors are values: no exceptions anywhere.
#ifndef STBF_STATUS_H
#define STBF_STATUS_H

#include <stdint.h>

namespace stbf {

enum class Status : uint8_t {
    Ok = 0,
    InvalidArgument,      ///< caller passed something out of range (a bug or bad config value)
    CapacityExceeded,     ///< a fixed-size table is full (see limits.h)
    NotFound,             ///< no such group / server / session
    Stale,                ///< event refers to an attempt/probe that is no longer current
    NoServer,             ///< no candidate server left for this session
    ParseError,           ///< input text is malformed (diagnostics say where)
    PortVersionMismatch,  ///< platform port table has another STBF_PORT_API_VERSION
    PortError,            ///< a port call failed in a way the caller cannot recover from
    AddrInUse,            ///< a listen address is taken
};

/// Short lower-case name for logs ("ok", "capacity exceeded", ...). Never null.
const char* status_name(Status s);

}  // namespace stbf

#endif  // STBF_STATUS_H
