#!/usr/bin/env python3
"""Benchmarks Parley against ngIRCd 26.1, InspIRCd 3.15 and the epoll-bound reference server
(issue #6; docs/performance.md, "Benchmarks against ngIRCd and InspIRCd").

Every server runs as a child process on 127.0.0.1 with a config written to a temp dir, one fresh
server per run, and is stopped by its PID. The load comes from bench/loadgen (IRC protocol), which
reads the server's CPU time and RSS from /proc. Results: one JSON line per run (--out), and a
table of medians with the ratio to the best of ngIRCd and InspIRCd.

Scenarios (issue #6):
  a  fan-out at full speed: 100 clients, 10 senders, as fast as the window allows, 10 s
  b  1000 clients, 10 senders, 100 msgs/s in total (10 per sender), 10 s: p99 latency, loss
  c  5000 idle clients joined to one channel: server RSS per client
  d  connection setup of 1000 clients (connect, register, join)
  e  10,000 concurrent clients (100 channels of 100) held for 30 s
  f  = a, Parley with --trace FILE

usage: bench/compare.py [--parley build/parley] [--loadgen build/bench/loadgen]
         [--epoll-bound build/bench/epoll_bound] [--reps 3] [--quick] [--scenarios abcdef]
         [--servers parley,ngircd,inspircd,epoll] [--out results.jsonl] [--window 24]
Needs root only to install the peers (apt-get) when they are missing.
"""
import argparse, json, os, re, resource, shutil, signal, socket, statistics, subprocess, sys
import tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

FULL = {
    "a": dict(clients=100, senders=10, rate=0, duration=10),
    "b": dict(clients=1000, senders=10, rate=10, duration=10),
    "c": dict(clients=5000, hold=15),
    "d": dict(clients=1000, connect_only=True),
    "e": dict(clients=10000, hold=30, channels=100),
    "f": dict(clients=100, senders=10, rate=0, duration=10, trace=True),
}
QUICK = {
    "a": dict(clients=20, senders=4, rate=0, duration=2),
    "b": dict(clients=100, senders=5, rate=20, duration=2),
    "c": dict(clients=300, hold=1),
    "d": dict(clients=200, connect_only=True),
    "e": dict(clients=600, hold=2, channels=6),
    "f": dict(clients=20, senders=4, rate=0, duration=2, trace=True),
}
TITLES = {
    "a": "(a) fan-out, full speed",
    "b": "(b) 1000 clients, 100 msg/s",
    "c": "(c) idle clients in one channel",
    "d": "(d) connection setup",
    "e": "(e) concurrent clients held",
    "f": "(f) = (a) with Parley --trace",
}
PEERS = ("ngircd", "inspircd")


def log(*a):
    print(*a, file=sys.stderr, flush=True)


def ensure_peers(servers):
    missing = [p for p in PEERS if p in servers and not shutil.which(p)]
    if not missing:
        return
    if os.geteuid() != 0:
        sys.exit(f"missing {missing}; install them: apt-get install -y {' '.join(missing)}")
    # Debian's policy-rc.d (exit 101) keeps the package's own service from starting; if it is
    # not there, the services are stopped below by the PIDs listening on 6667.
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y"] + missing, check=True, env=env,
                   stdout=subprocess.DEVNULL)
    for name in missing:
        for pidfile in (f"/run/{name}/{name}.pid", f"/var/run/{name}/{name}.pid"):
            try:
                pid = int(open(pidfile).read().split()[0])
                if os.path.basename(os.readlink(f"/proc/{pid}/exe")).startswith(name):
                    log(f"stopping the {name} service the package started (PID {pid})")
                    os.kill(pid, signal.SIGTERM)
            except (OSError, ValueError, IndexError):
                pass


def version(cmd):
    try:
        out = subprocess.run(cmd, capture_output=True, text=True, timeout=10)
        return (out.stdout + out.stderr).strip().splitlines()[0]
    except Exception as e:  # noqa: BLE001
        return f"unknown ({e})"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_listening(port, proc, timeout=20):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return True
        except OSError:
            time.sleep(0.1)
    return False


