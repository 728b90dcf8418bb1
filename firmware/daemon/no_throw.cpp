// The C++ library's error exits for the size-optimised binary (STBF_SIZE_OPTIMIZED): each
// reports what failed and aborts, instead of throwing.
//
// Why: that binary is built without exceptions (CMakeLists.txt stbf_shipped_target), so an
// exception the library throws (out of memory, a string past max_size(), a mutex that cannot
// lock) already ends the process: nothing catches it and there are no unwind tables, so it is
// std::terminate and abort. But the library's own std::__throw_* functions (functexcept.o) bring
// the exception classes, their type information, std::system_error's categories and the
// exception allocator into the static binary, some 12 KB on mips32el. Defined here, in the
// binary itself, they are found before libstdc++.a is searched and none of that is linked; the
// process still ends with abort, now with one line on stderr saying why. The global operator
// new and delete are replaced for the same reason (the library's throws std::bad_alloc itself,
// which brings the exception allocator): malloc, and the same abort when memory runs out; the
// nothrow forms still return null. No code here installs a new_handler.
// The declarations are libstdc++'s own (<bits/functexcept.h>, reached through <string>); the
// set is what libstdc++ 12 declares there that this binary can reach. Not built into host or
// test builds: they keep the library's exceptions.
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <new>
#include <string>

namespace {

[[noreturn]] void fatal(const char* what, const char* detail) {
    std::fprintf(stderr, "stbfailover: fatal: %s%s%s\n", what, detail != nullptr ? ": " : "",
                 detail != nullptr ? detail : "");
    std::abort();
}

void* allocate(std::size_t size) noexcept {
    return std::malloc(size != 0 ? size : 1);
}

void* allocate_or_abort(std::size_t size) {
    void* p = allocate(size);
    if (p == nullptr) fatal("out of memory", nullptr);
    return p;
}

}  // namespace

void* operator new(std::size_t size) {
    return allocate_or_abort(size);
}
void* operator new[](std::size_t size) {
    return allocate_or_abort(size);
}
void* operator new(std::size_t size, const std::nothrow_t&) noexcept {
    return allocate(size);
}
void* operator new[](std::size_t size, const std::nothrow_t&) noexcept {
    return allocate(size);
}
void operator delete(void* p) noexcept {
    std::free(p);
}
void operator delete[](void* p) noexcept {
    std::free(p);
}
void operator delete(void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void* p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}
void operator delete[](void* p, const std::nothrow_t&) noexcept {
    std::free(p);
}

namespace std {

void __throw_bad_alloc() {
    fatal("out of memory", nullptr);
}
void __throw_bad_array_new_length() {
    fatal("out of memory", "bad array new length");
}
void __throw_bad_function_call() {
    fatal("empty std::function called", nullptr);
}
void __throw_logic_error(const char* what) {
    fatal("logic error", what);
}
void __throw_invalid_argument(const char* what) {
    fatal("invalid argument", what);
}
void __throw_length_error(const char* what) {
    fatal("length error", what);
}
void __throw_out_of_range(const char* what) {
    fatal("out of range", what);
}
// The format's arguments are left out: formatting them is what pulls in snprintf_lite.
void __throw_out_of_range_fmt(const char* what, ...) {
    fatal("out of range", what);
}
void __throw_system_error(int error) {
    fatal("system error", std::strerror(error));
}

}  // namespace std
