#!/usr/bin/env python3
"""Stress test of the user store shared by a running server and `parley user` commands
(issue #18): the real `parley serve` authenticates and self-registers continuously while
`parley user add`, `user passwd` and `user del` run in a loop from other processes.

Runs for PARLEY_STRESS_SECONDS (default 25) of load, then drains and checks:
  - every `parley user` command succeeded, the first three of them started together with the
    server on a new data directory (exit 0, no "database is locked", no other error);
  - the server sees each change at the next login: after `user add` the line login with the new
    password succeeds; after `user passwd` the new password logs in over the line protocol and
    over IRC (PASS) and the old one is refused on both; after `user del` the line protocol
    offers to create the name again and IRC PASS is refused;
  - every self-registration the server acknowledged logs in again, over the line protocol and
    over IRC; no login or registration got "the server could not complete that";
  - at the end, `parley user list` and the file itself (Python's sqlite3) hold exactly the
    acknowledged registrations and the admin accounts not deleted, PRAGMA integrity_check is ok,
    and the server exits 0 on SIGTERM.

Usage: store_stress.py PATH/TO/parley   (PARLEY_STRESS_SECONDS=300 for a longer run)
"""
import faulthandler
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import store_harness as h  # noqa: E402

SECONDS = float(os.environ.get("PARLEY_STRESS_SECONDS", "25"))


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.counts = {}
        self.errors = []
        self.registered = {}  # name -> password, acknowledged self-registrations
        self.admin_alive = {}  # name -> password, admin accounts that should exist

    def bump(self, what, n=1):
        with self.lock:
            self.counts[what] = self.counts.get(what, 0) + n

    def error(self, text):
        with self.lock:
            self.errors.append(text)
        print("FAIL - " + text, flush=True)


def registrar(server, stats, tag, stop):
    """Self-registers new accounts over the line protocol, then logs each in again over IRC."""
    n = 0
    while not stop.is_set():
        n += 1
        name, pw = "r%s-%d" % (tag, n), "pw-%s-%d" % (tag, n)
        try:
            out = h.retry_in_use(h.line_login, server.line_port, name, pw)
            if out != h.REGISTERED:
                stats.error("registering %s: %s" % (name, out))
                continue
            with stats.lock:
                stats.registered[name] = pw
            stats.bump("self-registrations")
            out = h.retry_in_use(h.irc_login, server.irc_port, name, pw)
            stats.bump("IRC logins")
            if out != h.IRC_WELCOME:
                stats.error("IRC login of freshly registered %s: %s" % (name, out))
        except Exception as e:  # noqa: BLE001 -- a test reports every failure
            stats.error("registrar %s at %s: %s" % (tag, name, e))


def checker(server, stats, seed, stop):
    """Logs in acknowledged accounts again, alternating the line protocol and IRC."""
    rng = random.Random(seed)
    while not stop.is_set():
        with stats.lock:
            names = sorted(stats.registered)
        if not names:
            stop.wait(0.05)  # nothing registered yet; stop may end the wait
            continue
        name = rng.choice(names)
        pw = stats.registered[name]
        try:
            if rng.random() < 0.5:
                out = h.retry_in_use(h.line_login, server.line_port, name, pw)
                stats.bump("line logins")
                if out != h.LOGGED_IN:
                    stats.error("line login of %s: %s" % (name, out))
            else:
                out = h.retry_in_use(h.irc_login, server.irc_port, name, pw)
                stats.bump("IRC logins")
                if out != h.IRC_WELCOME:
                    stats.error("IRC login of %s: %s" % (name, out))
        except Exception as e:  # noqa: BLE001
            stats.error("checker at %s: %s" % (name, e))