NGIRCD_CONF = """# ngIRCd for the benchmark: loopback, no limits that can be lifted.
[Global]
	Name = ngircd.bench
	Info = Parley benchmark peer
	AdminInfo1 = bench
	AdminInfo2 = loopback
	AdminEMail = bench@localhost
	Listen = 127.0.0.1
	Ports = {port}
	MotdPhrase = "bench"
[Limits]
	# 0: unlimited connections, per IP too (default per IP: 5), no channel limit per user.
	MaxConnections = 0
	MaxConnectionsIP = 0
	MaxJoins = 0
	# 0 disables the penalty times (default -1, no limit).
	MaxPenaltyTime = 0
	PingTimeout = 600
	PongTimeout = 600
[Options]
	DNS = no
	Ident = no
	PAM = no
	# User mode F, "relaxed flood protection": lifts the 3-commands-per-second read throttle.
	DefaultUserModes = F
"""

INSPIRCD_CONF = """<server name="inspircd.bench" description="Parley benchmark peer" network="Bench">
<admin name="bench" nick="bench" email="bench@localhost">
<bind address="127.0.0.1" port="{port}" type="clients">
<connect name="bench" allow="*" timeout="120" pingfreq="600" maxchans="200"
         hardsendq="67108864" softsendq="67108864" recvq="1048576"
         threshold="1000000" commandrate="1000000000" fakelag="no"
         localmax="100000" globalmax="100000" maxconnwarn="no"
         resolvehostnames="no" useident="no" limit="100000">
<channels users="200" opers="200">
<performance softlimit="100000" somaxconn="4096" netbuffersize="65536" clonesonconnect="no"
             quietbursts="yes">
<options prefixquit="Quit: " syntaxhints="no" announcets="yes" hostintopic="yes"
         pingwarning="15" splitwhois="no" exemptchanops="">
<security hideserver="" userstats="Pu" customversion="" flatlinks="no" hidesplits="no"
          hideulines="no" hidebans="no" maxtargets="20">
<files motd="{dir}/motd.txt">
<log method="file" type="* -USERINPUT -USEROUTPUT" level="default" target="{dir}/ircd.log">
"""


