#!/usr/bin/env python3
"""Parley's code rules, checked by machine (issue #17, item 5; docs/architecture.md,
"Determinism rules"). Run by ctest as `code_rules`; its own fixtures as `code_rules_selftest`.

Rules (each finding prints `path:line: [rule] message`):
  determinism   actors/, sessions/, protocol/ (and their subfolders): no wall clock, no threads
                of their own, no unseeded randomness, no #include "sim/...": the same actor code
                runs live and in the simulator, which must replay a run from its seed.
  layering      #include "caf/io/..." only in net/ and app/ (the middleman stays out of the
                actors and the simulator); exceptions in tests/rules/layering_allow.txt.
  unordered     no iteration over std::unordered_map/set in actors/, sessions/, protocol/,
                net/, sim/, store/, trace/, util/, except the reviewed entries of
                tests/rules/unordered_allow.txt (hash order must never reach behaviour).
  long-function no function of more than 70 lines in the production code (the folders above
                and app/), except the entries of tests/rules/long_functions.txt.
  allow-list    every allow-list entry has a reason and still matches something: a stale entry
                fails, so the lists only shrink.

Usage:
  scripts/check_rules.py              check the source tree this script lives in
  scripts/check_rules.py --list-long [MIN]
                                      print every production function of MIN (default 50) or
                                      more lines, longest first, and how many were measured
  scripts/check_rules.py --self-test  check tests/rules/fixtures/: every line marked
                                      `expect: RULE` must be flagged with RULE, nothing else may
The checks are textual heuristics (comments, strings and character literals are skipped);
see the allow-list files for what a human reviewed.
"""
import os
import re
import sys

MAX_FUNCTION_LINES = 70
DETERMINISM_DIRS = ("actors", "sessions", "protocol")
UNORDERED_DIRS = ("actors", "sessions", "protocol", "net", "sim", "store", "trace", "util")
PRODUCTION_DIRS = ("actors", "sessions", "protocol", "net", "sim", "store", "trace", "app", "util")
CAF_IO_DIRS = ("net", "app")
SOURCE_SUFFIXES = (".cpp", ".hpp", ".cc", ".hh", ".h", ".ipp", ".inl")
# Not part of the checked tree: build output, and the checker's own fixtures.
SKIPPED_DIRS = ("tests/rules/fixtures",)
ALLOW_FILES = {
    "layering": "layering_allow.txt",
    "unordered": "unordered_allow.txt",
    "long-function": "long_functions.txt",
}

# --- Reading C++ source -----------------------------------------------------------------------

RAW_PREFIXES = ("R", "u8R", "uR", "UR", "LR")


def strip_code(text):
    """The text with comments and the contents of string and character literals blanked out
    (newlines kept, so line numbers and columns stay)."""
    out = list(text)
    i, n = 0, len(text)

    def blank(a, b):
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        c = text[i]
        if c == "/" and text.startswith("//", i):
            end = text.find("\n", i)
            end = n if end < 0 else end
            blank(i, end)
            i = end
        elif c == "/" and text.startswith("/*", i):
            end = text.find("*/", i + 2)
            end = n if end < 0 else end + 2
            blank(i, end)
            i = end
        elif c.isalpha() or c == "_":
            j = i
            while j < n and (text[j].isalnum() or text[j] == "_"):
                j += 1
            if text[i:j] in RAW_PREFIXES and j < n and text[j] == '"':
                i = skip_raw_string(text, j, blank)
            else:
                i = j
        elif c.isdigit():  # a number, with C++14 digit separators (1'000)
            j = i
            while j < n and (text[j].isalnum() or text[j] in "_.'"):
                j += 1
            i = j
        elif c in "\"'":
            i = skip_quoted(text, i, blank)
        else:
            i += 1
    return "".join(out)


def skip_quoted(text, i, blank):
    """Blanks the literal opening at text[i] (its quotes stay); returns the index after it."""
    quote, j, n = text[i], i + 1, len(text)
    while j < n and text[j] != quote and text[j] != "\n":
        j += 2 if text[j] == "\\" else 1
    blank(i + 1, min(j, n))
    return j + 1


def skip_raw_string(text, j, blank):
    """Blanks the raw string literal whose opening quote is text[j]; returns the index after it."""
    paren = text.find("(", j)
    delim = text[j + 1:paren]
    end = text.find(")" + delim + '"', paren)
    end = len(text) if end < 0 else end + len(delim) + 2
    blank(j + 1, end - 1)
    return end


