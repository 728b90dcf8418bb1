require stbfailover-release.inc
require stbfailover-daemon.inc
SRC_URI[sha256sum] = "31838f5653ea8522927fe7647e2f8f01326901fecb4fe3d0175871dd0b8fe773"
