# opkg arch cortexa7hf: Cortex-A7 boxes without NEON (VFPv4 with 16 double registers only).
# Debian cross compiler arm-linux-gnueabihf, run under qemu-arm. Shared logic: debian-cross.cmake.
set(STBF_CROSS_TRIPLE arm-linux-gnueabihf)
set(STBF_CROSS_PROCESSOR arm)
set(STBF_CROSS_QEMU qemu-arm)
set(STBF_PACKAGE_ARCH cortexa7hf)
set(STBF_CROSS_FLAGS "-march=armv7ve -mcpu=cortex-a7 -mfpu=vfpv4-d16 -mfloat-abi=hard")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