def blank_directives(code):
    """Blanks preprocessor lines (with their continuations): they hold no function bodies."""
    lines = code.split("\n")
    continued = False
    for k, line in enumerate(lines):
        if continued or line.lstrip().startswith("#"):
            continued = line.rstrip().endswith("\\")
            lines[k] = " " * len(line)
    return "\n".join(lines)


def line_of(text, pos):
    return text.count("\n", 0, pos) + 1


def matching(code, i, open_c, close_c):
    """Index of the bracket closing the one at code[i] (len(code) if unbalanced)."""
    depth = 0
    for j in range(i, len(code)):
        if code[j] == open_c:
            depth += 1
        elif code[j] == close_c:
            depth -= 1
            if depth == 0:
                return j
    return len(code)


class Source:
    """One file: its text, and the text with comments and literals blanked (`code`)."""

    def __init__(self, root, rel):
        self.rel = rel
        with open(os.path.join(root, rel), encoding="utf-8", errors="replace") as f:
            self.text = f.read()
        self.code = strip_code(self.text)


def source_files(root):
    """Every C++ file under root (relative paths, sorted), without the skipped folders."""
    found = []
    for folder, dirs, files in os.walk(root):
        rel_folder = os.path.relpath(folder, root).replace(os.sep, "/")
        rel_folder = "" if rel_folder == "." else rel_folder + "/"
        dirs[:] = sorted(d for d in dirs if not d.startswith(("build", "."))
                         and rel_folder + d not in SKIPPED_DIRS)
        found += [rel_folder + f for f in files if f.endswith(SOURCE_SUFFIXES)]
    return sorted(found)


def in_dirs(rel, dirs):
    return rel.split("/", 1)[0] in dirs


# --- Findings and allow-lists -----------------------------------------------------------------

class Finding:
    def __init__(self, path, line, rule, message):
        self.path, self.line, self.rule, self.message = path, line, rule, message

    def __str__(self):
        return f"{self.path}:{self.line}: [{self.rule}] {self.message}"


class AllowList:
    """A reviewed allow-list: lines `path | what | reason`; '#' starts a comment line. Each
    entry must be used by a finding (else it is stale) and give a reason."""

    def __init__(self, root, allow_dir, rule, findings):
        self.rel = os.path.relpath(os.path.join(allow_dir, ALLOW_FILES[rule]), root)
        self.rel = self.rel.replace(os.sep, "/")
        self.entries = {}  # (path, what) -> line number
        self.used = set()
        path = os.path.join(allow_dir, ALLOW_FILES[rule])
        if not os.path.exists(path):
            return
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                self._parse(number, line.strip(), findings)

    def _parse(self, number, line, findings):
        if not line or line.startswith("#"):
            return
        parts = [p.strip() for p in line.split("|", 2)]
        if len(parts) != 3 or not all(parts):
            findings.append(Finding(self.rel, number, "allow-list",
                                    "an entry is `path | name | reason`, all three non-empty"))
            return
        key = (parts[0], parts[1])
        if key in self.entries:
            findings.append(Finding(self.rel, number, "allow-list", "duplicate entry"))
        self.entries[key] = number

    def allows(self, path, what):
        if (path, what) in self.entries:
            self.used.add((path, what))
            return True
        return False

    def report_stale(self, findings, why):
        for key, number in sorted(self.entries.items(), key=lambda e: e[1]):
            if key not in self.used:
                findings.append(Finding(self.rel, number, "allow-list",
                                        f"stale entry `{key[0]} | {key[1]}`: {why}; "
                                        "remove it (the list only shrinks)"))


# --- Determinism and layering -----------------------------------------------------------------

