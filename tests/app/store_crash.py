#!/usr/bin/env python3
"""Crash test of the user store (issue #18): SIGKILL the real `parley serve`, and separately a
running `parley user` command, at random moments in the middle of continuous self-registrations
and password changes; after each restart check what survived.

Each round starts the server on the same data directory, checks the previous round, runs the
load, and kills the server with SIGKILL at a seeded random moment:
  - two clients self-register the same sequence of new names over the line protocol, so they
    race for each name: one is acknowledged, the other refused (`name taken`) or asked for the
    winner's password;
  - a loop of `parley user passwd` on a few accounts and `parley user add` of new ones; in every
    round one of these commands is itself killed with SIGKILL at a seeded random moment.
After each restart (the server's own start-up opens the store, so recovery has run):
  - PRAGMA integrity_check is ok (Python's sqlite3 module reads the file);
  - every registration the server acknowledged (`*** Account NAME registered.`) exists, and one
    of them logs in through the restarted server;
  - a registration refused as `name taken` did not store its password (the name exists, with
    the winner's: one of them is tried through the server and must be a wrong password), and
    one the server failed does not exist; one whose answer never came (the kill) may or may
    not exist;
  - every `user add` / `user passwd` that exited 0 is in the file; the account whose password
    changed last logs in with that password (or, if its command was killed, with the old or the
    new one).

Rounds: PARLEY_CRASH_ROUNDS (default 12). The kill moments come from PARLEY_CRASH_SEED (printed;
random by default); thread timing is not replayable, the kill schedule is.
Usage: store_crash.py PATH/TO/parley
"""
import faulthandler
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import store_harness as h  # noqa: E402

ROUNDS = int(os.environ.get("PARLEY_CRASH_ROUNDS", "12"))
SEED = int(os.environ.get("PARLEY_CRASH_SEED") or random.SystemRandom().randrange(1 << 32))
ADMIN_ACCOUNTS = ["p0", "p1", "p2"]

failures = []
counts = {}
lock = threading.RLock()  # bump() is called with it held


def fail(text):
    with lock:
        failures.append(text)
    print("FAIL - " + text, flush=True)


def bump(what, n=1):
    with lock:
        counts[what] = counts.get(what, 0) + n


class Ledger:
    """What the clients were told, across rounds."""

    def __init__(self):
        self.acked = {}        # name -> password: registrations the server acknowledged
        self.refused = {}      # name -> password: registrations refused with `name taken`
        self.not_created = set()  # names whose registration failed ("could not complete")
        self.admin_added = set()  # names `user add` reported as added
        self.passwords = {}    # admin account -> the passwords it may have now


def registrar(server, ledger, round_no, tag, stop):
    """Registers c<round>-1, c<round>-2, ... with its own passwords. Both registrars walk the
    same names, so they often race for one: the server must acknowledge one and refuse the
    other (`name taken`), or ask the later one for the winner's password."""
    n = 0
    while not stop.is_set():
        n += 1
        name, pw = "c%d-%d" % (round_no, n), "pw-%s-%d" % (tag, n)
        try:
            out = h.line_login(server.line_port, name, pw)
        except (ConnectionError, OSError):
            bump("registrations cut off by the kill")
            return  # the server is gone (killed): no answer, nothing to check
        except h.Failure as e:
            if not stop.is_set():
                fail("registering %s: %s" % (name, e))
            return
        with lock:
            if out == h.REGISTERED:
                ledger.acked[name] = pw
                bump("acknowledged registrations")
            elif out == h.NAME_TAKEN:
                ledger.refused[name] = pw
                bump("refused registrations (name taken)")
            elif out == h.SERVER_ERROR:
                ledger.not_created.add(name)
                bump("registrations failed by the server")
            elif out in (h.WRONG_PASSWORD, h.IN_USE):
                bump("lost races (the name existed already)")
            else:
                fail("registering %s: %s" % (name, out))


def admin_loop(parley, data_dir, ledger, rng, stop, kill_after, tag):
    """`user passwd` and `user add` one after the other; the command number kill_after[0] is
    killed with SIGKILL kill_after[1] seconds after it started."""
    n = 0
    while not stop.is_set():
        n += 1
        if n % 3 == 0:
            action, name = "add", "n%s-%d" % (tag, n)
        else:
            action, name = "passwd", rng.choice(ADMIN_ACCOUNTS)
        pw = "new-%s-%d" % (tag, n)
        proc = subprocess.Popen([parley, "user", action, name, "--data-dir", data_dir],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)
        if action == "passwd":
            with lock:
                ledger.passwords[name].add(pw)  # old or new until we know
        killed = False
        try:
            if n == kill_after[0]:
                try:
                    out, err = proc.communicate(pw + "\n", timeout=kill_after[1])
                except subprocess.TimeoutExpired:
                    proc.kill()  # this process is ours: by its PID
                    killed = True
                    out, err = proc.communicate()
            else:
                out, err = proc.communicate(pw + "\n", timeout=120)
        except Exception:
            proc.kill()
            proc.wait()
            raise
        if killed or proc.returncode == -signal.SIGKILL:
            bump("user commands killed")
            continue  # either outcome is allowed: the passwords set keeps both
        bump("user " + action)
        if proc.returncode != 0:
            fail("parley user %s %s: exit %d: %s" % (action, name, proc.returncode, err.strip()))
            continue
        with lock:
            if action == "passwd":
                ledger.passwords[name] = {pw}
            else:
                ledger.admin_added.add(name)


