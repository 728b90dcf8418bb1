/*
 * glibc_compat.c: the few glibc-only symbols that Debian's prebuilt libstdc++.a / libgcc_eh.a
 * (built against glibc) reference, for the static drop-in binary linked against musl.
 * Compiled by build-deps.sh into <musl prefix>/lib/stbf-glibc-compat.o, which the musl link of
 * debian-cross.cmake adds as an object (so it is linked no matter where libstdc++ comes on the
 * command line). Each definition keeps libstdc++'s behaviour safe rather than fast:
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/random.h>

/* libstdc++ skips atomic reference counting when this is non-zero. 0 = "maybe threaded":
 * always atomic, correct with the daemon's helper threads. */
char __libc_single_threaded = 0;

/* std::random_device's default token uses arc4random when libstdc++ was configured on a glibc
 * that has it (2.36). musl 1.2.3 has none: getrandom() is the same kernel source. */
uint32_t arc4random(void) {
    uint32_t v = 0;
    size_t got = 0;
    while (got < sizeof(v)) {
        ssize_t n = getrandom((char*)&v + got, sizeof(v) - got, 0);
        if (n > 0)
            got += (size_t)n;
        else if (n < 0 && errno != EINTR)
            break; /* cannot happen on a kernel with getrandom (3.17+); v keeps what it has */
    }
    return v;
}

/* libgcc's unwinder asks glibc 2.35's _dl_find_object first and falls back to
 * dl_iterate_phdr (which musl has) when it returns -1: "not found here". */
struct dl_find_object;
int _dl_find_object(void* pc, struct dl_find_object* result) {
    (void)pc;
    (void)result;
    return -1;
}