# (kind, pattern, what it is), matched on the code with comments and literals blanked.
NOT_AN_IDENT = r"(?<![\w.>:])"  # not a member (x.time(), p->rand()) nor qualified (a::time())
DETERMINISM_PATTERNS = [
    ("wall-clock", re.compile(r"\b(?:system|steady|high_resolution|utc|tai|gps|file)_clock\b"),
     "a std::chrono clock"),
    ("wall-clock", re.compile(NOT_AN_IDENT + r"(?:std::|::)?time\s*\("), "time()"),
    ("wall-clock", re.compile(r"\b(?:gettimeofday|clock_gettime|make_timestamp)\b"),
     "a wall-clock call"),
    ("thread", re.compile(r"\bstd::(?:thread|jthread|async|this_thread)\b|\bpthread_create\b"),
     "a thread of its own (or blocking)"),
    ("randomness", re.compile(r"\b(?:random_device|mt19937(?:_64)?|minstd_rand0?|"
                              r"default_random_engine|ranlux\w*|knuth_b|[dlmj]rand48|"
                              r"srand48|arc4random\w*|getrandom|randombytes_\w+)\b"),
     "unseeded randomness"),
    ("randomness", re.compile(NOT_AN_IDENT + r"(?:std::|::)?(?:s?rand|random)\s*\("),
     "rand()/srand()/random()"),
]
INCLUDE = re.compile(r'^[ \t]*#[ \t]*include[ \t]*[<"]([^>"]*)[>"]', re.M)


def includes(src):
    """(line, path) of each #include that is not commented out."""
    for m in INCLUDE.finditer(src.text):
        if src.code[m.start():m.end()].lstrip().startswith("#"):
            yield line_of(src.text, m.start()), m.group(1)


def check_determinism(src, findings):
    top = src.rel.split("/", 1)[0] + "/"
    for rule, pattern, what in DETERMINISM_PATTERNS:
        for m in pattern.finditer(src.code):
            findings.append(Finding(src.rel, line_of(src.code, m.start()), "determinism",
                                    f"{rule}: `{m.group(0).strip()}` ({what}) in {top}: the "
                                    "simulator replays runs from a seed, so time comes from the "
                                    "actor clock and randomness from sim/prng.hpp"))
    for line, path in includes(src):
        if path.startswith("sim/"):
            findings.append(Finding(src.rel, line, "determinism",
                                    f'#include "{path}" in {top}: the simulator builds on the '
                                    "actors, never the other way round"))


def check_caf_io(src, allow, findings):
    for line, path in includes(src):
        if path.startswith("caf/io") and not in_dirs(src.rel, CAF_IO_DIRS) \
                and not allow.allows(src.rel, "caf/io"):
            findings.append(Finding(src.rel, line, "layering",
                                    f'#include "{path}" outside net/ and app/: only the TCP '
                                    "transport and `parley serve` load CAF's middleman"))


# --- Iteration over unordered containers ------------------------------------------------------

UNORDERED_TYPE = re.compile(r"\b(?:std::)?unordered_(?:multi)?(?:map|set)\s*<")
DECLARED_NAME = re.compile(r"\s*(?:const\b\s*)?[&*]*\s*(?:const\b\s*)?([A-Za-z_]\w*)\s*[;={,)(\[]")
USING_ALIAS = re.compile(r"\busing\s+([A-Za-z_]\w*)\s*=\s*$")
AUTO_REF = re.compile(r"\bauto\s*&{0,2}\s*([A-Za-z_]\w*)\s*=\s*[^;{}]*?([A-Za-z_]\w*)\s*;")
RANGE_FOR = re.compile(r"\bfor\s*\(")
BEGIN_CALL = re.compile(r"\b([A-Za-z_]\w*)\s*(?:\.|->)\s*c?r?begin\s*\(")
STD_BEGIN = re.compile(r"\bstd::c?r?begin\s*\(\s*(?:[^()]*?\W)?([A-Za-z_]\w*)\s*\)")
KEYWORDS = {"const", "volatile", "static", "mutable", "operator", "return", "auto"}


def type_ends(code, m):
    """Index just after the template arguments of the type whose '<' ends match m."""
    return matching(code, m.end() - 1, "<", ">") + 1


def unordered_names(code, known=frozenset(), known_aliases=frozenset()):
    """(names, aliases): the names declared with an unordered type in `code` (variables,
    members, parameters; with a type alias like `using X = std::unordered_map<...>` of `code`
    or `known_aliases` too), plus `auto&` references to them or to the `known` names; and the
    aliases. A textual heuristic: it knows no scopes."""
    aliases, names = set(known_aliases), set()
    for m in UNORDERED_TYPE.finditer(code):
        alias = USING_ALIAS.search(code, max(0, m.start() - 200), m.start())
        end = type_ends(code, m)
        if alias:
            aliases.add(alias.group(1))
        elif not code.startswith("::", end):
            d = DECLARED_NAME.match(code, end)
            if d and d.group(1) not in KEYWORDS:
                names.add(d.group(1))
    for alias in aliases:
        for m in re.finditer(r"\b" + alias + r"\b(?!\s*::)", code):
            d = DECLARED_NAME.match(code, m.end())
            if d and d.group(1) not in KEYWORDS:
                names.add(d.group(1))
    names |= known  # e.g. declared in the file's header
    for _ in range(2):  # references to references
        names |= {m.group(1) for m in AUTO_REF.finditer(code) if m.group(2) in names}
    return names, aliases


