#include "stbf/status.h"

namespace stbf {

const char* status_name(Status s) {
    switch (s) {
        case Status::Ok: return "ok";
        case Status::InvalidArgument: return "invalid argument";
        case Status::CapacityExceeded: return "capacity exceeded";
        case Status::NotFound: return "not found";
        case Status::Stale: return "stale";
        case Status::NoServer: return "no server";
        case Status::ParseError: return "parse error";
        case Status::PortVersionMismatch: return "port version mismatch";
        case Status::PortError: return "port error";
        case Status::AddrInUse: return "address in use";
    }
    return "unknown";
}

}  // namespace stbf
