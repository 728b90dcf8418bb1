# Shared part of the Debian cross toolchain files (armv7ahf-neon.cmake, mips32el.cmake, ...).
# The including file sets, before include():
#   STBF_CROSS_TRIPLE     GNU triple of Debian's cross compiler (arm-linux-gnueabihf, ...)
#   STBF_CROSS_PROCESSOR  CMAKE_SYSTEM_PROCESSOR value
#   STBF_CROSS_FLAGS      tune flags of the opkg package architecture (receivers.md)
#   STBF_CROSS_QEMU       qemu-user binary that runs the target's programs
#   STBF_PACKAGE_ARCH     opkg architecture name; also names the .ipk and the deps prefix
#
# Target libraries (cJSON, mbedTLS, GoogleTest) come from toolchains/deps/build-deps.sh, which
# installs them under $STBF_DEPS_ROOT/<arch>/mbedtls-<series> (STBF_DEPS_ROOT defaults to
# build/deps in the source tree, STBF_MBEDTLS_SERIES to 2; both from the environment, as for
# build-deps.sh). STBF_DEPS_PREFIX (cache variable or environment) overrides the whole path.
#
# STBF_LIBC picks the C library: glibc (Debian's cross sysroot; the dynamic flavour) or musl
# (the static drop-in flavour, default when STBF_STATIC is ON): musl is built by
# `build-deps.sh --libc musl ARCH` with this file's tune flags into <root>/<arch>-musl/musl, and
# cJSON/mbedTLS against it into <root>/<arch>-musl/mbedtls-<series>. The compiler then sees
# musl's headers instead of the sysroot's (-nostdinc), Debian's libstdc++ headers with
# toolchains/musl/cxx_compat.h, and links statically against musl's crt files and libc.a.
set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR ${STBF_CROSS_PROCESSOR})
set(CMAKE_C_COMPILER ${STBF_CROSS_TRIPLE}-gcc)
set(CMAKE_CXX_COMPILER ${STBF_CROSS_TRIPLE}-g++)
set(CMAKE_C_FLAGS_INIT "${STBF_CROSS_FLAGS}")
set(CMAKE_CXX_FLAGS_INIT "${STBF_CROSS_FLAGS}")
if(STBF_CROSS_PROCESSOR STREQUAL "arm")
  # GCC notes that std::pair/iterator passing changed in GCC 7.1 (ARM ABI): informational only,
  # every object of an image is built by one compiler.
  string(APPEND CMAKE_CXX_FLAGS_INIT " -Wno-psabi")
endif()
set(STBF_PACKAGE_ARCH ${STBF_PACKAGE_ARCH} CACHE STRING "opkg architecture of this build" FORCE)
if(NOT STBF_LIBC)
  if(STBF_STATIC)
    set(STBF_LIBC musl)
  else()
    set(STBF_LIBC glibc)
  endif()
endif()
set(STBF_LIBC ${STBF_LIBC} CACHE STRING "C library of a receiver build: glibc or musl")
if(NOT STBF_LIBC MATCHES "^(glibc|musl)$")
  message(FATAL_ERROR "STBF_LIBC must be glibc or musl, not '${STBF_LIBC}'")
endif()
set(_stbf_libc_suffix "")
if(STBF_LIBC STREQUAL "musl")
  set(_stbf_libc_suffix "-musl")
endif()

if(NOT STBF_DEPS_PREFIX)
  if(DEFINED ENV{STBF_DEPS_PREFIX})
    set(STBF_DEPS_PREFIX $ENV{STBF_DEPS_PREFIX})
  else()
    set(_stbf_series 2)
    if(DEFINED ENV{STBF_MBEDTLS_SERIES})
      set(_stbf_series $ENV{STBF_MBEDTLS_SERIES})
    endif()
    set(_stbf_root "${CMAKE_CURRENT_LIST_DIR}/../build/deps")
    if(DEFINED ENV{STBF_DEPS_ROOT})
      set(_stbf_root $ENV{STBF_DEPS_ROOT})
    endif()
    get_filename_component(STBF_DEPS_PREFIX
      "${_stbf_root}/${STBF_PACKAGE_ARCH}${_stbf_libc_suffix}/mbedtls-${_stbf_series}" ABSOLUTE)
  endif()
endif()
# try_compile() projects re-read this file; hand them the same prefix and libc.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES STBF_DEPS_PREFIX STBF_LIBC STBF_GLIBC_FLOOR
     STBF_GLIBC_SYSROOT)