def range_for_loops(code):
    """(position, range expression) of each range-based for loop."""
    for m in RANGE_FOR.finditer(code):
        close = matching(code, m.end() - 1, "(", ")")
        inner, depth, colon = code[m.end():close], 0, -1
        for k, c in enumerate(inner):
            if c in "([{":
                depth += 1
            elif c in ")]}":
                depth -= 1
            elif depth == 0 and c == ";":
                colon = -1
                break
            elif depth == 0 and c == ":" and colon < 0 and inner[k - 1:k] != ":" \
                    and inner[k + 1:k + 2] != ":":
                colon = k  # the first lone ':' (a later one may be a conditional's)
        if colon >= 0:
            yield m.start(), inner[colon + 1:]


def unordered_iterations(code, names):
    """(position, container name) of each loop over a name in `names`."""
    for pos, expr in range_for_loops(code):
        last = re.search(r"([A-Za-z_]\w*)\s*$", expr)
        if last and last.group(1) in names:
            yield pos, last.group(1)
    for pattern in (BEGIN_CALL, STD_BEGIN):
        for m in pattern.finditer(code):
            if m.group(1) in names:
                yield m.start(), m.group(1)


def own_headers(src, sources):
    """The project headers a file includes directly (its own header among them: a state struct
    declared in connection_state.hpp is iterated in session.cpp)."""
    stem = os.path.splitext(src.rel)[0]
    found = [stem + s for s in (".hpp", ".hh", ".h") if stem + s in sources and
             stem + s != src.rel]
    return found + [path for _, path in includes(src) if path in sources]


def check_unordered(src, sources, allow, findings):
    declared, aliases = set(), set()
    for header in own_headers(src, sources):
        header_names, header_aliases = unordered_names(sources[header].code)
        declared |= header_names
        aliases |= header_aliases
    names = unordered_names(src.code, frozenset(declared), frozenset(aliases))[0]
    seen = set()
    for pos, name in sorted(unordered_iterations(src.code, names)):
        line = line_of(src.code, pos)
        if (line, name) in seen or allow.allows(src.rel, name):
            continue
        seen.add((line, name))
        findings.append(Finding(src.rel, line, "unordered",
                                f"iterates `{name}`, an unordered container: its order is the "
                                "hash order, which must not reach messages, traces or output. "
                                "Use std::map/std::set or sort first; or, if the order provably "
                                "cannot leak, add a reviewed entry to "
                                f"{ALLOW_FILES['unordered']} (`{src.rel} | {name} | why`)"))


# --- Function length --------------------------------------------------------------------------

NOT_A_NAME = {"decltype", "alignas", "alignof", "sizeof", "noexcept", "__attribute__",
              "__declspec", "static_assert", "if", "for", "while", "switch", "return", "throw",
              "requires", "catch"}
# What may follow a function's parameter list before its body.
AFTER_PARAMS = re.compile(r"\s*(?:(?:const|volatile|noexcept|override|final|mutable)\b\s*|"
                          r"&&?\s*|noexcept\s*\([^()]*\)\s*)*(?:$|->|:(?!:)|try\b)")
CALLEE = re.compile(r"((?:[A-Za-z_]\w*\s*(?:<[^<>;{}]*>)?\s*::\s*)*"
                    r"(?:operator\s*(?:\(\s*\)|\[\s*\]|new\b|delete\b|[^\w\s()]+|[\w\s:<>*&]+?)|"
                    r"~?[A-Za-z_]\w*))\s*$")
TEMPLATE_PREFIX = re.compile(r"^\s*template\s*<")
CLASS_HEAD = re.compile(r"^\s*(?:struct|class|union)\b(?:\s*\[\[[^\]]*\]\])?\s*"
                        r"([A-Za-z_]\w*(?:\s*::\s*[A-Za-z_]\w*)*)?")
# A lambda kept in a variable (`auto f = [](int x) -> int {`): a function named after it.
LAMBDA_VARIABLE = re.compile(r"([A-Za-z_]\w*)\s*=\s*\[[^\[\]]*\]\s*(?:\([^()]*\))?\s*"
                             r"(?:mutable\s*|noexcept\s*)*(?:->[^=;]*)?$")
