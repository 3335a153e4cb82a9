#!/usr/bin/env python3
"""Soak test (issue #18): many line and IRC clients live against one `parley serve` for a long
time, doing what real users do, while the server's RSS, open descriptors, CPU and delivery
latency are sampled. Pass: after the warm-up RSS and descriptors stay flat, no line is lost
that the rules say must arrive, and the server logs no error. Writes samples.csv, summary.json
and soak.png (needs matplotlib: Debian's python3-matplotlib; installed when missing, as
compare.py installs its peers) into --out.

What the clients do (each on its own schedule, from --seed):
  chat in their room (a timestamped line), move to another room (line: /join; IRC: PART and
  JOIN), change nick (IRC), quit and come back, stop reading for a while (a slow reader), and
  drop the connection abruptly.

Which lines must arrive: a line sent to room R must reach every other client that had its own
join of R confirmed at least --margin-s before the send, stayed in R (and connected, and
reading) until at least --margin-s after it, and did not change its nick in that window. Lines
to clients at the edges of such windows may or may not arrive; they are not counted either way.

usage: bench/soak.py [--parley build/parley] [--clients 2000] [--minutes 30] [--out DIR]
"""
import argparse
import asyncio
import csv
import json
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def now():
    return time.monotonic()


class Ledger:
    """Every chat line sent, every delivery, and each client's membership windows."""

    def __init__(self):
        self.sent = {}        # (sender, seq) -> (room, t_send)
        self.got = set()      # (receiver, sender, seq)
        self.windows = []     # (client, room, t_from, t_to)
        self.latencies = []   # seconds, since the last sample

    def open_window(self, client, room):
        return [client, room, now(), None]

    def close_window(self, w):
        if w is not None and w[3] is None:
            w[3] = now()
            self.windows.append(tuple(w))