# The C library's own root (musl, or the glibc floor sysroot), when the build does not use the
# cross compiler's sysroot: set per library here, then one block points the compiler at it.
#
# musl: built by build-deps.sh; crt1.o/crti.o/crtn.o and libc.a from musl (-B, -L come before
# the sysroot's), libgcc and libstdc++ from the cross compiler; the compat header fills
# libstdc++'s glibc-only needs.
#
# glibc floor (glibc builds): compile and link against Debian 11's glibc 2.31 cross sysroot
# (unpacked by build-deps.sh) instead of the machine's 2.36, so the binary needs no symbol
# version above GLIBC_2.31 and starts on images with glibc 2.31 or newer. libstdc++ and libgcc
# are linked statically (the box's own may be older than GCC 12's: GLIBCXX_3.4.30); the compat
# object supplies what those archives take from a newer glibc. Sanitizer builds (tests only)
# link Debian's libasan/libubsan, which need the newer glibc: they keep the machine's sysroot.
set(_stbf_sysroot /usr/${STBF_CROSS_TRIPLE})
set(_stbf_libc_root "")
set(_stbf_cxx_extra "")
if(STBF_LIBC STREQUAL "musl")
  get_filename_component(STBF_MUSL_DIR "${STBF_DEPS_PREFIX}/../musl" ABSOLUTE)
  if(NOT EXISTS "${STBF_MUSL_DIR}/lib/libc.a")
    message(FATAL_ERROR "no musl in ${STBF_MUSL_DIR}: run toolchains/deps/build-deps.sh "
                        "--libc musl ${STBF_PACKAGE_ARCH} first")
  endif()
  set(_stbf_libc_root ${STBF_MUSL_DIR})
  set(_stbf_cxx_extra " -include ${CMAKE_CURRENT_LIST_DIR}/musl/cxx_compat.h")
  set(CMAKE_EXE_LINKER_FLAGS_INIT "-static -B${STBF_MUSL_DIR}/lib -L${STBF_MUSL_DIR}/lib")
  # Everything here ends up in a static, non-PIE executable: Debian's compilers default to PIE
  # code, which only costs size there. On MIPS, -mplt makes it non-PIC abicalls code (direct
  # calls and %hi/%lo addresses instead of GOT loads; the linker stubs calls into the PIC
  # archives of the C++ runtime): about 14 % less code.
  set(_stbf_static_code "-fno-pie")
  if(STBF_CROSS_PROCESSOR STREQUAL "mips")
    string(APPEND _stbf_static_code " -mplt")
  endif()
  string(APPEND CMAKE_C_FLAGS_INIT " ${_stbf_static_code}")
  string(APPEND CMAKE_CXX_FLAGS_INIT " ${_stbf_static_code}")
  # musl applies RELRO in its dynamic linker only: a static binary never gets it, and aligning
  # the read-only-after-relocation end to a page only pads the file (35 KB on aarch64).
  string(APPEND CMAKE_EXE_LINKER_FLAGS_INIT " -Wl,-z,norelro")
else()
  set(STBF_GLIBC_FLOOR_VERSION 2.31)
  get_filename_component(_stbf_floor_default
    "${STBF_DEPS_PREFIX}/../../sysroot-glibc-${STBF_GLIBC_FLOOR_VERSION}/${STBF_CROSS_TRIPLE}/usr/${STBF_CROSS_TRIPLE}"
    ABSOLUTE)
  set(STBF_GLIBC_SYSROOT "${_stbf_floor_default}" CACHE PATH "glibc floor sysroot (build-deps.sh)")
  if(NOT DEFINED STBF_GLIBC_FLOOR)
    if(STBF_SANITIZE)
      set(STBF_GLIBC_FLOOR OFF)
    else()
      set(STBF_GLIBC_FLOOR ON)
    endif()
  endif()
  set(STBF_GLIBC_FLOOR ${STBF_GLIBC_FLOOR} CACHE BOOL "link against the glibc floor sysroot")
  if(STBF_GLIBC_FLOOR)
    if(NOT EXISTS "${STBF_GLIBC_SYSROOT}/lib/libc.so.6")
      message(FATAL_ERROR "no glibc ${STBF_GLIBC_FLOOR_VERSION} sysroot in ${STBF_GLIBC_SYSROOT}: run "
                          "toolchains/deps/build-deps.sh ${STBF_PACKAGE_ARCH} first")
    endif()
    set(_stbf_libc_root ${STBF_GLIBC_SYSROOT})
    set(_stbf_floor_link "-B${STBF_GLIBC_SYSROOT}/lib -L${STBF_GLIBC_SYSROOT}/lib")
    string(APPEND _stbf_floor_link " -Wl,-rpath-link,${STBF_GLIBC_SYSROOT}/lib")
    set(CMAKE_SHARED_LINKER_FLAGS_INIT "${_stbf_floor_link}")
    set(CMAKE_EXE_LINKER_FLAGS_INIT "${_stbf_floor_link} -static-libstdc++ -static-libgcc")
  endif()