ACCESS_LABEL = re.compile(r"^\s*(?:public|private|protected)\s*:(?!:)")


class Function:
    def __init__(self, path, name, first, last):
        self.path, self.name, self.first, self.last = path, name, first, last
        self.lines = last - first + 1


def clean_header(header):
    """A declaration's text before its '{', without access labels, attributes and templates."""
    while True:
        m = ACCESS_LABEL.match(header)
        if not m:
            break
        header = header[m.end():]
    header = re.sub(r"\[\[.*?\]\]", " ", header)
    while TEMPLATE_PREFIX.match(header):
        start = header.index("<")
        header = header[matching(header, start, "<", ">") + 1:]
    return header


def depth0_groups(header):
    """(open, close) of each parenthesised group at nesting depth 0; None if a '(' or '['
    is still open at the end (the '{' is inside an expression)."""
    groups, depth, start = [], 0, 0
    for k, c in enumerate(header):
        if c in "([{":
            if depth == 0 and c == "(":
                start = k
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0 and c == ")":
                groups.append((start, k))
    return None if depth > 0 else groups


def function_name(header):
    """(qualified name, whether a member initialiser list follows its parameters) of the
    function `header` declares, or (None, False) if it declares no function."""
    groups = depth0_groups(header)
    if not groups:
        return None, False
    prefix = re.sub(r"operator\s*[^\w\s(]*", "operator", header[:groups[0][0]])
    if re.search(r"(?<![=!<>])=(?!=)", prefix):
        return None, False  # an initialiser (a variable, a lambda stored in one)
    for open_, close in groups:
        callee = CALLEE.search(header[:open_])
        if not callee:
            continue
        name = re.sub(r"\s+", "", callee.group(1))
        if name.split("::")[-1] in NOT_A_NAME or name == "operator":
            continue  # operator() is found at its second group
        after = AFTER_PARAMS.match(header, close + 1)
        if after:
            return name, after.group(0).rstrip().endswith(":")
    return None, False


def classify(header):
    """What a '{' after `header` opens: ('namespace'|'class'|'function'|'inner', name)."""
    header = clean_header(header)
    if re.match(r"^\s*(?:inline\s+)?namespace\b|^\s*extern\s*\"\s*\"\s*$", header):
        return "namespace", None
    if depth0_groups(header) is None:
        return "inner", None  # inside an expression: a braced initialiser
    if re.match(r"^\s*enum\b", header):
        return "inner", None
    head = CLASS_HEAD.match(header)
    if head and "(" not in header[:head.end()]:
        return "class", re.sub(r"\s+", "", head.group(1) or "<anonymous>")
    name, initialisers = function_name(header)
    if initialisers and not re.search(r"[)}]\s*$", header):
        return "inner", None  # a member initialiser's braces (X() : a{1}, ...)
    if name:
        return "function", name
    lambda_var = LAMBDA_VARIABLE.search(header)
    return ("function", lambda_var.group(1)) if lambda_var else ("inner", None)


def scan_functions(rel, code):
    """The functions defined at namespace or class level in `code` (comments, literals and
    preprocessor lines blanked). A body is matched brace to brace, so lambdas and local classes
    count to the function they are written in."""
    found, scopes, header_start, i = [], [], 0, 0
    while i < len(code):
        c = code[i]
        if c == ";":
            header_start = i + 1
        elif c == "}":
            if scopes:
                scopes.pop()
            header_start = i + 1
        elif c == "{":
            kind, name = classify(code[header_start:i])
            if kind in ("namespace", "class"):
                scopes.append(name if kind == "class" else None)
                header_start = i + 1
            else:
                end = matching(code, i, "{", "}")
                if kind == "function":
                    found.append(function_at(rel, code, header_start, i, end, scopes, name))
                    header_start = end + 1
                i = end
        i += 1
    return found


def function_at(rel, code, header_start, body, end, scopes, name):
    """The Function whose name ends the header code[header_start:body]; it spans from the
    line of its name to the line of its closing brace."""
    short = re.escape(name.split("::")[-1])
    starts = [m.start() for m in re.finditer(short, code[header_start:body])]
    first = line_of(code, header_start + starts[0]) if starts else line_of(code, body)
    classes = [s for s in scopes if s]
    return Function(rel, "::".join(classes + [name]), first, line_of(code, end))


