/*
 * cxx_compat.h: force-included (-include) into every C++ file of a musl build by
 * debian-cross.cmake. Debian's cross libstdc++ headers were configured for glibc; on musl:
 *  - __GLIBC_PREREQ is undefined: musl behaves like a current glibc for what os_defines.h asks
 *    (pthreads in libc, pthread_self usable, no obsolete isinf/isnan), so it answers yes;
 *  - the pthread_*_clock* functions (glibc 2.30) do not exist in musl 1.2.3: the C++ library
 *    falls back to the CLOCK_REALTIME-based pthread calls;
 *  - c++locale.h names glibc's __locale_t, which is musl's locale_t (struct __locale_struct*).
 */
#ifndef STBF_TOOLCHAINS_MUSL_CXX_COMPAT_H
#define STBF_TOOLCHAINS_MUSL_CXX_COMPAT_H
#define __GLIBC_PREREQ(maj, min) 1
#include <bits/c++config.h>
#undef _GLIBCXX_USE_PTHREAD_COND_CLOCKWAIT
#undef _GLIBCXX_USE_PTHREAD_MUTEX_CLOCKLOCK
#undef _GLIBCXX_USE_PTHREAD_RWLOCK_CLOCKLOCK
typedef struct __locale_struct* __locale_t;
#endif
