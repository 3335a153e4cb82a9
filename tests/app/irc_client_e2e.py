#!/usr/bin/env python3
"""End-to-end test of Parley's IRC front end with a real IRC client library.

Runs the real binary (`parley serve` with both listeners on 127.0.0.1:0, ports read from its
"listening on 127.0.0.1:PORT (line protocol)" and "(IRC)" log lines) and checks, with two
clients of the `irc` library (Debian's python3-irc) and one raw line-protocol client, that:
  - an IRC client and a line-protocol client see each other's messages in the lobby,
  - a second IRC client sees the first's messages (and the other way round),
  - a CTCP ACTION sent with the library reaches the line client as "* nick text",
  - private messages cross protocols.
Every wait is bounded; the server is stopped by its PID (SIGTERM) and must exit 0.

Usage: irc_client_e2e.py PATH/TO/parley
"""
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

try:
    import irc.client
except ImportError:
    # python3-irc is installed for Debian's python3; a python3 earlier on PATH (pyenv, venv)
    # may not see it.
    if os.path.realpath(sys.executable) != os.path.realpath("/usr/bin/python3") and \
            os.path.exists("/usr/bin/python3"):
        os.execv("/usr/bin/python3", ["/usr/bin/python3"] + sys.argv)
    print("FAIL: the irc library is missing (apt-get install python3-irc)")
    sys.exit(1)

# Debian bookworm ships irc 8.5.3, whose event loop is irc.client.IRC; later versions call it
# irc.client.Reactor.
Reactor = getattr(irc.client, "Reactor", None) or irc.client.IRC

TOTAL_BUDGET = 90.0  # seconds for the whole test (ctest's TIMEOUT is 120)
STEP_TIMEOUT = 15.0  # seconds for any one expected event
START = time.monotonic()

passed = 0
failed = 0


class TestFailure(Exception):
    pass


def deadline(step=STEP_TIMEOUT):
    return min(time.monotonic() + step, START + TOTAL_BUDGET)


def check(what, ok, detail=""):
    global passed, failed
    if ok:
        passed += 1
        print("ok   - " + what)
    else:
        failed += 1
        print("FAIL - " + what + (("\n       " + detail) if detail else ""))


class LineClient:
    """A raw client of the line protocol, read without blocking so the IRC reactor keeps going."""

    def __init__(self, port, label):
        self.label = label
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.sock.setblocking(False)
        self.buf = b""
        self.lines = []  # every complete line received, in order
        self.closed = False

    def send_line(self, text):
        self.sock.setblocking(True)
        self.sock.sendall(text.encode() + b"\r\n")
        self.sock.setblocking(False)

    def poll(self):
        while not self.closed:
            r, _, _ = select.select([self.sock], [], [], 0)
            if not r:
                return
            try:
                data = self.sock.recv(65536)
            except BlockingIOError:
                return
            except OSError:
                self.closed = True
                return
            if not data:
                self.closed = True
                return
            self.buf += data
            while b"\n" in self.buf:
                line, self.buf = self.buf.split(b"\n", 1)
                self.lines.append(line.rstrip(b"\r").decode("utf-8", "replace"))

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


class IrcClient:
    """One connection of the irc library, recording the events the test looks at."""

    def __init__(self, reactor, port, nick):
        self.nick = nick
        self.events = []  # (type, source nick, target, text)
        self.welcomed = False
        self.joined = set()
        self.conn = reactor.server().connect("127.0.0.1", port, nick, ircname=nick.title())
        for kind in ("welcome", "join", "pubmsg", "privmsg", "action", "part", "quit",
                     "nicknameinuse", "error", "disconnect"):
            self.conn.add_global_handler(kind, self._on_event)

    def _on_event(self, conn, event):
        if conn is not self.conn:
            return
        source = event.source.nick if hasattr(event.source, "nick") else str(event.source or "")
        text = event.arguments[0] if event.arguments else ""
        self.events.append((event.type, source, event.target, text))
        if event.type == "welcome":
            self.welcomed = True
        elif event.type == "join" and source == self.nick:
            self.joined.add(event.target.lower())

    def saw(self, kind, source, target, text):
        return (kind, source, target, text) in self.events


def pump(reactor, line_clients):
    reactor.process_once(0.05)
    for lc in line_clients:
        lc.poll()


def wait_for(reactor, line_clients, what, cond, describe):
    """Pumps all clients until cond() holds; records the check either way."""
    end = deadline()
    while time.monotonic() < end:
        pump(reactor, line_clients)
        if cond():
            check(what, True)
            return True
    check(what, False, describe())
    raise TestFailure(what)


def start_server(parley, tmp):
    log_path = os.path.join(tmp, "server.log")
    log = open(log_path, "w")
    proc = subprocess.Popen(
        [parley, "serve", "--data-dir", os.path.join(tmp, "data"), "--listen", "127.0.0.1:0",
         "--irc-listen", "127.0.0.1:0"],
        stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    end = deadline(20)
    line_port = irc_port = None
    while time.monotonic() < end and proc.poll() is None:
        with open(log_path) as f:
            text = f.read()
        m = re.search(r"listening on 127\.0\.0\.1:(\d+) \(line protocol\)", text)
        if m:
            line_port = int(m.group(1))
        m = re.search(r"listening on 127\.0\.0\.1:(\d+) \(IRC\)", text)
        if m:
            irc_port = int(m.group(1))
        if line_port and irc_port:
            return proc, log_path, line_port, irc_port
        time.sleep(0.05)
    return proc, log_path, None, None


def stop_server(proc):
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGTERM)
    try:
        return proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        return None