def verify(parley, data_dir, server, ledger, rng, round_no):
    """After a restart: the file and the server against the ledger."""
    integrity, rows = h.read_store(os.path.join(data_dir, "users.db"))
    if integrity != "ok":
        fail("round %d: integrity_check: %s" % (round_no, integrity))
    lost = sorted(n for n in ledger.acked if n not in rows)
    if lost:
        fail("round %d: acknowledged registrations lost: %s" % (round_no, lost[:10]))
    created = sorted(n for n in ledger.not_created if n in rows and n not in ledger.acked
                     and n not in ledger.refused)
    if created:
        fail("round %d: registrations the server failed exist: %s" % (round_no, created[:10]))
    # `name taken` means another registration of the name committed first: it must exist.
    orphans = sorted(n for n in ledger.refused if n not in rows)
    if orphans:
        fail("round %d: refused as taken, yet no such account: %s" % (round_no, orphans[:10]))
    missing = sorted(n for n in ledger.admin_added if n not in rows)
    if missing:
        fail("round %d: accounts added by `user add` lost: %s" % (round_no, missing[:10]))
    # Through the restarted server: one acknowledged registration, one changed password.
    try:
        if ledger.acked:
            name = rng.choice(sorted(ledger.acked))
            out = h.retry_in_use(h.line_login, server.line_port, name, ledger.acked[name],
                                 register=False)
            if out != h.LOGGED_IN:
                fail("round %d: login of acknowledged %s: %s" % (round_no, name, out))
        if ledger.refused:  # the refused password was not stored
            name = rng.choice(sorted(ledger.refused))
            out = h.retry_in_use(h.line_login, server.line_port, name, ledger.refused[name],
                                 register=False)
            if out != h.WRONG_PASSWORD:
                fail("round %d: login of %s with its refused registration's password: %s"
                     % (round_no, name, out))
        name = rng.choice(ADMIN_ACCOUNTS)
        ok = None
        for pw in sorted(ledger.passwords[name]):
            out = h.retry_in_use(h.irc_login, server.irc_port, name, pw)
            if out == h.IRC_WELCOME:
                ok = pw
                break
        if ok is None:
            fail("round %d: %s logs in with none of %s" % (round_no, name,
                                                          sorted(ledger.passwords[name])))
        else:
            ledger.passwords[name] = {ok}
        bump("logins after a restart", 2)
    except Exception as e:  # noqa: BLE001
        fail("round %d: login check: %s" % (round_no, e))


def main():
    if len(sys.argv) != 2 or not os.access(sys.argv[1], os.X_OK):
        print("usage: store_crash.py PATH/TO/parley", file=sys.stderr)
        return 2
    parley = os.path.realpath(sys.argv[1])
    # A hang shows where every thread stood, and ends the test.
    faulthandler.dump_traceback_later(max(120.0, 30.0 * ROUNDS), exit=True)
    print("seed %d (PARLEY_CRASH_SEED=%d repeats the kill schedule), %d rounds"
          % (SEED, SEED, ROUNDS), flush=True)
    rng = random.Random(SEED)
    tmp = tempfile.mkdtemp(prefix="parley-store-crash.")
    data_dir = os.path.join(tmp, "data")
    ledger = Ledger()
    started = time.monotonic()
    server = None
    try:
        for name in ADMIN_ACCOUNTS:
            rc, _, err = h.user_command(parley, data_dir, "add", name, "start-" + name)
            if rc != 0:
                raise h.Failure("user add %s: %s" % (name, err))
            ledger.passwords[name] = {"start-" + name}
        for r in range(ROUNDS + 1):
            server = h.Server(parley, data_dir, os.path.join(tmp, "serve-%d.log" % r))
            verify(parley, data_dir, server, ledger, rng, r)
            print("round %d: %s" % (r, ", ".join("%s %d" % kv for kv in sorted(counts.items()))),
                  flush=True)
            if r == ROUNDS:
                break
            kill_server_at = rng.uniform(0.2, 2.0)
            kill_command = (rng.randrange(1, 3), rng.uniform(0.0, 0.4))  # a command takes ~0.25 s
            stop = threading.Event()
            threads = [threading.Thread(target=registrar, args=(server, ledger, r, t, stop))
                       for t in "xy"]
            threads.append(threading.Thread(
                target=admin_loop, args=(parley, data_dir, ledger, random.Random(rng.random()),
                                         stop, kill_command, str(r))))
            for t in threads:
                t.start()
            stop.wait(kill_server_at)
            server.kill()  # SIGKILL, by PID
            bump("server kills")
            stop.set()
            for t in threads:
                t.join(timeout=300)
                if t.is_alive():
                    fail("round %d: a load thread did not finish" % r)
        code = server.stop()
        if code != 0:
            fail("parley serve exited %d on SIGTERM" % code)
    except Exception:  # noqa: BLE001
        fail("harness: " + traceback.format_exc())
    finally:
        if server is not None and server.proc.poll() is None:
            server.kill()
        shutil.rmtree(tmp, ignore_errors=True)
    summary = ", ".join("%s %d" % kv for kv in sorted(counts.items()))
    print("%.1f s: %s" % (time.monotonic() - started, summary))
    if failures:
        print("%d failures (seed %d)" % (len(failures), SEED))
        return 1
    print("ok   - every acknowledged change survived every kill, nothing refused appeared, "
          "integrity_check ok")
    return 0


if __name__ == "__main__":
    sys.exit(main())
