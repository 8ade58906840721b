#!/usr/bin/env python3
"""Generate ``src/renacer/arch/<arch>_table.py`` from the machine's kernel headers.

Usage: python tools/gen_syscalls.py [--header PATH] [--arch x86_64|aarch64]

The syscall numbers are facts of the kernel ABI; this script reads them from the
installed headers so that the committed table says where it came from:

- x86_64: ``asm/unistd_64.h``, a flat list of ``#define __NR_name number``;
- aarch64: the generic ``asm-generic/unistd.h`` (the same file on every arch that uses it, so
  an x86_64 machine has it too), evaluated the way arm64's ``asm/unistd.h`` includes it: a
  64-bit arch with the ``__ARCH_WANT_*`` macros in ``GENERIC_ARCHES`` defined.
"""

from __future__ import annotations

import argparse
import ast
import re
import sys
from dataclasses import dataclass
from pathlib import Path

DEFAULT_HEADERS = {
    "x86_64": [
        "/usr/include/x86_64-linux-gnu/asm/unistd_64.h",
        "/usr/include/asm/unistd_64.h",
    ],
    "aarch64": ["/usr/include/asm-generic/unistd.h"],
}
DEFINE = re.compile(r"^#define\s+__NR_(\w+)\s+(\d+)\s*$")


@dataclass(frozen=True, slots=True)
class GenericArch:
    """How one arch includes asm-generic/unistd.h: its word size and the macros it defines first."""

    bits_per_long: int
    wants: frozenset[str]


# Copied from the #define lines of arm64's arch/arm64/include/uapi/asm/unistd.h (Debian's
# linux-libc-dev arm64, /usr/include/aarch64-linux-gnu/asm/unistd.h), so that this script runs on
# a machine without the arm64 headers.
GENERIC_ARCHES = {
    "aarch64": GenericArch(bits_per_long=64, wants=frozenset({
        "__ARCH_WANT_RENAMEAT", "__ARCH_WANT_NEW_STAT", "__ARCH_WANT_SET_GET_RLIMIT",
        "__ARCH_WANT_TIME32_SYSCALLS", "__ARCH_WANT_SYS_CLONE3", "__ARCH_WANT_MEMFD_SECRET",
    })),
}

_NR_DEFINE = re.compile(r"#define\s+(__NR(?:3264)?_\w+)\s+(\d+)$")
_NR_ALIAS = re.compile(r"#define\s+__NR_(\w+)\s+(__NR3264_\w+)$")
_ENTRY = re.compile(r"(?:__SYSCALL|__SC_\w+)\(\s*(__NR(?:3264)?_\w+)\s*,")
_DEFINED = re.compile(r"defined\s*\(\s*(\w+)\s*\)|defined\s+(\w+)")
_IDENT = re.compile(r"\b[A-Za-z_]\w*\b")
_ALLOWED_NODES = (ast.Expression, ast.BoolOp, ast.And, ast.Or, ast.UnaryOp, ast.Not, ast.Compare,
                  ast.Eq, ast.NotEq, ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Constant)


def parse_header(text: str) -> dict[int, str]:
    """Return {number: name} for every ``#define __NR_name number`` line."""
    table: dict[int, str] = {}
    for line in text.splitlines():
        m = DEFINE.match(line)
        if m:
            table[int(m.group(2))] = m.group(1)
    return table


def _condition(expr: str, arch: GenericArch, defined: set[str]) -> bool:
    """The value of an ``#if`` expression of the generic header (defined(), ==, !=, ||, &&, !)."""
    expr = _DEFINED.sub(lambda m: "1" if (m.group(1) or m.group(2)) in defined else "0", expr)
    values = {"__BITS_PER_LONG": str(arch.bits_per_long)}
    # as in cpp, an identifier that is no macro counts as 0
    expr = _IDENT.sub(lambda m: values.get(m.group(), "1" if m.group() in defined else "0"), expr)
    expr = expr.replace("||", " or ").replace("&&", " and ")
    expr = re.sub(r"!(?!=)", " not ", expr)
    tree = ast.parse(expr.strip(), mode="eval")
    if not all(isinstance(node, _ALLOWED_NODES) for node in ast.walk(tree)):
        raise ValueError(f"unsupported #if expression: {expr}")
    return bool(eval(compile(tree, "<#if>", "eval"), {"__builtins__": {}}))  # checked above


