# opkg arch cortexa15hf-neon-vfpv4: Cortex-A15 class boxes (OE-Alliance ARM set).
# Debian cross compiler arm-linux-gnueabihf, run under qemu-arm. Shared logic: debian-cross.cmake.
set(STBF_CROSS_TRIPLE arm-linux-gnueabihf)
set(STBF_CROSS_PROCESSOR arm)
set(STBF_CROSS_QEMU qemu-arm)
set(STBF_PACKAGE_ARCH cortexa15hf-neon-vfpv4)
set(STBF_CROSS_FLAGS "-march=armv7ve -mcpu=cortex-a15 -mfpu=neon-vfpv4 -mfloat-abi=hard")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