class Server:
    """One server process: start(), .pid, .port, stop()."""

    def __init__(self, kind, args, tmp, trace=False):
        self.kind, self.args, self.trace = kind, args, trace
        self.dir = tempfile.mkdtemp(prefix=f"{kind}-", dir=tmp)
        self.proc = None
        self.port = None
        self.trace_file = None

    def start(self):
        d = self.dir
        errlog = open(os.path.join(d, "stderr.log"), "w")
        if self.kind == "parley":
            cmd = [self.args.parley, "serve", "--data-dir", os.path.join(d, "data"),
                   "--listen", "127.0.0.1:0", "--irc-listen", "127.0.0.1:0",
                   "--max-connections", "20000", "--log-level", "info",
                   "--irc-flood-penalty-ms", "0",  # flood control off, like the peers' limits
                   # every client comes from 127.0.0.1: no per-address limits, as the peers'
                   # MaxConnectionsIP = 0 and localmax/globalmax = 100000 (docs/security.md)
                   "--max-connections-per-address", "0", "--connect-burst-per-address", "0"]
            if self.trace:
                self.trace_file = os.path.join(d, "trace.jsonl")
                cmd += ["--trace", self.trace_file]
            cmd += self.args.parley_arg
            self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=errlog, cwd=d)
            deadline = time.time() + 20
            while time.time() < deadline and self.port is None:
                m = re.search(r"listening on 127\.0\.0\.1:(\d+) \(IRC\)",
                              open(os.path.join(d, "stderr.log")).read())
                if m:
                    self.port = int(m.group(1))
                elif self.proc.poll() is not None:
                    break
                else:
                    time.sleep(0.05)
        elif self.kind == "epoll":
            self.proc = subprocess.Popen([self.args.epoll_bound, "--listen", "127.0.0.1:0"],
                                         stdout=subprocess.DEVNULL, stderr=errlog, cwd=d)
            deadline = time.time() + 10
            while time.time() < deadline and self.port is None:
                m = re.search(r"listening on 127\.0\.0\.1:(\d+)",
                              open(os.path.join(d, "stderr.log")).read())
                if m:
                    self.port = int(m.group(1))
                else:
                    time.sleep(0.05)
        else:
            port = free_port()
            if self.kind == "ngircd":
                conf = os.path.join(d, "ngircd.conf")
                open(conf, "w").write(NGIRCD_CONF.format(port=port))
                cmd = ["ngircd", "-n", "-f", conf]
            else:
                conf = os.path.join(d, "inspircd.conf")
                open(os.path.join(d, "motd.txt"), "w").write("bench\n")
                open(conf, "w").write(INSPIRCD_CONF.format(port=port, dir=d))
                cmd = ["inspircd", "--nofork", "--nopid", "--config", conf]
                if os.geteuid() == 0:
                    cmd.append("--runasroot")
            self.proc = subprocess.Popen(cmd, stdout=errlog, stderr=errlog, cwd=d)
            if wait_listening(port, self.proc):
                self.port = port
        if self.port is None:
            self.stop()
            raise RuntimeError(f"{self.kind} did not start; see {d}/stderr.log")
        return self

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_loadgen(args, server, sc, label):
    cmd = [args.loadgen, "--proto", "irc", "--port", str(server.port), "--json", "--quiet",
           "--server-pid", str(server.proc.pid), "--label", label, "--clients", str(sc["clients"]),
           "--setup-timeout", "300", "--parallel", str(args.parallel_ngircd if
                                                        server.kind == "ngircd" else args.parallel)]
    if sc.get("connect_only"):
        cmd.append("--connect-only")
    elif "hold" in sc:
        cmd += ["--hold", str(sc["hold"])]
    else:
        cmd += ["--senders", str(sc["senders"]), "--rate", str(sc["rate"]),
                "--duration", str(sc["duration"]), "--window", str(args.window),
                "--size", str(args.size), "--drain", "10"]
    if sc.get("channels", 1) > 1:
        cmd += ["--channels", str(sc["channels"])]
    p = subprocess.run(cmd, capture_output=True, text=True, timeout=900)
    line = p.stdout.strip().splitlines()[-1] if p.stdout.strip() else "{}"
    try:
        res = json.loads(line)
    except json.JSONDecodeError:
        res = {"rc": p.returncode, "error": (p.stdout + p.stderr)[-300:]}
    if p.returncode == 3:
        res["error"] = p.stderr.strip()[-300:]
    res["cmd"] = " ".join(cmd)
    return res


