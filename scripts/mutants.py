#!/usr/bin/env python3
"""make mutants: puts each small deliberate bug of Tests/TRUST-CHECKS.md into the code, one at a
time, builds, runs the test that guards it, and reports whether the test caught it (failed).
The source is restored after each mutant, also when interrupted.

    scripts/mutants.py            every mutant
    scripts/mutants.py NAME ...   the named ones

A mutant whose text is not found exactly once is an error: the table must follow the code.
"""
import pathlib
import re
import subprocess
import sys
import time

ROOT = pathlib.Path(__file__).resolve().parent.parent
TABLE = ROOT / "Tests" / "TRUST-CHECKS.md"


def mutants():
    """Rows of the table: | name | check | test filter | file | `from` | `to` |."""
    rows = []
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        if not line.startswith("| m-"):
            continue
        cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line.strip().strip("|"))]
        if len(cells) != 6:
            sys.exit(f"TRUST-CHECKS.md: a mutant row needs 6 cells: {line}")
        name, check, test, file, before, after = cells

        def code(cell):
            match = re.fullmatch(r"`(.*)`", cell)
            if not match:
                sys.exit(f"TRUST-CHECKS.md: {name}: code cells are in backticks: {cell}")
            return match.group(1).replace("\\|", "|").replace("\\n", "\n")

        rows.append((name, check, test.strip("`"), file.strip("`"), code(before), code(after)))
    return rows


def run(arguments):
    return subprocess.run(arguments, cwd=ROOT, capture_output=True, text=True)


def main():
    wanted = set(sys.argv[1:])
    table = [row for row in mutants() if not wanted or row[0] in wanted]
    if wanted - {row[0] for row in table}:
        sys.exit(f"unknown mutants: {', '.join(sorted(wanted - {row[0] for row in table}))}")
    survivors = []
    for name, check, test, file, before, after in table:
        path = ROOT / file
        original = path.read_text(encoding="utf-8")
        if original.count(before) != 1:
            sys.exit(f"{name}: `{before}` occurs {original.count(before)} times in {file}, not once")
        started = time.time()
        try:
            path.write_text(original.replace(before, after), encoding="utf-8")
            build = run(["swift", "build", "--build-tests"])
            if build.returncode != 0:
                sys.exit(f"{name}: the mutant does not build:\n{build.stdout[-3000:]}{build.stderr[-2000:]}")
            result = run(["swift", "test", "--skip-build", "--filter", test])
        finally:
            path.write_text(original, encoding="utf-8")
        ran = re.search(r"Test run with (\d+) tests?", result.stdout)
        if ran is None or ran.group(1) == "0":
            sys.exit(f"{name}: the filter {test} ran no test")
        caught = result.returncode != 0
        print(f"{'caught  ' if caught else 'SURVIVED'} {name:28} {check} ({test}, {time.time() - started:.0f} s)")
        sys.stdout.flush()
        if not caught:
            survivors.append(name)
    # Leave the build as the source is.
    run(["swift", "build", "--build-tests"])
    if survivors:
        sys.exit(f"{len(survivors)} mutant(s) survived: {', '.join(survivors)}")
    print(f"all {len(table)} mutants caught")


if __name__ == "__main__":
    main()
