"""A receiver root in a temporary folder, enough to run the packages' maintainer scripts the way
opkg does: online inside the root (busybox sh and applets, a chroot in a fresh user, mount and
pid namespace, so every process started there dies with the call) or offline from the host with
$D set (an image build). The box has a recording softcam init script (/etc/init.d/softcam ->
softcam.oscam) and a recording update-rc.d; every call lands as one line in /var/log/calls.
Installing, upgrading and removing follow opkg's order of unpack, scripts and conffiles."""
import os
import shutil
import subprocess
import tarfile
import io

from ipk_reader import Ipk

# Every recording tool logs to the root it lives in, found from its own path, so the same
# script works inside the chroot and when the host runs it with $D.
RECORDER = r"""#!/bin/sh
root=$(cd "$(dirname "$0")/{up}" && pwd)
echo "{name} $*" >> "$root/var/log/calls"
"""

SOFTCAM = RECORDER.format(up="../..", name="softcam") + "exit 0\n"
UPDATE_RC_D = RECORDER.format(up="../..", name="update-rc.d") + "exit 0\n"

# Stand-in for /usr/bin/stbfailover: records each call; `restore` refuses (exit 1) when
# /etc/softcam-changed exists (the softcam config was changed since setup) unless given
# --force, and always when /etc/restore-fails does (the backup cannot be read); it reports a
# failed restart (exit 3) when /etc/restart-fails exists; `run` stays up like the daemon.
FAKE_DAEMON = RECORDER.format(up="../..", name="stbfailover") + r"""case "$1" in
  restore) [ -e "$root/etc/restore-fails" ] && { echo "restore: refused: no backup" >&2; exit 1; }
           [ -e "$root/etc/softcam-changed" ] && [ "$2" != --force ] &&
               { echo "restore: refused: changed" >&2; exit 1; }
           [ -e "$root/etc/restart-fails" ] && { echo "restore: softcam restart failed" >&2; exit 3; } ;;
  run) exec sleep 30 ;;
esac
exit 0
"""


def _copy_with_libs(binary, root, dest):
    """Copies `binary` to root/dest and the shared libraries it needs to their own paths."""
    target = os.path.join(root, dest.lstrip("/"))
    os.makedirs(os.path.dirname(target), exist_ok=True)
    shutil.copy2(binary, target)
    out = subprocess.run(["ldd", binary], capture_output=True, text=True).stdout
    for line in out.splitlines():
        for word in line.split():
            if word.startswith("/") and os.path.exists(word):
                lib = os.path.join(root, word.lstrip("/"))
                if not os.path.exists(lib):
                    os.makedirs(os.path.dirname(lib), exist_ok=True)
                    shutil.copy2(os.path.realpath(word), lib)


def _write(path, text, mode=0o644):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)
    os.chmod(path, mode)


