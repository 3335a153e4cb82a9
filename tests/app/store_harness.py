"""Shared pieces of the user-store tests that drive the real `parley` binary from the outside
(store_stress.py, store_crash.py): a server on 127.0.0.1 port 0 with its ports read from the
"listening on" log lines, line-protocol and IRC logins and registrations, `parley user`
commands, and a read of the store file with Python's own sqlite3 module.

Every wait is bounded: a line is awaited with a deadline, a port is read from the log as soon as
it appears (no sleeps for synchronisation). Processes are stopped by their PID only.
"""
import os
import re
import socket
import sqlite3
import subprocess
import time

STEP_TIMEOUT = 60.0  # seconds for one expected line: hashes queue up on 2 busy cores


class Failure(Exception):
    pass


class Server:
    """`parley serve` on loopback with both listeners on port 0, its log in a file."""

    def __init__(self, parley, data_dir, log_path, extra=()):
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [parley, "serve", "--data-dir", data_dir, "--listen", "127.0.0.1:0",
             "--irc-listen", "127.0.0.1:0", "--failed-login-delay-ms", "0",
             "--irc-flood-penalty-ms", "0",
             # Every client of these tests comes from 127.0.0.1, many at once and in quick
             # succession: the per-address limits (docs/security.md) are off here.
             "--max-connections-per-address", "0", "--connect-burst-per-address", "0", *extra],
            stdin=subprocess.DEVNULL, stdout=self.log, stderr=subprocess.STDOUT)
        self.line_port, self.irc_port = self._ports()

    def _ports(self):
        deadline = time.monotonic() + STEP_TIMEOUT
        line = irc = None
        while time.monotonic() < deadline:
            with open(self.log_path) as f:
                text = f.read()
            m = re.search(r"listening on 127\.0\.0\.1:(\d+) \(line protocol\)", text)
            n = re.search(r"listening on 127\.0\.0\.1:(\d+) \(IRC\)", text)
            if m and n:
                return int(m.group(1)), int(n.group(1))
            if self.proc.poll() is not None:
                raise Failure("parley serve exited with %s before listening:\n%s"
                              % (self.proc.returncode, text))
            time.sleep(0.01)  # polling the log file for the line
        raise Failure("parley serve did not report its ports within %.0f s" % STEP_TIMEOUT)

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()
        self.log.close()

    def stop(self):
        """SIGTERM and wait; the exit code."""
        if self.proc.poll() is None:
            self.proc.terminate()
        try:
            rc = self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            rc = self.proc.wait()
        self.log.close()
        return rc

    def log_text(self):
        with open(self.log_path) as f:
            return f.read()


class Lines:
    """A socket read line by line, each read bounded by a deadline."""

    def __init__(self, port):
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=STEP_TIMEOUT)
        self.buf = b""
        self.seen = []

    def send(self, text):
        self.sock.sendall(text.encode() + b"\r\n")

    def next_line(self, deadline):
        while b"\n" not in self.buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise Failure("timed out; lines so far: %r" % self.seen[-6:])
            self.sock.settimeout(left)
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError as e:
                raise ConnectionError("connection lost: %s; lines so far: %r"
                                      % (e, self.seen[-6:]))
            if not data:
                raise ConnectionError("connection closed; lines so far: %r" % self.seen[-6:])
            self.buf += data
        line, self.buf = self.buf.split(b"\n", 1)
        text = line.rstrip(b"\r").decode("utf-8", "replace")
        self.seen.append(text)
        return text

    def expect(self, patterns, timeout=STEP_TIMEOUT):
        """Reads lines until one matches one of `patterns` (regexes); (index, match)."""
        deadline = time.monotonic() + timeout
        while True:
            line = self.next_line(deadline)
            for i, p in enumerate(patterns):
                m = re.search(p, line)
                if m:
                    return i, m

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


# Outcomes of a line-protocol login or registration.
LOGGED_IN = "logged in"
REGISTERED = "registered"          # the server acknowledged a new account
WRONG_PASSWORD = "wrong password"
UNKNOWN_NAME = "unknown name"      # the server offered to create the account
NAME_TAKEN = "name taken"
SERVER_ERROR = "server error"      # "the server could not complete that"
IN_USE = "in use"                  # the name is still logged in (a session that is closing)