def admin(parley, data_dir, server, stats, tag, stop):
    """add, check, passwd, check, del, check: one account at a time, each step a process."""
    n = 0

    def command(action, name, pw=None):
        rc, out, err = h.user_command(parley, data_dir, action, name, pw)
        stats.bump("user " + action)
        if rc != 0:
            stats.error("parley user %s %s: exit %d: %s" % (action, name, rc, err.strip()))
        return rc == 0

    def expect(what, got, want):
        if got != want:
            stats.error("%s: %s, expected %s" % (what, got, want))

    while not stop.is_set():
        n += 1
        name, pw1, pw2 = "a%s-%d" % (tag, n), "first-%s-%d" % (tag, n), "second-%s-%d" % (tag, n)
        try:
            if not command("add", name, pw1):
                continue
            with stats.lock:
                stats.admin_alive[name] = pw1
            expect("line login of %s after user add" % name,
                   h.retry_in_use(h.line_login, server.line_port, name, pw1), h.LOGGED_IN)
            if not command("passwd", name, pw2):
                continue
            with stats.lock:
                stats.admin_alive[name] = pw2
            expect("line login of %s with the new password" % name,
                   h.retry_in_use(h.line_login, server.line_port, name, pw2), h.LOGGED_IN)
            expect("line login of %s with the old password" % name,
                   h.retry_in_use(h.line_login, server.line_port, name, pw1), h.WRONG_PASSWORD)
            expect("IRC login of %s with the new password" % name,
                   h.retry_in_use(h.irc_login, server.irc_port, name, pw2), h.IRC_WELCOME)
            expect("IRC login of %s with the old password" % name,
                   h.retry_in_use(h.irc_login, server.irc_port, name, pw1), h.IRC_REFUSED)
            stats.bump("checked logins", 5)
            if n % 3 == 0:  # keep some admin accounts, to be found at the end
                continue
            if not command("del", name):
                continue
            with stats.lock:
                del stats.admin_alive[name]
            expect("line login of %s after user del" % name,
                   h.retry_in_use(h.line_login, server.line_port, name, pw2, register=False), h.UNKNOWN_NAME)
            expect("IRC login of %s after user del" % name,
                   h.retry_in_use(h.irc_login, server.irc_port, name, pw2), h.IRC_REFUSED)
            stats.bump("checked logins", 2)
        except Exception as e:  # noqa: BLE001
            stats.error("admin %s at %s: %s" % (tag, name, e))


def main():
    if len(sys.argv) != 2 or not os.access(sys.argv[1], os.X_OK):
        print("usage: store_stress.py PATH/TO/parley", file=sys.stderr)
        return 2
    parley = os.path.realpath(sys.argv[1])
    # A hang shows where every thread stood, and ends the test.
    faulthandler.dump_traceback_later(SECONDS + 240.0, exit=True)
    tmp = tempfile.mkdtemp(prefix="parley-store-stress.")
    data_dir = os.path.join(tmp, "data")
    server = None
    stats = Stats()
    started = time.monotonic()
    try:
        # At start-up too: `user add` while the server creates the store on a new data dir.
        early = [subprocess.Popen([parley, "user", "add", "early%d" % i, "--data-dir", data_dir],
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for i in range(3)]
        server = h.Server(parley, data_dir, os.path.join(tmp, "serve.log"),
                          extra=("--auth-workers", "2"))
        for i, p in enumerate(early):
            out, err = p.communicate("early-pw-%d\n" % i, timeout=120)
            stats.bump("user add")
            if p.returncode != 0:
                stats.error("parley user add early%d at start-up: exit %d: %s"
                            % (i, p.returncode, err.strip()))
            else:
                stats.admin_alive["early%d" % i] = "early-pw-%d" % i
        stop = threading.Event()
        threads = [
            threading.Thread(target=registrar, args=(server, stats, "x", stop)),
            threading.Thread(target=registrar, args=(server, stats, "y", stop)),
            threading.Thread(target=checker, args=(server, stats, 1, stop)),
            threading.Thread(target=admin, args=(parley, data_dir, server, stats, "p", stop)),
            threading.Thread(target=admin, args=(parley, data_dir, server, stats, "q", stop)),
        ]
        for t in threads:
            t.start()
        stop.wait(SECONDS)
        stop.set()
        for t in threads:
            t.join(timeout=300)
            if t.is_alive():
                stats.error("a load thread did not finish")

        # Everything acknowledged is in the store, and nothing else.
        rc, out, err = h.user_command(parley, data_dir, "list")
        if rc != 0:
            stats.error("parley user list: exit %d: %s" % (rc, err.strip()))
        want = set(stats.registered) | set(stats.admin_alive)
        listed = set(out.split())
        if listed != want:
            stats.error("user list differs: missing %s, unexpected %s"
                        % (sorted(want - listed)[:10], sorted(listed - want)[:10]))
        integrity, rows = h.read_store(os.path.join(data_dir, "users.db"))
        if integrity != "ok":
            stats.error("integrity_check: " + integrity)
        if set(rows) != want:
            stats.error("the file holds %d accounts, expected %d" % (len(rows), len(want)))
        code = server.stop()
        if code != 0:
            stats.error("parley serve exited %d on SIGTERM" % code)
        log = server.log_text()
        for bad in ("database is locked", "user store"):
            if bad in log:
                stats.error("server log mentions %r" % bad)
    except Exception:  # noqa: BLE001
        stats.error("harness: " + traceback.format_exc())
    finally:
        if server is not None and server.proc.poll() is None:
            server.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    summary = ", ".join("%s %d" % kv for kv in sorted(stats.counts.items()))
    print("%.1f s of load (%.1f s in all): %s" % (SECONDS, time.monotonic() - started, summary))
    if stats.errors:
        print("%d failures" % len(stats.errors))
        return 1
    print("ok   - no command failed, no acknowledged change lost, every login saw each change")
    return 0


if __name__ == "__main__":
    sys.exit(main())
