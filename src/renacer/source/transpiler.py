"""Transpiler source maps (``--transpiler-map``): generated Rust lines back to the original source.

A transpiler (Python to Rust, C to Rust...) writes a JSON map per generated file: which Rust
line came from which line of the original. ``SourceMaps`` loads and checks them before any
tracing starts (each problem is one ``RenacerError`` line) and turns a symbolized frame in a
generated file into a frame of the original: ``exact`` when its Rust line is in the map,
``approximate`` when only an earlier line of the same Rust function is. The format and the
matching rules are in docs/transpiler-maps.md.
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from ..errors import RenacerError
from ..events import SourceFrame

VERSION = 1  # the map format renacer reads
# The fields a map and each of its entries must have, with the JSON type each takes.
_REQUIRED = (("version", int), ("source_language", str), ("source_file", str), ("generated_file", str),
             ("mappings", list))
_ENTRY_REQUIRED = (("rust_line", int), ("rust_function", str), ("python_line", int), ("python_function", str))
_JSON_TYPES = {int: "an integer", str: "a string", list: "a list", dict: "an object"}
_SIGNATURE = re.compile(r"([A-Za-z_][\w.]*)\s*\(")  # 'process_data(rows)': the name of a signature


@dataclass(frozen=True, slots=True)
class LineMapping:
    """One generated line and the original line it came from."""

    rust_line: int
    rust_function: str
    python_line: int  # the original source's line, whatever its language (the format's name for it)
    python_function: str
    python_context: str = ""  # the original line's text, for people reading the map


@dataclass(frozen=True, slots=True)
class TranspilerMap:
    """One map file: one generated file's lines, mapped to one original source file."""

    path: str  # the map file itself, for messages
    source_language: str
    source_file: str
    generated_file: str
    mappings: tuple[LineMapping, ...]
    function_map: tuple[tuple[str, str], ...]  # Rust function -> the original function's name or signature


