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
      "${_stbf_root}/${STBF_PACKAGE_ARCH}/mbedtls-${_stbf_series}" ABSOLUTE)
  endif()
endif()
# try_compile() projects re-read this file; hand them the same prefix.
list(APPEND CMAKE_TRY_COMPILE_PLATFORM_VARIABLES STBF_DEPS_PREFIX)

# Headers and libraries only from the cross sysroot and the deps prefix, never from the host;
# programs (ninja, python, qemu) from the host.
set(CMAKE_FIND_ROOT_PATH /usr/${STBF_CROSS_TRIPLE} ${STBF_DEPS_PREFIX})
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