def _logical_lines(text: str) -> list[str]:
    """The header's lines with backslash continuations joined and comments dropped."""
    text = re.sub(r"/\*.*?\*/", " ", text, flags=re.S).replace("\\\n", " ")
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def parse_generic_header(text: str, arch: GenericArch) -> dict[int, str]:
    """{number: name} from asm-generic/unistd.h as ``arch`` includes it.

    A number counts when a ``__SYSCALL``/``__SC_*`` line gives it an entry point; a
    ``__NR3264_x`` number takes the name the header's closing aliases give it on this word size
    (``__NR_fstat`` on 64-bit, ``__NR_fstat64`` on 32-bit).
    """
    defined = set(arch.wants)
    numbers: dict[str, int] = {}
    used: list[str] = []
    aliases: dict[str, str] = {}
    stack: list[tuple[bool, bool]] = []  # (this branch is live, some branch of the #if was taken)
    for line in _logical_lines(text):
        live = all(active for active, _ in stack)
        word, _, rest = line.partition(" ")
        if word in ("#if", "#ifdef", "#ifndef"):
            if word == "#ifdef":
                value = rest.strip() in defined
            elif word == "#ifndef":
                value = rest.strip() not in defined
            else:
                value = _condition(rest, arch, defined)
            stack.append((value, value))
        elif word in ("#else", "#elif"):
            _, taken = stack.pop()
            value = not taken and (word == "#else" or _condition(rest, arch, defined))
            stack.append((value, taken or value))
        elif word == "#endif":
            stack.pop()
        elif not live:
            continue
        elif m := _NR_DEFINE.fullmatch(line):
            numbers[m.group(1)] = int(m.group(2))
        elif m := _NR_ALIAS.fullmatch(line):
            aliases[m.group(2)] = m.group(1)
        elif m := _ENTRY.match(line):
            used.append(m.group(1))
    table: dict[int, str] = {}
    for macro in used:
        if macro.startswith("__NR3264_"):
            if macro not in aliases:
                raise ValueError(f"{macro} has no __NR_ alias for {arch.bits_per_long}-bit")
            table[numbers[macro]] = aliases[macro]
        else:
            table[numbers[macro]] = macro[len("__NR_"):]
    return table


def render(arch: str, header: str, table: dict[int, str]) -> str:
    lines = [
        f'"""Syscall numbers for {arch}. GENERATED by tools/gen_syscalls.py from {header}; do not edit."""',
        "",
        "SYSCALLS: dict[int, str] = {",
    ]
    lines += [f'    {nr}: "{name}",' for nr, name in sorted(table.items())]
    lines.append("}")
    return "\n".join(lines) + "\n"


def read_table(arch: str, header: str) -> dict[int, str]:
    """{number: name} of ``arch`` read from ``header``."""
    text = Path(header).read_text()
    generic = GENERIC_ARCHES.get(arch)
    return parse_generic_header(text, generic) if generic else parse_header(text)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--arch", default="x86_64", choices=sorted(DEFAULT_HEADERS))
    ap.add_argument("--header")
    args = ap.parse_args()
    candidates = [args.header] if args.header else DEFAULT_HEADERS[args.arch]
    for header in candidates:
        if header and Path(header).is_file():
            break
    else:
        print(f"gen_syscalls: no header found among {candidates}", file=sys.stderr)
        return 1
    table = read_table(args.arch, header)
    out = Path(__file__).resolve().parent.parent / "src/renacer/arch" / f"{args.arch}_table.py"
    out.write_text(render(args.arch, header, table))
    print(f"wrote {out} ({len(table)} syscalls)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
