/*
 * mips32r1_eh.c: linked into the static mips32el drop-in binary instead of the C++ runtime's
 * exception machinery (see debian-cross.cmake).
 *
 * Debian's mipsel libgcc_eh.a and libsupc++ (inside libstdc++.a) are built for MIPS32 release
 * 2: the unwinder, the C++ personality routine, the demangler of the verbose terminate handler
 * and the static-local guard functions hold seb/seh/ext/ins, which old Broadcom MIPS32r1
 * boxes cannot execute. Our code never throws (errors are values); the C++ library only throws
 * when it cannot go on (out of memory, no thread). So here a thrown exception ends the process
 * at once with a message (the init script's supervisor restarts it, as after any crash), and
 * nothing of the unwinder is linked. The guards are implemented here with the C library's
 * pthreads. Linked with musl (static) and with the glibc floor (static libstdc++) alike.
 * Every definition below replaces the archive member that would bring the r2 code in.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

static void die(const char* what) {
    static const char prefix[] = "stbfailover: fatal: ";
    (void)!write(2, prefix, sizeof(prefix) - 1);
    size_t n = 0;
    while (what[n] != '\0') ++n;
    (void)!write(2, what, n);
    (void)!write(2, "\n", 1);
    abort();
}

/* libsupc++ eh_throw.o */
void __cxa_throw(void* obj, void* type, void (*dest)(void*)) {
    (void)obj;
    (void)type;
    (void)dest;
    die("C++ exception thrown (out of memory or threads?)");
}
void __cxa_rethrow(void) { die("C++ exception rethrown"); }

/* libsupc++ eh_personality.o: reached only while unwinding, which never starts here. */
int __gxx_personality_v0(int version, int actions, uint64_t klass, void* ue, void* ctx) {
    (void)version;
    (void)actions;
    (void)klass;
    (void)ue;
    (void)ctx;
    die("C++ unwinding");
    return 0;
}

/* libgcc_eh unwind-c.o: the personality of code without a C++ one; link-time optimisation
 * gives it to functions compiled without exceptions that end up with a cleanup. */
int __gcc_personality_v0(int version, int actions, uint64_t klass, void* ue, void* ctx) {
    (void)version;
    (void)actions;
    (void)klass;
    (void)ue;
    (void)ctx;
    die("C unwinding");
    return 0;
}

/* libgcc_eh unwind-dw2.o: cleanup landing pads end with a call to it. */
void _Unwind_Resume(void* ue) {
    (void)ue;
    die("C++ unwinding");
}

/* libsupc++ eh_catch.o: a catch block is entered only after unwinding, which never starts. */
void* __cxa_begin_catch(void* ue) {
    (void)ue;
    die("C++ catch");
    return 0;
}
void __cxa_end_catch(void) { die("C++ catch"); }

/* libsupc++ eh_terminate.o: std::terminate() (noexcept violations, a joinable std::thread
 * destroyed). Its default handler is the verbose one, which would link the demangler. */
void _ZSt9terminatev(void) { die("std::terminate"); }
void __cxa_call_terminate(void* ue) {
    (void)ue;
    die("std::terminate");
}

/* libsupc++ guard.o: thread-safe initialisation of function-local statics. The guard's first
 * byte says "done" (Itanium C++ ABI); one process-wide recursive mutex serialises the rest.
 * With glibc (STBF_WEAK_PTHREAD) the pthread functions are weak, as in libstdc++'s own
 * gthreads: before 2.34 they live in libpthread, and a program that does not link it has no
 * second thread to guard against. With musl (static) they are strong: a weak reference would
 * not pull them out of libc.a, and a half-linked set would crash. */
#ifdef STBF_WEAK_PTHREAD
#pragma weak pthread_once
#pragma weak pthread_mutex_init
#pragma weak pthread_mutex_lock
#pragma weak pthread_mutex_unlock
#pragma weak pthread_mutexattr_init
#pragma weak pthread_mutexattr_settype
#pragma weak pthread_mutexattr_destroy
static int threaded(void) { return pthread_once != 0; }
#else
static int threaded(void) { return 1; }
#endif
static pthread_mutex_t guard_mutex;
static pthread_once_t guard_once = PTHREAD_ONCE_INIT;
static void guard_init(void) {
    /* recursive: initialising one static may initialise another */
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(&guard_mutex, &attr);
    pthread_mutexattr_destroy(&attr);
}

int __cxa_guard_acquire(int64_t* guard) {
    if (__atomic_load_n((volatile uint8_t*)guard, __ATOMIC_ACQUIRE) != 0) return 0;
    if (!threaded()) return 1;
    pthread_once(&guard_once, guard_init);
    pthread_mutex_lock(&guard_mutex);
    if (*(volatile uint8_t*)guard != 0) {
        pthread_mutex_unlock(&guard_mutex);
        return 0;
    }
    return 1; /* the caller initialises, then calls release (or abort), still holding the lock */
}
void __cxa_guard_release(int64_t* guard) {
    __atomic_store_n((volatile uint8_t*)guard, 1, __ATOMIC_RELEASE);
    if (threaded()) pthread_mutex_unlock(&guard_mutex);
}
void __cxa_guard_abort(int64_t* guard) {
    (void)guard;
    if (threaded()) pthread_mutex_unlock(&guard_mutex);
}

/* libgcc.a _bswapsi2.o / _bswapdi2.o: byte swaps (ntohl, mbedTLS) that release 1 has no
 * instruction for; Debian's libgcc.a implements them with r2's wsbh. */
uint32_t __bswapsi2(uint32_t v) {
    return (v >> 24) | ((v >> 8) & 0xff00u) | ((v << 8) & 0xff0000u) | (v << 24);
}
uint64_t __bswapdi2(uint64_t v) {
    return ((uint64_t)__bswapsi2((uint32_t)v) << 32) | __bswapsi2((uint32_t)(v >> 32));
}