def load_map(path: str) -> TranspilerMap:
    """Read and check one map file; any problem is one RenacerError naming the file and the field."""
    where = f"transpiler map '{path}'"
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        raise RenacerError(f"{where}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise RenacerError(f"{where}: not UTF-8 text") from None
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        raise RenacerError(f"{where}: invalid JSON at line {e.lineno}, column {e.colno}: {e.msg}") from None
    if not isinstance(doc, dict):
        raise RenacerError(f"{where}: not a JSON object (a map is {{\"version\": 1, ...}})")
    for name, kind in _REQUIRED:
        if name not in doc:
            raise RenacerError(f"{where}: missing \"{name}\"")
        _check(where, name, doc[name], kind)
        if name == "version" and doc[name] != VERSION:  # before the rest: another version's fields differ
            raise RenacerError(f"{where}: unsupported version {doc[name]} (renacer reads version {VERSION})")
    for name in ("source_file", "generated_file"):
        if not doc[name].strip():
            raise RenacerError(f"{where}: \"{name}\" is empty")
    function_map = doc.get("function_map", {})
    _check(where, "function_map", function_map, dict)
    for key, value in function_map.items():
        _check(where, f"function_map[{json.dumps(key)}]", value, str)
    return TranspilerMap(path, doc["source_language"], doc["source_file"], doc["generated_file"],
                         tuple(_entry(where, i, e) for i, e in enumerate(doc["mappings"])),
                         tuple(function_map.items()))


def _entry(where: str, index: int, entry: Any) -> LineMapping:  # noqa: ANN401 - any JSON value
    """One checked entry of ``mappings``."""
    name = f"mappings[{index}]"
    _check(where, name, entry, dict)
    for field, kind in _ENTRY_REQUIRED:
        if field not in entry:
            raise RenacerError(f"{where}: {name} has no \"{field}\"")
        _check(where, f"{name}.{field}", entry[field], kind)
    for field in ("rust_line", "python_line"):
        if entry[field] < 1:
            raise RenacerError(f"{where}: {name}.{field} is {entry[field]}, not a line number (1 or more)")
    context = entry.get("python_context", "")
    _check(where, f"{name}.python_context", context, str)
    return LineMapping(entry["rust_line"], entry["rust_function"], entry["python_line"],
                       entry["python_function"], context)


def _check(where: str, name: str, value: Any, kind: type) -> None:  # noqa: ANN401 - any JSON value
    # bool is an int to Python, never to a map's reader
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise RenacerError(f"{where}: {name} is {json.dumps(value)[:40]}, not {_JSON_TYPES[kind]}")


def function_path(name: str) -> tuple[str, ...]:
    """A demangled Rust function name as the path a map's ``rust_function`` is matched against.

    ``<app::Stage as app::Run>::run`` and ``<app::Stage>::run`` become ``app::Stage::run``; generic
    arguments (``process::<u8>``, ``Vec<T>::push``) go; a closure (``{{closure}}``,
    ``{closure#0}``) or any other ``{...}`` component counts as the function it is written in,
    whose lines it shares in the generated file.
    """
    name = re.sub(r"::h[0-9a-f]{16}$", "", name.strip())  # a legacy hash the demangler left
    if name.startswith("<"):
        end = _closing(name, 0)
        inner = name[1:end]
        depth = 0
        for i, ch in enumerate(inner):  # '<Type as Trait>': the Type
            depth += ch == "<"
            depth -= ch == ">"
            if depth == 0 and inner.startswith(" as ", i):
                inner = inner[:i]
                break
        name = inner + name[end + 1:]
    out, depth = [], 0
    for ch in name:  # generic arguments dropped, however deep
        if ch == "<":
            depth += 1
        elif ch == ">" and depth:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    parts = "".join(out).split("::")
    return tuple(p.strip() for p in parts if p.strip() and not p.strip().startswith("{"))


def _closing(text: str, start: int) -> int:
    """Where the '>' closing the '<' at ``start`` is (the text's end when unbalanced)."""
    depth = 0
    for i in range(start, len(text)):
        depth += text[i] == "<"
        depth -= text[i] == ">"
        if depth == 0:
            return i
    return len(text)


def same_file(dwarf: str, generated: str) -> int:
    """How well a DWARF file name matches a map's generated file: the characters of the matching
    path suffix (whole components: 'src/main.rs' matches '/home/me/app/src/main.rs', never
    'xsrc/main.rs'); 0 when they do not match."""
    a, b = _plain(dwarf), _plain(generated)
    if a == b:
        return len(a)
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return len(short) if long.endswith("/" + short) else 0


def _plain(path: str) -> str:
    while path.startswith("./"):
        path = path[2:]
    return path.replace("/./", "/")


class _Generated:
    """The mapped lines of one generated file, from every map that names it."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: dict[int, tuple[LineMapping, TranspilerMap]] = {}
        self.functions: dict[tuple[str, ...], list[int]] = {}  # a Rust function's mapped lines, sorted
        self.function_map: dict[tuple[str, ...], str] = {}

    def add(self, tmap: TranspilerMap) -> None:
        for entry in tmap.mappings:
            if entry.rust_line in self.lines:
                continue  # the first map (and entry) naming a line wins; see docs/transpiler-maps.md
            self.lines[entry.rust_line] = (entry, tmap)
            path = function_path(entry.rust_function)
            if path:
                bisect.insort(self.functions.setdefault(path, []), entry.rust_line)
        for rust, original in tmap.function_map:
            self.function_map.setdefault(function_path(rust), original)

    def find(self, line: int, function: str) -> tuple[LineMapping, TranspilerMap, str] | None:
        """The entry for ``line``: its own ('exact'), or the nearest earlier one of its function."""
        if line in self.lines:
            return (*self.lines[line], "exact")
        path = function_path(function)
        best = 0
        for key, lines in self.functions.items():
            if key == path[-len(key):]:  # 'process_data' matches 'app::process_data'
                at = bisect.bisect_left(lines, line)
                if at:
                    best = max(best, lines[at - 1])
        return (*self.lines[best], "approximate") if best else None

    def original_function(self, entry: LineMapping) -> str:
        """The original function's name: the entry's, else the function map's for its Rust function."""
        if entry.python_function:
            return entry.python_function
        path = function_path(entry.rust_function)
        for key, original in self.function_map.items():
            if key and key == path[-len(key):]:
                named = _SIGNATURE.match(original)
                return named.group(1) if named else original
        return ""


class SourceMaps:
    """Every ``--transpiler-map`` of a run, looked up by the DWARF file of a frame."""

    def __init__(self, maps: Iterable[TranspilerMap]) -> None:
        self.maps = tuple(maps)
        self._files: dict[str, _Generated] = {}
        for tmap in self.maps:
            key = _plain(tmap.generated_file)
            self._files.setdefault(key, _Generated(tmap.generated_file)).add(tmap)
        self._by_dwarf: dict[str, _Generated | None] = {}  # a frame's file -> its generated file

    @classmethod
    def load(cls, paths: Iterable[str]) -> SourceMaps:
        """The maps at ``paths``, checked (a RenacerError for the first bad one)."""
        return cls(load_map(path) for path in paths)

    def generated(self, dwarf_file: str) -> _Generated | None:
        """The generated file a DWARF file name is, if a map names it (the longest match wins)."""
        if dwarf_file not in self._by_dwarf:
            scored = [(same_file(dwarf_file, name), gen) for name, gen in self._files.items()]
            score, gen = max(scored, key=lambda s: s[0], default=(0, None))
            self._by_dwarf[dwarf_file] = gen if score else None
        return self._by_dwarf[dwarf_file]

    def frame(self, frame: SourceFrame) -> SourceFrame:
        """``frame`` as the original source's, when it is a mapped line of a generated file."""
        if not frame.file or not frame.line or frame.mapping:
            return frame
        gen = self.generated(frame.file)
        found = gen.find(frame.line, frame.function) if gen is not None else None
        if found is None:
            return frame
        entry, tmap, how = found
        return replace(frame, file=tmap.source_file, line=entry.python_line,
                       function=gen.original_function(entry), mapping=how, generated_file=tmap.generated_file,
                       generated_line=frame.line, generated_function=frame.function)

    def frames(self, frames: tuple[SourceFrame, ...]) -> tuple[SourceFrame, ...]:
        """Each frame mapped (the same tuple when none is in a generated file)."""
        mapped = tuple(self.frame(f) for f in frames)
        return frames if mapped == frames else mapped