endif()
# The compiler then sees that library's headers instead of the sysroot's (-nostdinc), with the
# cross compiler's own and Debian's libstdc++ headers, and CMake finds libraries there.
if(_stbf_libc_root)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -print-file-name=include
                  OUTPUT_VARIABLE _stbf_gcc_include OUTPUT_STRIP_TRAILING_WHITESPACE)
  execute_process(COMMAND ${CMAKE_C_COMPILER} -dumpversion
                  OUTPUT_VARIABLE _stbf_gcc_version OUTPUT_STRIP_TRAILING_WHITESPACE)
  set(_stbf_cxx_include /usr/${STBF_CROSS_TRIPLE}/include/c++/${_stbf_gcc_version})
  set(_stbf_c_include "-nostdinc -isystem ${_stbf_gcc_include} -isystem ${_stbf_libc_root}/include")
  string(APPEND CMAKE_C_FLAGS_INIT " ${_stbf_c_include}")
  string(APPEND CMAKE_CXX_FLAGS_INIT " -nostdinc -isystem ${_stbf_cxx_include}"
         " -isystem ${_stbf_cxx_include}/${STBF_CROSS_TRIPLE} -isystem ${_stbf_cxx_include}/backward"
         " ${_stbf_c_include}${_stbf_cxx_extra}")
  set(_stbf_sysroot ${_stbf_libc_root})
endif()

# Objects that build-deps.sh compiled for this arch (runtime_objects there), linked into every
# executable of a musl or glibc-floor build (as objects, so they win over the archive members
# they replace wherever libstdc++ comes on the command line):
#   stbf-glibc-compat.o  what Debian's libstdc++.a/libgcc_eh.a take from a newer glibc
#   stbf-mips32r1-eh.o   mips32el: replaces the r2-built C++ exception runtime, so a thrown
#                        exception ends the process (toolchains/musl/mips32r1_eh.c says why)
# The first goes into every executable; the second only into the shipped binary (test
# programs use GoogleTest's exceptions): STBF_BINARY_LINK_OBJECTS, read by firmware/daemon.
if(STBF_LIBC STREQUAL "musl" OR STBF_GLIBC_FLOOR)
  if(EXISTS ${STBF_DEPS_PREFIX}/lib/stbf-glibc-compat.o)
    string(APPEND CMAKE_EXE_LINKER_FLAGS_INIT " ${STBF_DEPS_PREFIX}/lib/stbf-glibc-compat.o")
  endif()
  if(EXISTS ${STBF_DEPS_PREFIX}/lib/stbf-mips32r1-eh.o)
    set(STBF_BINARY_LINK_OBJECTS ${STBF_DEPS_PREFIX}/lib/stbf-mips32r1-eh.o)
  endif()
endif()

# Headers and libraries only from the cross sysroot (or musl) and the deps prefix, never from
# the host; programs (ninja, python, qemu) from the host.
set(CMAKE_FIND_ROOT_PATH ${_stbf_sysroot} ${STBF_DEPS_PREFIX})
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# binfmt is not set up on CI machines: tests and gtest discovery run through qemu-user.
# qemu-run.sh adds -L <sysroot>, the environment the target's loader and ASan need, and the
# exec shim from the deps prefix (target programs started by tests run under qemu too).
set(CMAKE_CROSSCOMPILING_EMULATOR
    ${CMAKE_CURRENT_LIST_DIR}/qemu-run.sh --preload ${STBF_DEPS_PREFIX}/lib/stbf-qemu-exec.so
    ${STBF_CROSS_QEMU} /usr/${STBF_CROSS_TRIPLE})
if(STBF_LIBC STREQUAL "musl")
  # A static binary has no loader: nothing to preload, no sysroot to point -L at (harmless).
  set(CMAKE_CROSSCOMPILING_EMULATOR ${CMAKE_CURRENT_LIST_DIR}/qemu-run.sh ${STBF_CROSS_QEMU}
      ${STBF_MUSL_DIR})
endif()
