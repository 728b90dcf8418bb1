// Bodies of the fuzz targets, shared by the libFuzzer binaries (fuzz_*.cpp) and the corpus
// replay test that runs in every normal build. Each feeds one input to a config reader and
// checks what must hold for any input; a broken invariant aborts, which libFuzzer reports.
#ifndef STBF_TESTS_FUZZ_TARGETS_H
#define STBF_TESTS_FUZZ_TARGETS_H

#include <stddef.h>
#include <stdint.h>

namespace stbf_fuzz {

/// CCcam.cfg reader, then grouping and listen ports on what it produced.
void cccam_cfg(const uint8_t* data, size_t size);
/// oscam.server reader, then grouping and listen ports.
void oscam_server(const uint8_t* data, size_t size);
/// JSON config loader (imports off); a config that loads must print to JSON that loads again
/// to the same groups and ports.
void config_json(const uint8_t* data, size_t size);

/// The web page's HTTP front (web.h) with a password and a CSRF token: every answer is an HTTP
/// response, no admin change happens without the token, the hash is never sent.
void web_request(const uint8_t* data, size_t size);
/// Control socket lines (control.h): a parsed admin request prints back to the same line.
void control_line(const uint8_t* data, size_t size);
/// The admin state file (admin_store.h): what parses prints and parses back the same.
void admin_state(const uint8_t* data, size_t size);
/// JSON number text (json_number.h), each byte mapped onto the characters cJSON hands over
/// ([0-9+-.eE]): it ends where the C library's strtod ends, with the same value within a few
/// units in the last place.
void json_number(const uint8_t* data, size_t size);

}  // namespace stbf_fuzz

#endif
