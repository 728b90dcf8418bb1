SUMMARY = "Connection-level failover for the softcam's server lines"
DESCRIPTION = "A local relay between the softcam and its servers: probes each server, moves \
the softcam's next connection to a healthy one and cuts sessions to a hung server. \
The enigma2-plugin-extensions-stbfailover package shows its status and edits its setup."
SECTION = "net"
LICENSE = "MIT"
LIC_FILES_CHKSUM = "file://LICENSE;md5=35e6f52750b01f69f5837a61a44faea6"

# The image maintainer points this at the stbfailover git repository (local.conf or a
# .bbappend), e.g. STBFAILOVER_GIT_URI = "git://<host>/<path>/stbfailover.git;protocol=https"
STBFAILOVER_GIT_URI ??= ""
STBFAILOVER_BRANCH ??= "main"
SRC_URI = "${STBFAILOVER_GIT_URI};branch=${STBFAILOVER_BRANCH}"
SRCREV ?= "${AUTOREV}"
PV = "0.1.0+git${SRCPV}"
S = "${WORKDIR}/git"

python () {
    if not d.getVar("STBFAILOVER_GIT_URI"):
        raise bb.parse.SkipRecipe("set STBFAILOVER_GIT_URI to the stbfailover git repository")
}

# mbedTLS 2.28 and 3.6 both work (3.x is preferred where the layer has both).
DEPENDS = "mbedtls cjson"

inherit cmake update-rc.d

# Tests and the project's own .ipk target are for developers and CI; bitbake packages the
# install tree (daemon, /etc/stbfailover, /etc/init.d, plugin files) itself.
EXTRA_OECMAKE = "-DSTBF_BUILD_TESTS=OFF -DSTBF_BUILD_IPK=OFF -DSTBF_WITH_TLS=ON"

PACKAGES =+ "enigma2-plugin-extensions-stbfailover"

# Start before the softcam (its first connect must land on the relay), stop after it.
INITSCRIPT_PACKAGES = "${PN}"
INITSCRIPT_NAME:${PN} = "stbfailover"
INITSCRIPT_PARAMS:${PN} = "defaults 40 60"

FILES:${PN} += "${sysconfdir}/stbfailover ${sysconfdir}/init.d/stbfailover"
CONFFILES:${PN} = "${sysconfdir}/stbfailover/stbfailover.json"

FILES:enigma2-plugin-extensions-stbfailover = "${libdir}/enigma2/python/Plugins/Extensions/StbFailover"
RDEPENDS:enigma2-plugin-extensions-stbfailover = "${PN} enigma2"
PACKAGE_ARCH:enigma2-plugin-extensions-stbfailover = "all"