def line_login(port, name, password, register=True):
    """Logs in (or, for an unknown name and register=True, registers) over the line protocol.
    Returns one of the outcomes above. ConnectionError if the connection drops first."""
    c = Lines(port)
    try:
        c.expect([r"^\*\*\* Name\?"])
        c.send(name)
        i, _ = c.expect([r"^\*\*\* Password for ", r"^\*\*\* New account ",
                         r"^ERROR the server could not complete"])
        if i == 2:
            return SERVER_ERROR
        if i == 1 and not register:
            return UNKNOWN_NAME
        c.send(password)
        i, _ = c.expect([r"^\*\*\* Logged in as ", r"^\*\*\* Account \S+ registered\.",
                         r"^ERROR wrong password", r"^ERROR cannot register \S+: name taken",
                         r"^ERROR the server could not complete", r"^ERROR \S+ is already logged in",
                         r"^ERROR "])
        if i == 6:
            raise Failure("unexpected reply: %r" % c.seen[-3:])
        if i == 1:  # registered, then logged in
            c.expect([r"^\*\*\* Logged in as "])
        if i in (0, 1):
            quit_line(c)
        return [LOGGED_IN, REGISTERED, WRONG_PASSWORD, NAME_TAKEN, SERVER_ERROR, IN_USE][i]
    finally:
        c.close()


def quit_line(c):
    """/quit and read to the end: the server has ended the session when the socket closes."""
    c.send("/quit")
    deadline = time.monotonic() + STEP_TIMEOUT
    try:
        while True:
            c.next_line(deadline)
    except ConnectionError:
        return


def retry_in_use(fun, *args, **kwargs):
    """Calls a login until the name is no longer held by a session that is still closing (the
    server releases a name a moment after the socket closes: nothing to wait on from outside)."""
    for _ in range(500):
        out = fun(*args, **kwargs)
        if out != IN_USE:
            return out
        time.sleep(0.01)
    raise Failure("%s stayed in use" % (args[1],))


IRC_WELCOME = "welcome"
IRC_REFUSED = "refused"  # 464: wrong password, or no such account


def irc_login(port, nick, password):
    """Registers an IRC client with PASS; IRC_WELCOME (001) or IRC_REFUSED (464)."""
    c = Lines(port)
    try:
        c.send("PASS " + password)
        c.send("NICK " + nick)
        c.send("USER %s 0 * :%s" % (nick, nick))
        i, m = c.expect([r"^:\S+ 001 ", r"^:\S+ 464 ", r"^:\S+ 433 ", r"^:\S+ (\d{3}) ",
                         r"^ERROR "])
        if i == 2:
            return IN_USE
        if i >= 3:
            raise Failure("unexpected IRC reply: %r" % c.seen[-3:])
        if i == 0:
            c.send("QUIT :bye")
            deadline = time.monotonic() + STEP_TIMEOUT
            try:
                while True:
                    c.next_line(deadline)
            except ConnectionError:
                pass
        return IRC_WELCOME if i == 0 else IRC_REFUSED
    finally:
        c.close()


def user_command(parley, data_dir, action, name=None, password=None, timeout=120):
    """Runs `parley user ACTION [NAME] --data-dir DIR` (password on stdin); (rc, stdout, stderr)."""
    args = [parley, "user", action] + ([name] if name else []) + ["--data-dir", data_dir]
    r = subprocess.run(args, input=(password + "\n") if password else "", capture_output=True,
                       text=True, timeout=timeout)
    return r.returncode, r.stdout, r.stderr


def read_store(path):
    """(integrity_check result, {name: password_hash}) read with Python's sqlite3 module."""
    db = sqlite3.connect(path, timeout=30)
    try:
        check = db.execute("PRAGMA integrity_check").fetchall()
        rows = dict(db.execute("SELECT name, password_hash FROM users").fetchall())
    finally:
        db.close()
    return ", ".join(r[0] for r in check), rows
