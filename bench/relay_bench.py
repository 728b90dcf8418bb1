#!/usr/bin/env python3
"""Relay benchmark: stbfailover, HAProxy and nginx (stream) side by side, in one run.

All three relay the same echo upstream on loopback (bench/relay_load echo); runs are
interleaved (the proxy order rotates every repetition) and repeated; the table shows medians
with [min..max] and the ratio stbfailover / better peer. Measured per proxy process:

- ping-pong: SESSIONS connections each send 64 bytes and wait for the echo, for SECONDS;
  latency p50/p99/p99.9 from the generator, CPU per message = the proxy's CPU time (all its
  threads, /proc/PID/task/*/schedstat) / round trips (one message = 64 bytes up + 64 down)
- bulk: BYTES up through one session and echoed back; MB/s one way, CPU ns per byte relayed
- RSS: the proxy's peak resident set (VmHWM) after the 256-session run
- startup: from exec until the listen port accepts
- idle: 8 groups x 8 servers, nothing connected, health checks every 60 s (HAProxy: `check
  inter 60s`; nginx has no active checks); wakeups = context switches per minute, CPU per minute

Usage: relay_bench.py --stbfailover PATH --load PATH [--reps 3] [--seconds 3] [--idle 20]
Only loopback is used; every process started here is stopped at the end.
"""
import argparse
import glob
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time

SESSIONS = [1, 16, 64, 256]  # the last one is --max-sessions
PROXIES = ("stbfailover", "haproxy", "nginx")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_ns(pid):
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/schedstat"):
        try:
            with open(path) as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def switches(pid):
    total = 0
    for path in glob.glob(f"/proc/{pid}/task/*/status"):
        try:
            with open(path) as f:
                for line in f:
                    if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                        total += int(line.split()[1])
        except OSError:
            pass
    return total


