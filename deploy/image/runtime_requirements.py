"""Prints the part of requirements.lock the running gateway needs, hashes and all.

requirements.lock pins the dev tools too (pytest, mypy, playwright, ...): the image must not carry
them. Which locked package is needed at run time follows from the lock's own "# via" notes: the
roots are [project.dependencies] in pyproject.toml, and a package is needed when any package
that pulls it in is needed. A package only dev tools pull in stays out. The image build then
installs this subset with --require-hashes and runs `pip check`, which fails if this ever leaves
out something the gateway needs.

Usage: python3 runtime_requirements.py requirements.lock pyproject.toml > runtime.lock
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

_PROJECT_MARKER = "(pyproject.toml)"


def canonical(name: str) -> str:
    """PEP 503 name: what pip compares, so "PyYAML" and "pyyaml" are one package."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _requirement_name(spec: str) -> str:
    match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", spec)
    if not match:
        raise ValueError(f"cannot read a package name from {spec!r}")
    return canonical(match.group(1))


def parse_lock(text: str) -> dict[str, tuple[str, set[str]]]:
    """name -> (the entry's text as pip-compile wrote it, the names it is "via")."""
    entries: dict[str, tuple[str, set[str]]] = {}
    name: str | None = None
    lines: list[str] = []
    via: set[str] = set()

    def flush() -> None:
        if name is not None:
            entries[name] = ("\n".join(lines) + "\n", via)

    for line in text.splitlines():
        if line and not line[0].isspace() and not line.startswith("#"):
            flush()
            name, lines, via = _requirement_name(line.split("==", 1)[0]), [line], set()
            continue
        if name is None:
            continue
        stripped = line.strip()
        if stripped.startswith("--hash"):
            lines.append(line)
        elif stripped.startswith("# via"):
            rest = stripped.removeprefix("# via").strip()
            if rest:
                via.add(rest)
        elif stripped.startswith("#   "):
            via.add(stripped.removeprefix("#").strip())
    flush()
    return {
        n: (entry, {v if v.endswith(_PROJECT_MARKER) else canonical(v.split()[0]) for v in parents})
        for n, (entry, parents) in entries.items()
    }


def runtime_roots(pyproject: str) -> set[str]:
    project = tomllib.loads(pyproject)["project"]
    return {_requirement_name(spec) for spec in project.get("dependencies", [])}


def runtime_subset(lock_text: str, pyproject_text: str) -> str:
    entries = parse_lock(lock_text)
    needed = runtime_roots(pyproject_text)
    missing = needed - entries.keys()
    if missing:
        raise SystemExit(f"runtime_requirements: not in the lock: {', '.join(sorted(missing))}")
    changed = True
    while changed:
        changed = False
        for name, (_entry, parents) in entries.items():
            if name not in needed and parents & needed:
                needed.add(name)
                changed = True
    header = "# The runtime part of requirements.lock (deploy/image/runtime_requirements.py).\n"
    return header + "".join(entries[name][0] for name in sorted(needed))


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    lock, pyproject = (Path(p).read_text(encoding="utf-8") for p in argv[1:])
    sys.stdout.write(runtime_subset(lock, pyproject))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