def line_login(reactor, lc, name, password):
    """Registers (or logs in) a line-protocol client, up to its lobby line."""
    def last_is(prefix):
        return lambda: any(l.startswith(prefix) for l in lc.lines)
    wait_for(reactor, [lc], name + " (line) gets the name prompt", last_is("*** Name?"),
             lambda: repr(lc.lines))
    lc.send_line(name)
    wait_for(reactor, [lc], name + " (line) gets a password prompt",
             lambda: any(l.startswith("*** New account") or l.startswith("*** Password for")
                         for l in lc.lines),
             lambda: repr(lc.lines))
    lc.send_line(password)
    wait_for(reactor, [lc], name + " (line) is in the lobby", last_is("*** You are in lobby"),
             lambda: repr(lc.lines))


def run(parley, tmp):
    proc, log_path, line_port, irc_port = start_server(parley, tmp)
    try:
        if not (line_port and irc_port):
            with open(log_path) as f:
                check("the server logs both listening ports", False, f.read())
            raise TestFailure("no ports")
        check("the server logs both listening ports (line %d, IRC %d)" % (line_port, irc_port),
              True)
        reactor = Reactor()
        carol = LineClient(line_port, "carol")
        lines = [carol]
        line_login(reactor, carol, "carol", "carol-password")

        alice = IrcClient(reactor, irc_port, "alice")
        wait_for(reactor, lines, "alice (irc library) registers and gets 001",
                 lambda: alice.welcomed, lambda: repr(alice.events))
        alice.conn.join("#lobby")
        wait_for(reactor, lines, "alice joins #lobby", lambda: "#lobby" in alice.joined,
                 lambda: repr(alice.events))
        wait_for(reactor, lines, "carol (line) sees alice join",
                 lambda: "[lobby] *** alice joined" in carol.lines, lambda: repr(carol.lines))

        # IRC -> line protocol
        alice.conn.privmsg("#lobby", "hello from the irc library")
        wait_for(reactor, lines, "carol (line) sees alice's channel message",
                 lambda: "[lobby] alice: hello from the irc library" in carol.lines,
                 lambda: repr(carol.lines))
        # line protocol -> IRC
        carol.send_line("hello from the line protocol")
        wait_for(reactor, lines, "alice (irc) sees carol's line as a channel message",
                 lambda: alice.saw("pubmsg", "carol", "#lobby", "hello from the line protocol"),
                 lambda: repr(alice.events))
        # CTCP ACTION from the library
        alice.conn.action("#lobby", "waves")
        wait_for(reactor, lines, "carol (line) sees alice's ACTION as '* alice waves'",
                 lambda: "[lobby] * alice waves" in carol.lines, lambda: repr(carol.lines))
        # private messages across protocols
        alice.conn.privmsg("carol", "psst carol")
        wait_for(reactor, lines, "carol (line) gets alice's private message",
                 lambda: "[private] alice: psst carol" in carol.lines, lambda: repr(carol.lines))
        carol.send_line("/msg alice psst alice")
        wait_for(reactor, lines, "alice (irc) gets carol's private message",
                 lambda: alice.saw("privmsg", "carol", "alice", "psst alice"),
                 lambda: repr(alice.events))

        # A second IRC client.
        bob = IrcClient(reactor, irc_port, "bob")
        wait_for(reactor, lines, "bob (irc library) registers and gets 001",
                 lambda: bob.welcomed, lambda: repr(bob.events))
        bob.conn.join("#lobby")
        wait_for(reactor, lines, "bob joins #lobby", lambda: "#lobby" in bob.joined,
                 lambda: repr(bob.events))
        wait_for(reactor, lines, "alice sees bob join",
                 lambda: alice.saw("join", "bob", "#lobby", ""), lambda: repr(alice.events))
        alice.conn.privmsg("#lobby", "hi bob, from alice")
        wait_for(reactor, lines, "bob (irc) sees alice's channel message",
                 lambda: bob.saw("pubmsg", "alice", "#lobby", "hi bob, from alice"),
                 lambda: repr(bob.events))
        wait_for(reactor, lines, "carol (line) sees it too",
                 lambda: "[lobby] alice: hi bob, from alice" in carol.lines,
                 lambda: repr(carol.lines))
        bob.conn.privmsg("#lobby", "hi alice, from bob")
        wait_for(reactor, lines, "alice (irc) sees bob's channel message",
                 lambda: alice.saw("pubmsg", "bob", "#lobby", "hi alice, from bob"),
                 lambda: repr(alice.events))
        wait_for(reactor, lines, "carol (line) sees bob's message",
                 lambda: "[lobby] bob: hi alice, from bob" in carol.lines,
                 lambda: repr(carol.lines))

        # QUIT from the library reaches the others.
        bob.conn.quit("bob is off")
        wait_for(reactor, lines, "alice sees bob quit",
                 lambda: alice.saw("quit", "bob", None, "bob is off"), lambda: repr(alice.events))
        wait_for(reactor, lines, "carol (line) sees bob quit",
                 lambda: "[lobby] *** bob quit (bob is off)" in carol.lines,
                 lambda: repr(carol.lines))
        alice.conn.quit("done")
        carol.close()
    finally:
        rc = stop_server(proc)
        check("the server exits 0 on SIGTERM (pid %d)" % proc.pid, rc == 0, "exit status %r" % rc)
        if failed:
            with open(log_path) as f:
                print("--- server log ---\n" + f.read())


def main():
    if len(sys.argv) != 2:
        print("usage: irc_client_e2e.py PATH/TO/parley")
        return 2
    parley = sys.argv[1]
    tmp = tempfile.mkdtemp(prefix="parley-irc-e2e-")
    try:
        run(parley, tmp)
    except TestFailure:
        pass
    except Exception as e:  # a crash of the test itself still reports
        check("the test ran without an exception", False, "%s: %s" % (type(e).__name__, e))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