def check_long_functions(functions, allow, findings):
    for f in functions:
        if f.lines > MAX_FUNCTION_LINES and not allow.allows(f.path, f.name):
            findings.append(Finding(f.path, f.first, "long-function",
                                    f"{f.name} is {f.lines} lines (at most "
                                    f"{MAX_FUNCTION_LINES}): split it into named steps "
                                    f"({ALLOW_FILES['long-function']} only shrinks: it takes "
                                    "no new entries)"))


# --- Driver -----------------------------------------------------------------------------------

def run_checks(root, allow_dir):
    """Every finding for the tree at `root` (allow-lists from `allow_dir`), and the production
    functions measured."""
    findings = []
    allows = {rule: AllowList(root, allow_dir, rule, findings) for rule in ALLOW_FILES}
    sources = {rel: Source(root, rel) for rel in source_files(root)}
    functions = []
    for rel, src in sources.items():
        if in_dirs(rel, DETERMINISM_DIRS):
            check_determinism(src, findings)
        check_caf_io(src, allows["layering"], findings)
        if in_dirs(rel, UNORDERED_DIRS):
            check_unordered(src, sources, allows["unordered"], findings)
        if in_dirs(rel, PRODUCTION_DIRS):
            functions += scan_functions(rel, blank_directives(src.code))
    check_long_functions(functions, allows["long-function"], findings)
    allows["layering"].report_stale(findings, "that file includes no caf/io header any more")
    allows["unordered"].report_stale(findings, "no loop over that container any more")
    allows["long-function"].report_stale(
        findings, f"no function of that name over {MAX_FUNCTION_LINES} lines any more")
    return findings, functions


def list_long(functions, minimum, allow_dir, root):
    listed = AllowList(root, allow_dir, "long-function", [])
    for f in sorted(functions, key=lambda f: (-f.lines, f.path, f.first)):
        if f.lines >= minimum:
            mark = " (allow-listed)" if (f.path, f.name) in listed.entries else ""
            print(f"{f.lines:5d}  {f.path}:{f.first}  {f.name}{mark}")
    over = sum(1 for f in functions if f.lines > MAX_FUNCTION_LINES)
    print(f"{len(functions)} functions measured, {over} over {MAX_FUNCTION_LINES} lines")


def expected_findings(root):
    """(path, line, rule) of every `expect: RULE` marker in the fixture tree (sources and
    allow-lists alike)."""
    expected = set()
    for folder, _, files in os.walk(root):
        for name in files:
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, root).replace(os.sep, "/")
            with open(path, encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                    for m in re.finditer(r"expect: ([\w-]+)", line):
                        expected.add((rel, number, m.group(1)))
    return expected


def self_test(fixtures):
    """The checker against its fixtures: exactly the marked lines are flagged, by the marked
    rule, and every rule is exercised (so the checker cannot silently pass everything)."""
    findings, functions = run_checks(fixtures, os.path.join(fixtures, "allow"))
    got = {(f.path, f.line, f.rule) for f in findings}
    expected = expected_findings(fixtures)
    problems = [f"missed: {p}:{l}: [{r}]" for p, l, r in sorted(expected - got)]
    problems += [f"not expected: {f}" for f in findings if (f.path, f.line, f.rule) not in expected]
    rules = {"determinism", "layering", "unordered", "long-function", "allow-list"}
    problems += [f"no fixture exercises [{r}]" for r in sorted(rules - {r for _, _, r in expected})]
    for p in problems:
        print("self-test: " + p)
    print(f"self-test: {len(findings)} findings, {len(expected)} expected, "
          f"{len(functions)} functions measured: " + ("FAILED" if problems else "ok"))
    return 1 if problems else 0


def main(argv):
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(here)
    allow_dir = os.path.join(root, "tests", "rules")
    if argv[1:2] == ["--self-test"]:
        return self_test(os.path.join(allow_dir, "fixtures"))
    if argv[1:2] == ["--list-long"]:
        minimum = int(argv[2]) if len(argv) > 2 else 50
        list_long(run_checks(root, allow_dir)[1], minimum, allow_dir, root)
        return 0
    if len(argv) > 1:
        sys.stderr.write(__doc__)
        return 2
    findings, functions = run_checks(root, allow_dir)
    for f in findings:
        print(f)
    print(f"code rules: {len(findings)} problem(s); {len(functions)} functions measured"
          + ("" if findings else ": ok"))
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
