#!/usr/bin/env python3
"""Makes the fuzz targets' seed corpora (fuzz/corpus/<target>/) from the tests' own inputs:
the scenario suite (tests/scenarios/), the string literals of the parser unit tests, the trace
fixtures and the config files of tests/app/test_cli.sh. Each input is one small file named by
the SHA-1 of its bytes, as libFuzzer names them. Run once, from anywhere; re-running adds what
the tests have gained and leaves the rest (and inputs libFuzzer added) alone. docs/fuzzing.md.

Usage: fuzz/seed_corpus.py
"""
import glob
import hashlib
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
MAX_BYTES = 4096


def put(target, data):
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    if not data or len(data) > MAX_BYTES:
        return
    d = os.path.join(ROOT, "fuzz", "corpus", target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


def unescape_scn(s):
    """A scenario file's quoted string: \\r \\n \\t \\\\ \\" \\xNN."""
    out, i = bytearray(), 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            e = s[i + 1]
            if e == "x" and i + 3 < len(s) + 1:
                out.append(int(s[i + 2:i + 4], 16))
                i += 4
                continue
            out += {"r": b"\r", "n": b"\n", "t": b"\t"}.get(e, e.encode())
            i += 2
            continue
        out += c.encode()
        i += 1
    return bytes(out)


def unescape_cpp(s):
    """A C++ string literal's contents (\\xNN takes every hex digit that follows, as in C++)."""
    out, i = bytearray(), 0
    while i < len(s):
        c = s[i]
        if c == "\\" and i + 1 < len(s):
            e = s[i + 1]
            if e == "x":
                m = re.match(r"[0-9a-fA-F]+", s[i + 2:])
                out.append(int(m.group(0), 16) & 0xFF if m else 0)
                i += 2 + (len(m.group(0)) if m else 0)
                continue
            if e in "01234567":
                m = re.match(r"[0-7]{1,3}", s[i + 1:])
                out.append(int(m.group(0), 8) & 0xFF)
                i += 1 + len(m.group(0))
                continue
            out += {"r": b"\r", "n": b"\n", "t": b"\t", "0": b"\0"}.get(e, e.encode())
            i += 2
            continue
        out += c.encode()
        i += 1
    return bytes(out)


def cpp_literals(path):
    text = open(path, encoding="utf-8", errors="surrogateescape").read()
    for m in re.finditer(r'R"\((.*?)\)"', text, re.S):
        yield m.group(1).encode("utf-8", "surrogateescape")
    text = re.sub(r'R"\(.*?\)"', "", text, flags=re.S)
    for m in re.finditer(r'"((?:[^"\\\n]|\\.)*)"', text):
        yield unescape_cpp(m.group(1))


SEND = re.compile(r'^at\s+\S+\s+(\S+)\s+(send-raw|send|login|flood)\s+(.*)$')
QUOTED = re.compile(r'"((?:[^"\\]|\\.)*)"')


def scenarios():
    for path in sorted(glob.glob(os.path.join(ROOT, "tests", "scenarios", "*.scn"))):
        text = open(path, "rb").read()
        put("scenario", text)
        irc, streams, line_items = set(), {}, []
        for raw in text.decode("utf-8", "surrogateescape").splitlines():
            raw = raw.strip()
            m = re.match(r"^irc-client\s+(\S+)", raw)
            if m:
                irc.add(m.group(1))
            m = SEND.match(raw)
            if not m:
                continue
            who, verb, rest = m.groups()
            q = QUOTED.match(rest)
            if verb == "send":
                items = [unescape_scn(q.group(1)) if q else rest.split(" #")[0].encode()]
            elif verb == "send-raw":
                items = [None, unescape_scn(q.group(1))] if q else []
            elif verb == "login":
                items = [w.encode() for w in rest.split()[:2]]
            else:  # flood N "text"
                items = [unescape_scn(q.group(1)).replace(b"{n}", b"1")] if q else []
            raw_bytes = b""
            for it in items:
                if it is None:
                    continue
                raw_bytes += it + (b"" if verb == "send-raw" else b"\r\n")
                if who in irc and verb != "send-raw":
                    put("irc", it)
                    if it.startswith(b"AUTHENTICATE "):
                        put("base64", it[len(b"AUTHENTICATE "):])
                line_items.append(it)
            streams[who] = streams.get(who, b"") + raw_bytes
        for who, stream in streams.items():
            put("line", stream)


def unit_tests():
    for lit in cpp_literals(os.path.join(ROOT, "tests", "protocol", "test_line_codec.cpp")):
        put("line", lit)
    for lit in cpp_literals(os.path.join(ROOT, "tests", "protocol", "test_irc_protocol.cpp")):
        put("irc", lit)
    for path in glob.glob(os.path.join(ROOT, "tests", "**", "*.cpp"), recursive=True):
        for lit in cpp_literals(path):
            if re.fullmatch(rb"[A-Za-z0-9+/]{8,}={0,2}", lit):
                put("base64", lit)
    meta = b'{"kind":"meta","format":"parley-trace","version":1,"clock":"virtual","source":"sim","seed":1}'
    for lit in cpp_literals(os.path.join(ROOT, "tests", "trace", "test_trace_reader.cpp")):
        if lit.startswith(b"{"):
            put("trace", lit if b'"meta"' in lit else meta + b"\n" + lit + b"\n")


def traces_and_configs():
    for path in glob.glob(os.path.join(ROOT, "tests", "trace", "fixtures", "*.jsonl")):
        put("trace", open(path, "rb").read())
    text = open(os.path.join(ROOT, "tests", "app", "test_cli.sh"), encoding="utf-8").read()
    for m in re.finditer(r'cat >"\$TMP/[^"]*\.toml" <<\'?EOF\'?\n(.*?)\nEOF', text, re.S):
        body = m.group(1).replace("$DATA", "/tmp/parley-data").replace("$TMP", "/tmp")
        put("config", body + "\n")
    readme = open(os.path.join(ROOT, "README.md"), encoding="utf-8").read()
    for m in re.finditer(r"```toml\n(.*?)```", readme, re.S):
        put("config", m.group(1))
    for body in HANDWRITTEN_CONFIGS:
        put("config", body)


# Two configs that name every option of `parley serve` (at its default) and the dotted form.
HANDWRITTEN_CONFIGS = [
    """# every option of `parley serve`, at its default
data-dir = "parley-data"
log-level = "info"

[serve]
listen = ["127.0.0.1:7777"]
allow-register = true
max-connections = 10000
max-line-bytes = 512
max-output-bytes = 1048576
failed-login-delay-ms = 1000
login-timeout-ms = 60000
auth-workers = 2
threads = 0
scheduler = "sharing"
shutdown-timeout-ms = 5000
trace = "run.jsonl"
irc-listen = ["127.0.0.1:6667"]
server-name = "parley.local"
network-name = "Parley"
irc-require-account = false
irc-oper = ["alice", "bob"]
irc-flood-penalty-ms = 500
irc-flood-burst-ms = 10000
""",
    """serve.listen = "127.0.0.1:0"
serve.irc-listen = "none"
serve.scheduler = 'stealing'
serve.max-line-bytes = 16
""",
]


if __name__ == "__main__":
    scenarios()
    unit_tests()
    traces_and_configs()
    for t in sorted(os.listdir(os.path.join(ROOT, "fuzz", "corpus"))):
        d = os.path.join(ROOT, "fuzz", "corpus", t)
        files = os.listdir(d)
        print(f"{t}: {len(files)} inputs, {sum(os.path.getsize(os.path.join(d, f)) for f in files)} bytes")
