# opkg arch aarch64: generic ARMv8-A boxes.
# Debian cross compiler aarch64-linux-gnu, run under qemu-aarch64. Shared logic: debian-cross.cmake.
set(STBF_CROSS_TRIPLE aarch64-linux-gnu)
set(STBF_CROSS_PROCESSOR aarch64)
set(STBF_CROSS_QEMU qemu-aarch64)
set(STBF_PACKAGE_ARCH aarch64)
set(STBF_CROSS_FLAGS "-march=armv8-a")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)
