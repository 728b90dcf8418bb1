# Toolchain file for an OpenEmbedded SDK (populate_sdk of an OpenATV/OpenPLi/OE-Alliance image).
# Source the SDK's environment-setup-<arch>-oe-linux* script first; this file then reads:
#   CC, CXX               compiler plus the tune flags and --sysroot (as the script sets them)
#   CFLAGS, CXXFLAGS, LDFLAGS  optional extra flags (CMake reads these itself)
#   SDKTARGETSYSROOT      target sysroot (headers, libraries: mbedtls, cjson, googletest)
#   OECORE_NATIVE_SYSROOT host tools of the SDK
#   OECORE_TARGET_ARCH    arm, aarch64, mipsel, ... (CMAKE_SYSTEM_PROCESSOR, qemu choice)
# and STBF_PACKAGE_ARCH (environment or -D) for the .ipk name, e.g. cortexa15hf-neon-vfpv4;
# without it the .ipk is named after OECORE_TARGET_ARCH.
foreach(_stbf_var CC CXX SDKTARGETSYSROOT OECORE_TARGET_ARCH)
  if(NOT DEFINED ENV{${_stbf_var}})
    message(FATAL_ERROR "oe-sdk.cmake: environment variable ${_stbf_var} is not set; source "
                        "the SDK's environment-setup-* script before running cmake")
  endif()
endforeach()

set(CMAKE_SYSTEM_NAME Linux)
set(CMAKE_SYSTEM_PROCESSOR $ENV{OECORE_TARGET_ARCH})
set(CMAKE_SYSROOT $ENV{SDKTARGETSYSROOT})

# CC="arm-oe-linux-gnueabi-gcc -march=... --sysroot=...": first word is the compiler, the rest
# are tune flags. --sysroot is dropped because CMAKE_SYSROOT already passes it.
function(_stbf_split_compiler env_var out_compiler out_flags)
  separate_arguments(_words UNIX_COMMAND "$ENV{${env_var}}")
  list(POP_FRONT _words _compiler)
  list(FILTER _words EXCLUDE REGEX "^--sysroot=")
  list(JOIN _words " " _flags)
  set(${out_compiler} ${_compiler} PARENT_SCOPE)
  set(${out_flags} "${_flags}" PARENT_SCOPE)
endfunction()
_stbf_split_compiler(CC CMAKE_C_COMPILER _stbf_c_flags)
_stbf_split_compiler(CXX CMAKE_CXX_COMPILER _stbf_cxx_flags)
# CMake itself adds CFLAGS, CXXFLAGS and LDFLAGS from the environment.
set(CMAKE_C_FLAGS_INIT "${_stbf_c_flags}")
set(CMAKE_CXX_FLAGS_INIT "${_stbf_cxx_flags}")

if(DEFINED ENV{STBF_PACKAGE_ARCH})
  set(STBF_PACKAGE_ARCH $ENV{STBF_PACKAGE_ARCH} CACHE STRING "opkg architecture of this build")
else()
  set(STBF_PACKAGE_ARCH $ENV{OECORE_TARGET_ARCH} CACHE STRING "opkg architecture of this build")
endif()

set(CMAKE_FIND_ROOT_PATH $ENV{SDKTARGETSYSROOT})
if(DEFINED ENV{OECORE_NATIVE_SYSROOT})
  list(APPEND CMAKE_PROGRAM_PATH $ENV{OECORE_NATIVE_SYSROOT}/usr/bin)
endif()
set(CMAKE_FIND_ROOT_PATH_MODE_PROGRAM NEVER)
set(CMAKE_FIND_ROOT_PATH_MODE_LIBRARY ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_INCLUDE ONLY)
set(CMAKE_FIND_ROOT_PATH_MODE_PACKAGE ONLY)

# Tests run under qemu-user when it is installed for the SDK's architecture. (No exec shim here:
# tests that start the daemon binary need binfmt_misc on the build machine.)
find_program(_stbf_qemu NAMES qemu-$ENV{OECORE_TARGET_ARCH} NO_CMAKE_FIND_ROOT_PATH)
if(_stbf_qemu)
  set(CMAKE_CROSSCOMPILING_EMULATOR
      ${CMAKE_CURRENT_LIST_DIR}/qemu-run.sh ${_stbf_qemu} $ENV{SDKTARGETSYSROOT})
endif()