def status_kb(pid, key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def wait_listening(port, proc, limit=10.0):
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if proc.poll() is not None:
            raise RuntimeError(f"proxy exited early ({proc.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return time.monotonic() - t0
        except OSError:
            time.sleep(0.0005)
    raise RuntimeError(f"nothing listens on {port} after {limit} s")


def locate(args):
    tools = {}
    tools["haproxy"] = args.haproxy or shutil.which("haproxy") or "/usr/sbin/haproxy"
    tools["nginx"] = args.nginx or shutil.which("nginx") or "/usr/sbin/nginx"
    mods = [m for m in ("/usr/lib/nginx/modules/ngx_stream_module.so",) if os.path.exists(m)]
    tools["nginx_stream"] = args.nginx_stream or (mods[0] if mods else "")
    for name in ("haproxy", "nginx"):
        if not os.path.exists(tools[name]):
            sys.exit(f"{name} not found: install the Debian package (haproxy, nginx-light)")
    if not tools["nginx_stream"]:
        sys.exit("nginx stream module not found: install libnginx-mod-stream")
    return tools


class Proxy:
    """One proxy process relaying `groups` (listen port -> upstream ports)."""

    def __init__(self, kind, tools, stbf, work, groups):
        self.kind, self.groups = kind, groups
        d = os.path.join(work, kind)
        os.makedirs(d, exist_ok=True)
        if kind == "stbfailover":
            conf = {
                "log_level": "warn",
                "control_socket": os.path.join(d, "control.sock"),
                "groups": [
                    {
                        "name": f"g{i}",
                        "listen": listen,
                        "check": {"inter": "60s"},
                        "session": {"max_sessions": 300, "hang_timeout_ms": 0},
                        "servers": [
                            {"label": f"s{i}_{k}", "host": "127.0.0.1", "port": p,
                             "protocol": "tcp"}
                            for k, p in enumerate(ups)
                        ],
                    }
                    for i, (listen, ups) in enumerate(groups)
                ],
            }
            path = os.path.join(d, "stbfailover.json")
            with open(path, "w") as f:
                json.dump(conf, f)
            self.cmd = [stbf, "run", "-c", path]
        elif kind == "haproxy":
            lines = ["global", "  nbthread 1", "  maxconn 8192", "defaults", "  mode tcp",
                     "  timeout connect 2s", "  timeout client 1h", "  timeout server 1h"]
            for i, (listen, ups) in enumerate(groups):
                lines += [f"listen g{i}", f"  bind 127.0.0.1:{listen}", "  balance first"]
                check = " check inter 60s" if len(ups) > 1 else ""
                lines += [f"  server s{k} 127.0.0.1:{p}{check}" for k, p in enumerate(ups)]
            path = os.path.join(d, "haproxy.cfg")
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            self.cmd = [tools["haproxy"], "-db", "-f", path]
        else:
            servers = []
            for i, (listen, ups) in enumerate(groups):
                servers.append(
                    f"upstream g{i} {{ "
                    + " ".join(f"server 127.0.0.1:{p};" for p in ups)
                    + f" }} server {{ listen 127.0.0.1:{listen}; proxy_pass g{i}; }}")
            text = (f"load_module {tools['nginx_stream']};\n"
                    f"daemon off; master_process off; worker_processes 1;\n"
                    f"pid {d}/nginx.pid; error_log {d}/error.log;\n"
                    "events { worker_connections 8192; }\n"
                    "stream {\n" + "\n".join(servers) + "\n}\n")
            path = os.path.join(d, "nginx.conf")
            with open(path, "w") as f:
                f.write(text)
            self.cmd = [tools["nginx"], "-p", d, "-c", path]

    def start(self):
        self.proc = subprocess.Popen(self.cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        self.startup = wait_listening(self.groups[0][0], self.proc)  # from exec to accepting
        return self

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_load(load, *args):
    out = subprocess.run([load, *map(str, args)], capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise RuntimeError(f"relay_load {args} failed: {out.stderr.strip()}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure_relay(kind, tools, args, work, echo_port):
    listen = free_port()
    p = Proxy(kind, tools, args.stbfailover, work, [(listen, [echo_port])]).start()
    r = {"startup_ms": p.startup * 1000}
    try:
        time.sleep(0.3)
        for n in SESSIONS:
            c0 = cpu_ns(p.proc.pid)
            res = run_load(args.load, "pingpong", listen, n, args.seconds)
            c1 = cpu_ns(p.proc.pid)
            msgs = max(res["messages"], 1)
            r[f"cpu_us_msg_{n}"] = (c1 - c0) / 1000 / msgs
            for q in ("p50_us", "p99_us", "p999_us"):
                r[f"{q}_{n}"] = res[q]
            r[f"msgs_{n}"] = res["messages"]
        r["rss_kb"] = status_kb(p.proc.pid, "VmHWM")
        c0 = cpu_ns(p.proc.pid)
        res = run_load(args.load, "bulk", listen, args.bulk_bytes)
        c1 = cpu_ns(p.proc.pid)
        r["bulk_mb_s"] = res["mb_per_s"]
        r["cpu_ns_byte"] = (c1 - c0) / (2 * args.bulk_bytes)  # both directions relayed
    finally:
        p.stop()
    return r


def measure_idle(kind, tools, args, work, idle_ports):
    groups = []
    for g in range(8):
        groups.append((free_port(), idle_ports[g * 8:(g + 1) * 8]))
    p = Proxy(kind, tools, args.stbfailover, work, groups).start()
    try:
        time.sleep(3)  # first checks of every server (stbfailover staggers them over ~2 s)
        s0, c0 = switches(p.proc.pid), cpu_ns(p.proc.pid)
        time.sleep(args.idle)
        s1, c1 = switches(p.proc.pid), cpu_ns(p.proc.pid)
    finally:
        p.stop()
    per_min = 60.0 / args.idle
    return {"idle_wakeups_min": (s1 - s0) * per_min, "idle_cpu_ms_min": (c1 - c0) / 1e6 * per_min}


def rebuild_rows():
    ROWS[:] = make_rows()


def make_rows():
    return [
    ("ping-pong p50 us, 1 session", "p50_us_1", "low"),
    ("ping-pong p99 us, 1", "p99_us_1", "low"),
    ("ping-pong p99.9 us, 1", "p999_us_1", "low"),
] + [
    row for n in SESSIONS[1:] for row in (
        (f"ping-pong p50 us, {n}", f"p50_us_{n}", "low"),
        (f"ping-pong p99 us, {n}", f"p99_us_{n}", "low"),
        (f"ping-pong p99.9 us, {n}", f"p999_us_{n}", "low"),
    )
] + [
    (f"CPU us per message, {n} sessions", f"cpu_us_msg_{n}", "low") for n in SESSIONS
] + [
    ("bulk MB/s (one session)", "bulk_mb_s", "high"),
    ("CPU ns per byte (bulk)", "cpu_ns_byte", "low"),
    (f"RSS peak KiB (after {SESSIONS[-1]} sessions)", "rss_kb", "low"),
    ("startup ms", "startup_ms", "low"),
    ("idle wakeups/min (8x8 servers)", "idle_wakeups_min", "low"),
    ("idle CPU ms/min (8x8 servers)", "idle_cpu_ms_min", "low"),
    ]


ROWS = make_rows()


def fmt(v):
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.2f}" if abs(v) < 10 else f"{v:.1f}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--stbfailover", required=True)
    ap.add_argument("--load", required=True, help="bench/relay_load binary")
    ap.add_argument("--haproxy")
    ap.add_argument("--nginx")
    ap.add_argument("--nginx-stream")
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=3.0, help="per ping-pong run")
    ap.add_argument("--idle", type=float, default=20.0, help="idle window, seconds")
    ap.add_argument("--bulk-bytes", type=int, default=100_000_000)
    ap.add_argument("--json", help="also write every sample here")
    ap.add_argument("--max-sessions", type=int, default=256,
                    help="largest ping-pong load (a daemon built with a smaller session table "
                         "needs this at or below its STBF_MAX_SESSIONS)")
    args = ap.parse_args()
    SESSIONS[-1] = args.max_sessions
    rebuild_rows()
    tools = locate(args)
    work = tempfile.mkdtemp(prefix="stbf-relay-bench-")
    echo = subprocess.Popen([args.load, "echo", "65"], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    ports = [int(echo.stdout.readline()) for _ in range(65)]
    samples = {k: [] for k in PROXIES}
    try:
        for rep in range(args.reps):
            order = list(PROXIES[rep % 3:] + PROXIES[:rep % 3])  # rotate: no proxy always first
            for kind in order:
                r = measure_relay(kind, tools, args, work, ports[64])
                r.update(measure_idle(kind, tools, args, work, ports[:64]))
                samples[kind].append(r)
                print(f"rep {rep + 1}/{args.reps} {kind}: "
                      f"p99@64 {r['p99_us_64']:.0f} us, cpu/msg@64 {r['cpu_us_msg_64']:.2f} us, "
                      f"bulk {r['bulk_mb_s']:.0f} MB/s, idle {r['idle_wakeups_min']:.0f}/min",
                      flush=True)
    finally:
        echo.stdin.close()
        echo.wait(5)
        shutil.rmtree(work, ignore_errors=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(samples, f, indent=1)

    def cell(kind, key):
        vals = [s[key] for s in samples[kind]]
        return statistics.median(vals), min(vals), max(vals)

    print(f"\n{args.reps} repetitions, medians [min..max]; ratio = stbfailover / better peer, "
          "vs HAProxy = stbfailover / HAProxy (the peer issue #11 names) "
          "(< 1 is better for 'low' rows, > 1 for 'high')\n")
    print("| metric | stbfailover | HAProxy | nginx | ratio | vs HAProxy |")
    print("|---|---|---|---|---|---|")
    for label, key, better in ROWS:
        cells = {k: cell(k, key) for k in PROXIES}
        peers = [cells["haproxy"][0], cells["nginx"][0]]
        best = min(peers) if better == "low" else max(peers)
        ratio = f"{cells['stbfailover'][0] / best:.2f}" if best > 0 else "n/a (peer 0)"
        row = [f"{fmt(m)} [{fmt(lo)}..{fmt(hi)}]" for m, lo, hi in (cells[k] for k in PROXIES)]
        haproxy = cells["haproxy"][0]
        vs_haproxy = f"{cells['stbfailover'][0] / haproxy:.2f}" if haproxy > 0 else "n/a (peer 0)"
        print(f"| {label} | " + " | ".join(row) + f" | {ratio} | {vs_haproxy} |")


if __name__ == "__main__":
    main()
