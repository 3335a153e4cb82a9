#!/usr/bin/env python3
"""Prices live tracing: runs the same fixed chat load against `parley serve` with and without
--trace and compares the server's CPU time (from /proc), which does not depend on how fast this
Python client is. Loopback only; every server it starts is stopped by its PID.

usage: bench/trace_cost.py PARLEY [--clients 20] [--senders 5] [--lines 2000] [--rounds 3]
"""
import argparse, os, re, select, signal, socket, subprocess, sys, tempfile, time

def start(parley, data, trace):
    # Every client comes from 127.0.0.1: the per-address limits (5 at once, 10 in a burst by
    # default; docs/security.md) are turned off explicitly.
    cmd = [parley, "serve", "--data-dir", data, "--listen", "127.0.0.1:0", "--log-level", "info",
           "--failed-login-delay-ms", "0", "--max-connections-per-address", "0",
           "--connect-burst-per-address", "0"]
    if trace:
        cmd += ["--trace", trace]
    p = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 10
    while time.time() < deadline:
        line = p.stderr.readline()
        m = re.search(r"listening on 127\.0\.0\.1:(\d+)", line)
        if m:
            return p, int(m.group(1))
    p.kill()
    raise SystemExit("server did not start")

def cpu_seconds(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

def read_until(sock, buf, needle, timeout=30):
    deadline = time.time() + timeout
    while needle not in buf[0]:
        if time.time() > deadline:
            raise SystemExit(f"timeout waiting for {needle!r}")
        r, _, _ = select.select([sock], [], [], 1)
        if r:
            data = sock.recv(65536)
            if not data:
                raise SystemExit("server closed the connection")
            buf[0] += data
    return buf[0]

def login(port, name):
    s = socket.create_connection(("127.0.0.1", port))
    buf = [b""]
    s.sendall(f"{name}\r\npassword-{name}\r\n".encode())
    read_until(s, buf, b"*** You are in lobby")
    buf[0] = b""
    return s, buf

def run(parley, args, trace):
    data = tempfile.mkdtemp()
    p, port = start(parley, data, trace)
    try:
        clients = [login(port, f"u{i}") for i in range(args.clients)]
        before = cpu_seconds(p.pid)
        t0 = time.time()
        for i in range(args.senders):
            s, _ = clients[i]
            s.sendall(b"".join(f"line {j} from u{i}\r\n".encode() for j in range(args.lines)))
        # Everyone but the sender gets every line. Read all sockets at once: a client that
        # is not read falls behind and the server rightly drops it as a slow reader.
        want = {k: {f"u{i}: line {args.lines - 1} from u{i}".encode()
                    for i in range(args.senders) if i != k} for k in range(len(clients))}
        socks = {s.fileno(): k for k, (s, _) in enumerate(clients)}
        deadline = time.time() + 300
        while any(want.values()) and time.time() < deadline:
            r, _, _ = select.select([clients[k][0] for k in want if want[k]], [], [], 1)
            for s in r:
                k = socks[s.fileno()]
                data = s.recv(1 << 20)
                if not data:
                    raise SystemExit(f"server closed u{k}")
                buf = clients[k][1]
                buf[0] = buf[0][-200:] + data
                want[k] = {w for w in want[k] if w not in buf[0]}
        if any(want.values()):
            raise SystemExit("timeout waiting for deliveries")
        wall = time.time() - t0
        cpu = cpu_seconds(p.pid) - before
        for s, _ in clients:
            s.close()
        return cpu, wall
    finally:
        p.send_signal(signal.SIGTERM)
        p.wait(timeout=20)

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("parley")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--senders", type=int, default=5)
    ap.add_argument("--lines", type=int, default=2000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    deliveries = args.senders * args.lines * (args.clients - 1)
    results = {"off": [], "on": []}
    for _ in range(args.rounds):
        for mode in ("off", "on"):
            trace = os.path.join(tempfile.mkdtemp(), "t.jsonl") if mode == "on" else None
            cpu, wall = run(args.parley, args, trace)
            results[mode].append(cpu)
            extra = f", trace {os.path.getsize(trace) // 1024} KiB" if trace else ""
            print(f"tracing {mode:3}: server CPU {cpu:.2f}s, wall {wall:.2f}s{extra}", flush=True)
    med = {m: sorted(v)[len(v) // 2] for m, v in results.items()}
    print(f"{deliveries} deliveries per run; median server CPU: off {med['off']:.2f}s, "
          f"on {med['on']:.2f}s, ratio {med['on'] / med['off']:.2f}")

if __name__ == "__main__":
    main()