class Client:
    """One simulated user: a line or an IRC session, reconnecting as the plan says."""

    def __init__(self, soak, index, irc):
        self.soak, self.index, self.irc = soak, index, irc
        self.base = f"{'i' if irc else 'l'}{index}"
        self.nick = self.base
        self.rng = random.Random(soak.args.seed * 100003 + index)
        self.seq = 0
        self.room = None
        self.window = None
        self.reader = self.writer = None
        self.reading = True
        self.dead = False      # the server closed the connection (seen by the drain loop)
        self.resumed_at = 0.0  # when reading last resumed: older lines waited on the client
        self.nick_gen = 0

    # --- connection ---

    async def connect(self):
        port = self.soak.irc_port if self.irc else self.soak.line_port
        self.reader, self.writer = await asyncio.open_connection("127.0.0.1", port, limit=1 << 20)
        self.reading = True
        self.dead = False
        if self.irc:
            self.send(f"NICK {self.nick}")
            self.send(f"USER {self.base} 0 * :soak {self.base}")
            await self.until(lambda l: f" 001 {self.nick} " in l)
        else:
            await self.until(lambda l: l == "*** Name?")
            while True:
                self.send(self.base)
                line = await self.until(lambda l: "assword" in l or "already logged in" in l)
                if "assword" in line:
                    break
                # The previous session of this name has not ended yet: ask again shortly.
                await self.until(lambda l: l == "*** Name?")
                await asyncio.sleep(1)
            self.send("soak-password")
            await self.until(lambda l: l.startswith("*** You are in lobby"))
            self.room = "lobby"
            self.window = self.soak.ledger.open_window(self.nick, "lobby")

    def send(self, line):
        if self.dead or self.writer.is_closing():
            return
        self.writer.write((line + "\r\n").encode())

    async def until(self, pred, timeout=60):
        deadline = now() + timeout
        while True:
            left = deadline - now()
            if left <= 0:
                raise TimeoutError(f"{self.nick}: waited {timeout}s")
            raw = await asyncio.wait_for(self.reader.readline(), left)
            if not raw:
                raise ConnectionError(f"{self.nick}: closed by the server")
            line = raw.decode(errors="replace").rstrip("\r\n")
            self.observe(line)
            if pred(line):
                return line

    def observe(self, line):
        """Answers PINGs; records a chat line of the soak (its payload: soak: SENDER SEQ TIME)."""
        if self.irc and line.startswith("PING "):
            self.send("PONG " + line[5:])
            return
        k = line.find("soak:")
        if k < 0:
            return
        parts = line[k:].split()
        if len(parts) < 4:
            return
        _, sender, seq, t = parts[:4]
        self.soak.ledger.got.add((self.nick, sender, int(seq)))
        try:
            t_sent = float(t)
        except ValueError:
            return
        if t_sent >= self.resumed_at:  # the server's latency, not a paused reader's
            self.soak.ledger.latencies.append(now() - t_sent)

    async def drain_forever(self):
        while True:
            if not self.reading:
                await asyncio.sleep(0.2)
                continue
            raw = await self.reader.readline()
            if not raw:
                self.dead = True
                self.soak.ledger.close_window(self.window)
                self.window = None
                return
            self.observe(raw.decode(errors="replace").rstrip("\r\n"))

    # --- actions ---

    async def join(self, room):
        led = self.soak.ledger
        led.close_window(self.window)
        self.window = None
        if self.irc:
            if self.room:
                self.send(f"PART #{self.room}")
            self.send(f"JOIN #{room}")
        else:
            self.send(f"/join {room}")
        self.room = room
        # The confirmation arrives through the drain loop; open the window a margin later.
        await asyncio.sleep(self.soak.args.margin_s)
        self.window = led.open_window(self.nick, room)

    def chat(self):
        if self.dead or not self.room or self.window is None:
            return
        self.seq += 1
        self.soak.ledger.sent[(self.nick, self.seq)] = (self.room, now())
        text = f"soak: {self.nick} {self.seq} {now():.6f}"
        self.send(f"PRIVMSG #{self.room} :{text}" if self.irc else text)

    async def rename(self):
        self.soak.ledger.close_window(self.window)
        self.window = None
        self.nick_gen += 1
        self.nick = f"{self.base}n{self.nick_gen}"
        self.send(f"NICK {self.nick}")
        await asyncio.sleep(self.soak.args.margin_s)
        if self.room:
            self.window = self.soak.ledger.open_window(self.nick, self.room)

    async def slow_read(self):
        self.soak.ledger.close_window(self.window)
        self.window = None
        self.reading = False
        await asyncio.sleep(self.rng.uniform(2, 20))
        self.reading = True
        self.resumed_at = now()
        await asyncio.sleep(self.soak.args.margin_s)
        if self.room:
            self.window = self.soak.ledger.open_window(self.nick, self.room)

    def leave(self, abrupt):
        self.soak.ledger.close_window(self.window)
        self.window = None
        self.room = None
        if abrupt:
            self.writer.transport.abort()
        else:
            self.send("QUIT :soak" if self.irc else "/quit soak")
            self.writer.close()

    async def life(self, stop_at):
        await asyncio.sleep(self.rng.uniform(0, self.soak.args.ramp_s))
        while now() < stop_at:
            try:
                await self.session(stop_at)
            except (ConnectionError, TimeoutError, OSError, asyncio.IncompleteReadError) as e:
                self.soak.errors.append(f"{self.nick}: {e}")
                self.soak.ledger.close_window(self.window)
                self.window = None
            await asyncio.sleep(self.rng.uniform(1, 5))

    async def session(self, stop_at):
        await self.connect()
        if self.irc:
            await self.join(self.soak.pick_room(self.rng))
        drain = asyncio.ensure_future(self.drain_forever())
        try:
            period = self.soak.args.action_s
            while now() < stop_at:
                await asyncio.sleep(self.rng.expovariate(1 / period))
                if self.dead:
                    raise ConnectionError(f"{self.nick}: closed by the server")
                r = self.rng.random()
                if r < 0.80:
                    self.chat()
                elif r < 0.88:
                    await self.join(self.soak.pick_room(self.rng))
                elif r < 0.92 and self.irc:
                    await self.rename()
                elif r < 0.95:
                    await self.slow_read()
                elif r < 0.98:
                    self.leave(abrupt=False)
                    return
                else:
                    self.leave(abrupt=True)
                    return
            self.leave(abrupt=False)
        finally:
            drain.cancel()


