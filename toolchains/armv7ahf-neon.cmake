# opkg arch armv7ahf-neon: generic ARMv7-A boxes with NEON (hard float).
# Debian cross compiler arm-linux-gnueabihf, run under qemu-arm. Shared logic: debian-cross.cmake.
set(STBF_CROSS_TRIPLE arm-linux-gnueabihf)
set(STBF_CROSS_PROCESSOR arm)
set(STBF_CROSS_QEMU qemu-arm)
set(STBF_PACKAGE_ARCH armv7ahf-neon)
set(STBF_CROSS_FLAGS "-march=armv7-a -mfpu=neon -mfloat-abi=hard")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
