#!/usr/bin/env python3
"""Plants one mutant (tests/mutants/*.mutant) into a copy of its source file.

usage: apply_mutant.py MUTANT_FILE SOURCE_ROOT OUTPUT_FILE

A mutant file names the source file (`source: actors/room.cpp`) and holds one or more edits:

    @@@ original
    <exact text of the source>
    @@@ mutant
    <the text that replaces it>
    @@@ end

Each original must occur exactly once in the source; otherwise this script fails, and so does
the build, so that a mutant never silently stops applying when the code it mutates changes.
The output is rewritten only when its content changes (no needless recompiles).
"""
import os
import sys


def fail(mutant_path, message):
    sys.stderr.write(f"{mutant_path}: {message}\n")
    sys.exit(1)


def parse(mutant_path):
    """Returns (source path, [(original, replacement), ...])."""
    source = None
    edits = []
    section = None  # None, "original" or "mutant"
    original, replacement = [], []
    with open(mutant_path, encoding="utf-8") as f:
        for number, line in enumerate(f, 1):
            marker = line.rstrip("\n")
            if marker == "@@@ original":
                if section is not None:
                    fail(mutant_path, f"line {number}: '@@@ original' inside an edit")
                section, original, replacement = "original", [], []
            elif marker == "@@@ mutant":
                if section != "original":
                    fail(mutant_path, f"line {number}: '@@@ mutant' without '@@@ original'")
                section = "mutant"
            elif marker == "@@@ end":
                if section != "mutant":
                    fail(mutant_path, f"line {number}: '@@@ end' without '@@@ mutant'")
                edits.append(("".join(original), "".join(replacement)))
                section = None
            elif section == "original":
                original.append(line)
            elif section == "mutant":
                replacement.append(line)
            elif marker.startswith("source:"):
                source = marker[len("source:"):].strip()
            elif marker.strip() and not marker.startswith("#"):
                fail(mutant_path,
                     f"line {number}: expected '# comment', 'source:' or '@@@ original'")
    if section is not None:
        fail(mutant_path, "an edit is not closed with '@@@ end'")
    if not source:
        fail(mutant_path, "no 'source:' line")
    if not edits:
        fail(mutant_path, "no edit ('@@@ original' ... '@@@ mutant' ... '@@@ end')")
    return source, edits


def main():
    if len(sys.argv) != 4:
        sys.stderr.write(__doc__)
        sys.exit(2)
    mutant_path, root, output = sys.argv[1:]
    source, edits = parse(mutant_path)
    with open(os.path.join(root, source), encoding="utf-8") as f:
        text = f.read()
    for original, replacement in edits:
        count = text.count(original)
        if count != 1:
            first = original.strip().splitlines()[0] if original.strip() else "<empty>"
            fail(mutant_path, f"the original text starting '{first}' occurs {count} times in "
                 f"{source} (it must occur exactly once): update the mutant")
        text = text.replace(original, replacement)
    banner = (f"// GENERATED from {source} with the planted bug {os.path.basename(mutant_path)}"
              " (tests/mutants/). Test-only code: never edit, never ship.\n")
    text = banner + text
    if os.path.exists(output):
        with open(output, encoding="utf-8") as f:
            if f.read() == text:
                return
    os.makedirs(os.path.dirname(output) or ".", exist_ok=True)
    with open(output, "w", encoding="utf-8") as f:
        f.write(text)


if __name__ == "__main__":
    main()