class Soak:
    def __init__(self, args):
        self.args = args
        self.ledger = Ledger()
        self.errors = []
        self.samples = []
        self.rooms = [f"room{i}" for i in range(args.rooms)]

    def pick_room(self, rng):
        return rng.choice(self.rooms)

    def start_server(self, workdir):
        self.line_port, self.irc_port = free_port(), free_port()
        cmd = [self.args.parley, "--data-dir", workdir, "serve",
               "--listen", f"127.0.0.1:{self.line_port}",
               "--irc-listen", f"127.0.0.1:{self.irc_port}",
               "--max-connections", str(self.args.clients * 2),
               "--irc-flood-penalty-ms", "0",
               # Every soak client comes from 127.0.0.1: the per-address limits are off.
               "--max-connections-per-address", "0", "--connect-burst-per-address", "0"]
        cmd += self.args.parley_arg
        self.log = open(os.path.join(self.args.out, "server.log"), "w")
        self.server = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = now() + 30
        while now() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.irc_port), 0.2).close()
                return
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("the server did not start")

    def sample(self, t0):
        pid = self.server.pid
        with open(f"/proc/{pid}/status") as f:
            rss = next(int(l.split()[1]) for l in f if l.startswith("VmRSS:"))
        fds = len(os.listdir(f"/proc/{pid}/fd"))
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        lat = sorted(self.ledger.latencies)
        self.ledger.latencies = []
        p50 = lat[len(lat) // 2] * 1000 if lat else 0.0
        p99 = lat[int(len(lat) * 0.99)] * 1000 if lat else 0.0
        self.samples.append({"t_s": round(now() - t0, 1), "rss_kib": rss, "fds": fds,
                             "cpu_s": round(cpu, 2), "deliveries": len(lat),
                             "lat_p50_ms": round(p50, 2), "lat_p99_ms": round(p99, 2)})

    async def sampler(self, t0, stop_at):
        while now() < stop_at:
            self.sample(t0)
            await asyncio.sleep(self.args.sample_s)

    async def run(self):
        t0 = now()
        stop_at = t0 + self.args.minutes * 60
        n_irc = int(self.args.clients * self.args.irc_share)
        clients = [Client(self, i, irc=i < n_irc) for i in range(self.args.clients)]
        tasks = [asyncio.ensure_future(c.life(stop_at)) for c in clients]
        await self.sampler(t0, stop_at)
        await asyncio.gather(*tasks, return_exceptions=True)
        for c in clients:
            self.ledger.close_window(c.window)

    def lost_lines(self):
        """Lines the rules say must have arrived and did not (see the module's doc)."""
        m = self.args.margin_s
        by_room = {}
        for client, room, t_from, t_to in self.ledger.windows:
            by_room.setdefault(room, []).append((client, t_from, t_to))
        owed = lost = 0
        examples = []
        for (sender, seq), (room, t) in self.ledger.sent.items():
            for client, t_from, t_to in by_room.get(room, []):
                if client == sender or not (t_from + m <= t <= t_to - m):
                    continue
                owed += 1
                if (client, sender, seq) not in self.ledger.got:
                    lost += 1
                    if len(examples) < 5:
                        examples.append(f"{client} never got {sender}#{seq} in {room}")
        return owed, lost, examples

    def verdict(self):
        warm = [s for s in self.samples if s["t_s"] >= self.args.warmup_s]
        owed, lost, examples = self.lost_lines()
        log_errors = [l.rstrip() for l in open(os.path.join(self.args.out, "server.log"))
                      if "[error]" in l or "[critical]" in l]
        # RSS has spikes that are not leaks: a password hash (argon2id) holds its memory cost
        # while it runs. What would show a leak is the floor, so RSS is judged by the lowest
        # sample of each minute.
        floors = {}
        for s in warm:
            m = int(s["t_s"] // 60)
            floors[m] = min(floors.get(m, s["rss_kib"]), s["rss_kib"])
        floor = [floors[m] for m in sorted(floors)] or [0]
        fds = [s["fds"] for s in warm] or [0]
        def thirds(xs):  # the means of the first and the last third
            k = max(1, len(xs) // 3)
            return sum(xs[:k]) / k, sum(xs[-k:]) / k
        rss_a, rss_b = thirds(floor)
        fds_a, fds_b = thirds(fds)
        v = {
            "clients": self.args.clients, "minutes": self.args.minutes,
            "rss_floor_kib_first_and_last_third": [round(rss_a), round(rss_b)],
            "rss_kib_after_warmup_min_max": [min(s["rss_kib"] for s in warm) if warm else 0,
                                             max(s["rss_kib"] for s in warm) if warm else 0],
            "fds_first_and_last_third": [round(fds_a, 1), round(fds_b, 1)],
            "lines_sent": len(self.ledger.sent), "deliveries_owed": owed, "lost": lost,
            "lost_examples": examples, "server_log_errors": log_errors[:5],
            "client_errors": len(self.errors), "client_error_examples": self.errors[:5],
        }
        # Flat: the last third is at most 5% (RSS floor, or 2 MiB) or 2% (descriptors) above the
        # first third of the run after the warm-up.
        v["rss_flat"] = rss_b <= max(rss_a * 1.05, rss_a + 2048)
        v["fds_flat"] = fds_b <= fds_a * 1.02 + 2
        v["pass"] = v["rss_flat"] and v["fds_flat"] and lost == 0 and not log_errors
        return v

    def write(self, v):
        with open(os.path.join(self.args.out, "samples.csv"), "w", newline="") as f:
            w = csv.DictWriter(f, fieldnames=list(self.samples[0]))
            w.writeheader()
            w.writerows(self.samples)
        with open(os.path.join(self.args.out, "summary.json"), "w") as f:
            json.dump(v, f, indent=2)
        plot(self.samples, os.path.join(self.args.out, "soak.png"), self.args)


def ensure_matplotlib():
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        sudo = [] if os.geteuid() == 0 else ["sudo"]
        subprocess.run(sudo + ["apt-get", "install", "-y", "-qq", "--no-install-recommends",
                               "python3-matplotlib"], check=True,
                       env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))
        import importlib
        importlib.invalidate_caches()
    try:
        import matplotlib  # noqa: F401,F811
    except ImportError:
        # Debian's package is for Debian's Python; another python3 first on PATH (pyenv) runs
        # the script again under it.
        if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3"):
            os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
        raise


def plot(samples, path, args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    t = [s["t_s"] / 60 for s in samples]
    fig, ax = plt.subplots(4, 1, figsize=(9, 10), sharex=True)
    ax[0].plot(t, [s["rss_kib"] / 1024 for s in samples]); ax[0].set_ylabel("RSS MiB")
    ax[1].plot(t, [s["fds"] for s in samples]); ax[1].set_ylabel("open fds")
    cpu = [s["cpu_s"] for s in samples]
    ax[2].plot(t[1:], [(b - a) / args.sample_s for a, b in zip(cpu, cpu[1:])])
    ax[2].set_ylabel("CPU (cores)")
    ax[3].plot(t, [s["lat_p50_ms"] for s in samples], label="p50")
    ax[3].plot(t, [s["lat_p99_ms"] for s in samples], label="p99")
    ax[3].set_ylabel("delivery ms"); ax[3].legend(); ax[3].set_xlabel("minutes")
    for a in ax:
        a.axvline(args.warmup_s / 60, color="grey", linestyle=":")
    fig.suptitle(f"parley soak: {args.clients} clients ({args.irc_share:.0%} IRC), "
                 f"{args.minutes} min, seed {args.seed}")
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--parley", default="build/parley")
    p.add_argument("--clients", type=int, default=2000)
    p.add_argument("--irc-share", type=float, default=0.5)
    p.add_argument("--minutes", type=float, default=30)
    p.add_argument("--rooms", type=int, default=40)
    p.add_argument("--action-s", type=float, default=20, help="mean seconds between a client's actions")
    p.add_argument("--ramp-s", type=float, default=60, help="clients connect over this long")
    p.add_argument("--warmup-s", type=float, default=180)
    p.add_argument("--margin-s", type=float, default=2)
    p.add_argument("--sample-s", type=float, default=5)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--out", default="soak-results")
    p.add_argument("--parley-arg", action="append", default=[], help="extra argument for parley serve")
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    ensure_matplotlib()
    import resource
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    soak = Soak(args)
    workdir = tempfile.mkdtemp(prefix="parley-soak-")
    soak.start_server(workdir)
    try:
        asyncio.run(soak.run())
    finally:
        soak.server.send_signal(signal.SIGTERM)
        try:
            soak.server.wait(30)
        except subprocess.TimeoutExpired:
            soak.server.kill()
        shutil.rmtree(workdir, ignore_errors=True)
    v = soak.verdict()
    soak.write(v)
    print(json.dumps(v, indent=2))
    return 0 if v["pass"] else 1


if __name__ == "__main__":
    sys.exit(main())
