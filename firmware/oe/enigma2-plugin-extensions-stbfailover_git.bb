require stbfailover-git.inc
require enigma2-plugin-extensions-stbfailover.inc