class FakeBox:
    def __init__(self, root):
        self.root = str(root)
        self.installed = {}  # package -> (Ipk, [absolute paths])
        busybox = shutil.which("busybox")
        assert busybox, "busybox not found: apt-get install busybox (the receivers' shell)"
        _copy_with_libs(busybox, self.root, "/bin/busybox")
        applets = subprocess.run([busybox, "--list"], capture_output=True, text=True).stdout
        for applet in applets.split():
            link = os.path.join(self.root, "bin", applet)
            if not os.path.exists(link):
                os.symlink("busybox", link)
        _write(self.path("/dev/null"), "")
        for d in ("proc", "tmp", "var/run", "var/log", "var/lib/opkg/info", "etc/init.d",
                  "etc/rcS.d"):
            os.makedirs(os.path.join(self.root, d), exist_ok=True)
        _write(self.path("/var/log/calls"), "")
        _write(self.path("/usr/sbin/update-rc.d"), UPDATE_RC_D, 0o755)
        _write(self.path("/etc/init.d/softcam.oscam"), SOFTCAM, 0o755)
        os.symlink("softcam.oscam", self.path("/etc/init.d/softcam"))
        # The host's view for offline scripts: only the recording update-rc.d on PATH first.
        self.host_bin = self.root + ".host-bin"
        os.makedirs(self.host_bin, exist_ok=True)
        _write(os.path.join(self.host_bin, "update-rc.d"),
               f'#!/bin/sh\necho "update-rc.d $*" >> "{self.root}/var/log/calls"\nexit 0\n',
               0o755)

    def path(self, absolute):
        return os.path.join(self.root, absolute.lstrip("/"))

    def calls(self):
        with open(self.path("/var/log/calls")) as f:
            return [line.rstrip("\n") for line in f]

    def clear_calls(self):
        _write(self.path("/var/log/calls"), "")

    def use_fake_daemon(self):
        _write(self.path("/usr/bin/stbfailover"), FAKE_DAEMON, 0o755)

    def use_binary(self, binary):
        _copy_with_libs(binary, self.root, "/usr/bin/stbfailover")

    # ---- running things as opkg does --------------------------------------------------------
    def run_online(self, argv, timeout=60):
        """Runs argv inside the root; returns CompletedProcess (text). Each call is like a
        fresh boot: processes of the previous call are gone (their pid namespace ended), so
        their pidfiles are too (/var/run is a tmpfs on a box), and a stale pid cannot name a
        process of this call."""
        run_dir = self.path("/var/run")
        for name in os.listdir(run_dir):
            if name.endswith(".pid"):
                os.unlink(os.path.join(run_dir, name))
        # /dev/null is the host's, bound into the root (scripts redirect to it).
        cmd = ["unshare", "-r", "-m", "-p", "-f", f"--mount-proc={self.path('/proc')}",
               "/bin/sh", "-c", 'mount --bind /dev/null "$0/dev/null" && exec chroot "$0" "$@"',
               self.root] + argv
        env = {"PATH": "/bin:/sbin:/usr/bin:/usr/sbin", "HOME": "/"}
        return subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)

    def run_script(self, package, script, args, offline):
        info = f"/var/lib/opkg/info/{package}.{script}"
        if not os.path.exists(self.path(info)):
            return subprocess.CompletedProcess([], 0, "", "")
        if offline:
            env = {"PATH": self.host_bin + ":/usr/sbin:/usr/bin:/sbin:/bin", "D": self.root}
            return subprocess.run(["sh", self.path(info)] + args, env=env, capture_output=True,
                                  text=True, timeout=60)
        return self.run_online(["/bin/sh", info] + args)

    def _unpack(self, ipk, keep_conffiles):
        conffiles = (ipk.control_file("conffiles") or b"").decode().split()
        paths = []
        for name, (info, content) in ipk.data_entries.items():
            path = name[1:] if name.startswith(".") else name
            if not path or path == "/":
                continue
            target = self.path(path)
            if info.isdir():
                os.makedirs(target, exist_ok=True)
                continue
            paths.append(path)
            if path in conffiles and keep_conffiles and os.path.exists(target):
                continue  # opkg keeps a box owner's edited config
            os.makedirs(os.path.dirname(target), exist_ok=True)
            if os.path.lexists(target):
                os.unlink(target)
            with open(target, "wb") as f:
                f.write(content)
            os.chmod(target, info.mode)
        package = ipk.control["Package"]
        for name, (info, content) in ipk.control_entries.items():
            member = name[2:]
            if member in ("preinst", "postinst", "prerm", "postrm", "conffiles"):
                _write(self.path(f"/var/lib/opkg/info/{package}.{member}"), content.decode(),
                       info.mode)
        return paths

    def install(self, ipk_path, offline=False, fake_daemon=True):
        ipk = Ipk(ipk_path)
        package = ipk.control["Package"]
        paths = self._unpack(ipk, keep_conffiles=False)
        if fake_daemon and package == "stbfailover":
            self.use_fake_daemon()
        self.installed[package] = (ipk, paths)
        return self.run_script(package, "postinst", ["configure"], offline)

    def upgrade(self, ipk_path, fake_daemon=True):
        """Old prerm `upgrade NEWVERSION`, unpack (edited conffiles kept), old files that the
        new version no longer has go, new postinst `configure`."""
        ipk = Ipk(ipk_path)
        package = ipk.control["Package"]
        old_ipk, old_paths = self.installed[package]
        result = self.run_script(package, "prerm", ["upgrade", ipk.control["Version"]], False)
        if result.returncode != 0:
            return result
        paths = self._unpack(ipk, keep_conffiles=True)
        for path in set(old_paths) - set(paths):
            os.unlink(self.path(path))
        if fake_daemon and package == "stbfailover":
            self.use_fake_daemon()
        self.installed[package] = (ipk, paths)
        return self.run_script(package, "postinst", ["configure"], False)

    def remove(self, package, offline=False):
        """prerm `remove` (a failure keeps the package, as opkg does), files go, postrm `remove`."""
        ipk, paths = self.installed[package]
        result = self.run_script(package, "prerm", ["remove"], offline)
        if result.returncode != 0:
            return result
        conffiles = (ipk.control_file("conffiles") or b"").decode().split()
        for path in paths:
            if path in conffiles:
                continue  # opkg leaves config files unless purged
            if os.path.lexists(self.path(path)):
                os.unlink(self.path(path))
        post = self.run_script(package, "postrm", ["remove"], offline)
        for member in ("preinst", "postinst", "prerm", "postrm", "conffiles"):
            info = self.path(f"/var/lib/opkg/info/{package}.{member}")
            if os.path.exists(info):
                os.unlink(info)
        del self.installed[package]
        return subprocess.CompletedProcess([], post.returncode, result.stdout + post.stdout,
                                           result.stderr + post.stderr)


def with_version(ipk_path, version, out_dir, build_ipk, epoch):
    """A copy of the package at another version (for upgrades), rebuilt with build-ipk.sh."""
    ipk = Ipk(ipk_path)
    work = os.path.join(out_dir, "src-" + version)
    os.makedirs(work)
    control = ipk.control_file("control").decode()
    control = "\n".join(f"Version: {version}" if l.startswith("Version:") else l
                        for l in control.splitlines()) + "\n"
    _write(os.path.join(work, "control"), control)
    args = [build_ipk, os.path.join(out_dir, "out"), os.path.join(work, "control")]
    for name, (info, content) in ipk.control_entries.items():
        member = name[2:]
        if member in ("preinst", "postinst", "prerm", "postrm", "conffiles"):
            src = os.path.join(work, "ctl-" + member)
            with open(src, "wb") as f:
                f.write(content)
            args += ["--control", member, src]
    for i, (name, (info, content)) in enumerate(ipk.data_entries.items()):
        if not info.isfile():
            continue
        src = os.path.join(work, f"data-{i}")
        with open(src, "wb") as f:
            f.write(content)
        args += ["--data", src, name[1:], "%o" % info.mode]
    out = subprocess.run(args, env=dict(os.environ, SOURCE_DATE_EPOCH=str(epoch)),
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()