def median(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# Per scenario: (column, JSON field or function, unit, higher is better).
def cpu_per_msg(r):
    if r.get("received") and r.get("server_cpu_s", -1) >= 0:
        return r["server_cpu_s"] / r["received"] * 1e6
    return None


def rss_after_hold_per_conn(r):
    """RSS per client at the end of the hold: idle memory once a server has settled (the
    JOIN storm's buffers freed), beside the figure taken right after the joins."""
    if "rss_end_kb" not in r or "rss_before_kb" not in r or not r.get("clients"):
        return None
    return (r["rss_end_kb"] - r["rss_before_kb"]) / r["clients"]


METRICS = {
    "a": [("delivered msg/s", "delivered_per_s", "", True), ("p50 ms", "lat_p50_ms", "", False),
          ("p99 ms", "lat_p99_ms", "", False), ("server CPU us/msg", cpu_per_msg, "", False),
          ("loss", "loss", "", False)],
    "b": [("p50 ms", "lat_p50_ms", "", False), ("p99 ms", "lat_p99_ms", "", False),
          ("max ms", "lat_max_ms", "", False), ("loss", "loss", "", False),
          ("server CPU s", "server_cpu_s", "", False)],
    "c": [("RSS/client KiB", "rss_per_conn_kb", "", False),
          ("after hold KiB", rss_after_hold_per_conn, "", False), ("setup s", "setup_s", "", False),
          ("RSS joined MiB", lambda r: r.get("rss_joined_kb", 0) / 1024, "", False)],
    "d": [("setup s", "setup_s", "", False), ("per client p50 ms", "setup_p50_ms", "", False),
          ("p99 ms", "setup_p99_ms", "", False)],
    "e": [("joined", "joined", "", True), ("RSS/client KiB", "rss_per_conn_kb", "", False),
          ("after hold KiB", rss_after_hold_per_conn, "", False),
          ("setup s", "setup_s", "", False),
          ("CPU in hold s", "server_cpu_s", "", False)],
    "f": [("delivered msg/s", "delivered_per_s", "", True), ("p99 ms", "lat_p99_ms", "", False),
          ("server CPU us/msg", cpu_per_msg, "", False), ("loss", "loss", "", False)],
}


def value(r, field):
    if r.get("rc", 1) not in (0,) and r.get("joined", 0) < r.get("clients", 1):
        return None  # a failed run has no figure
    v = field(r) if callable(field) else r.get(field)
    return v


def fmt(v):
    if v is None:
        return "-"
    if isinstance(v, float):
        if abs(v) >= 1000:
            return f"{v:,.0f}"
        if abs(v) >= 10:
            return f"{v:.1f}"
        return f"{v:.3g}"
    return str(v)


def table(results, scenarios, servers):
    out = []
    for s in scenarios:
        if not any(r["scenario"] == s for r in results):
            continue
        out.append(f"\n{TITLES[s]}")
        hdr = ["server", "runs"] + [m[0] for m in METRICS[s]]
        rows = []
        meds = {}
        for srv in servers:
            rs = [r for r in results if r["scenario"] == s and r["server"] == srv]
            if not rs:
                continue
            meds[srv] = {m[0]: median([value(r, m[1]) for r in rs]) for m in METRICS[s]}
            fails = sum(1 for r in rs if r.get("rc", 1) != 0)
            rows.append((srv, f"{len(rs)}" + (f" ({fails} failed)" if fails else ""), rs))
        lines = [hdr]
        for srv, runs, rs in rows:
            cells = [srv, runs]
            for name, _, _, higher in METRICS[s]:
                v = meds[srv][name]
                peer_vals = [meds[p][name] for p in PEERS if p in meds and meds[p][name] is not None]
                best = (max(peer_vals) if higher else min(peer_vals)) if peer_vals else None
                cell = fmt(v)
                if v is not None and best not in (None, 0) and name != "loss":
                    cell += f" ({v / best:.2f}x)"
                cells.append(cell)
            lines.append(cells)
        widths = [max(len(str(l[i])) for l in lines) for i in range(len(hdr))]
        for i, l in enumerate(lines):
            out.append("| " + " | ".join(str(c).ljust(widths[j]) for j, c in enumerate(l)) + " |")
            if i == 0:
                out.append("| " + " | ".join("-" * w for w in widths) + " |")
        errors = {r["server"]: r.get("error") for r in results
                  if r["scenario"] == s and r.get("error")}
        for srv, e in errors.items():
            out.append(f"  {srv}: {e}")
    out.append("\n(x): the median divided by the best median of ngIRCd and InspIRCd.")
    return "\n".join(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--parley", default=os.path.join(ROOT, "build", "parley"))
    ap.add_argument("--loadgen", default=os.path.join(ROOT, "build", "bench", "loadgen"))
    ap.add_argument("--epoll-bound", default=os.path.join(ROOT, "build", "bench", "epoll_bound"))
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--quick", action="store_true", help="tiny sizes (a minute in all)")
    ap.add_argument("--scenarios", default="abcdef")
    ap.add_argument("--servers", default="parley,ngircd,inspircd,epoll")
    ap.add_argument("--window", type=int, default=24,
                    help="messages in flight per sender in a and f (see docs/performance.md)")
    ap.add_argument("--size", type=int, default=100, help="bytes of chat text per message")
    ap.add_argument("--out", default="bench-results.jsonl", help="raw results, JSON lines")
    ap.add_argument("--parallel", type=int, default=200,
                    help="connections the generator sets up at once")
    ap.add_argument("--parallel-ngircd", type=int, default=10,
                    help="the same for ngIRCd, whose listen backlog is 10: more drops SYNs")
    ap.add_argument("--heavy-reps", type=int, default=None,
                    help="repetitions of c, d and e (default: --reps)")
    ap.add_argument("--keep", action="store_true", help="keep the servers' temp dirs and logs")
    ap.add_argument("--parley-arg", action="append", default=[],
                    help="an extra argument for `parley serve` (repeatable)")
    args = ap.parse_args()
    servers = [s for s in args.servers.split(",") if s]
    for path in ("parley", "loadgen", "epoll_bound"):
        p = getattr(args, path)
        if not (os.path.isfile(p) and os.access(p, os.X_OK)):
            sys.exit(f"not an executable: {p} (build it: cmake --build build --target parley "
                     f"loadgen epoll_bound)")
        setattr(args, path, os.path.abspath(p))
    ensure_peers(servers)
    # 10,000 clients: the generator and the server each need that many descriptors.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 25000 if hard == resource.RLIM_INFINITY else hard
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    except (ValueError, OSError):
        pass
    nofile = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    sizes = QUICK if args.quick else FULL
    if nofile < max(sc["clients"] for sc in sizes.values()) + 100:
        log(f"warning: RLIMIT_NOFILE is {nofile}; scenario e needs more (raise the hard limit)")
    meta = {"nproc": os.cpu_count(), "parallel": args.parallel,
            "parallel_ngircd": args.parallel_ngircd, "ngircd": version(["ngircd", "--version"]),
            "inspircd": version(["inspircd", "--version"]), "window": args.window,
            "size": args.size, "nofile": nofile, "quick": args.quick}
    log("machine and peers:", json.dumps(meta))
    tmp = tempfile.mkdtemp(prefix="parley-bench-")
    results = []
    with open(args.out, "w") as out:
        out.write(json.dumps({"meta": meta}) + "\n")
        for rep in range(args.reps):
            for s in args.scenarios:
                sc = sizes[s]
                if s in "cde" and args.heavy_reps is not None and rep >= args.heavy_reps:
                    continue
                for srv in servers:
                    if sc.get("trace") and srv != "parley":
                        continue
                    label = f"{s}/{srv}/{rep + 1}"
                    server = Server(srv, args, tmp, trace=sc.get("trace", False))
                    try:
                        server.start()
                        res = run_loadgen(args, server, sc, label)
                    except Exception as e:  # noqa: BLE001
                        res = {"rc": -1, "error": str(e)}
                    finally:
                        server.stop()
                    if server.trace_file and os.path.exists(server.trace_file):
                        res["trace_bytes"] = os.path.getsize(server.trace_file)
                        os.remove(server.trace_file)
                    res.update(scenario=s, server=srv, rep=rep + 1)
                    results.append(res)
                    out.write(json.dumps(res) + "\n")
                    out.flush()
                    log(f"{label}: rc {res.get('rc')} joined {res.get('joined')} "
                        f"delivered/s {res.get('delivered_per_s')} p99 {res.get('lat_p99_ms')} "
                        f"loss {res.get('loss')} setup {res.get('setup_s')} "
                        f"rss/conn {res.get('rss_per_conn_kb')} cpu {res.get('server_cpu_s')}"
                        + (f" ERROR {res.get('error')}" if res.get("error") else ""))
    if args.keep:
        log(f"server dirs and logs kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    print(table(results, args.scenarios, servers))
    print(f"\nraw results: {args.out}")


if __name__ == "__main__":
    main()
