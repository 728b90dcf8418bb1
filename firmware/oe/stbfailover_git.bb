require stbfailover-git.inc
require stbfailover-daemon.inc
