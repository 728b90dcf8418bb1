# opkg arch mips32el: old Broadcom MIPS32 release 1 boxes, hard float (Debian's mipsel defaults to mips32r2).
# Debian cross compiler mipsel-linux-gnu, run under qemu-mipsel. Shared logic: debian-cross.cmake.
set(STBF_CROSS_TRIPLE mipsel-linux-gnu)
set(STBF_CROSS_PROCESSOR mips)
set(STBF_CROSS_QEMU qemu-mipsel)
set(STBF_PACKAGE_ARCH mips32el)
set(STBF_CROSS_FLAGS "-mel -mabi=32 -mhard-float -march=mips32")
include(${CMAKE_CURRENT_LIST_DIR}/debian-cross.cmake)

# Debian ships no libasan/libubsan for mipsel: only trap-mode UBSan works there.
if(STBF_SANITIZE)
  message(FATAL_ERROR "mips32el.cmake: mipsel has no libasan/libubsan; configure with "
                      "-DSTBF_SANITIZE=OFF -DSTBF_SANITIZE_UB_TRAP=ON instead")
endif()
