"""The binary form: ``decisions.msgpack`` (an array of maps) and its ``decision_manifest.json``.

Each MessagePack record has timestamp_us, category, name, input, result, source_location and
decision_id; the manifest (version, git_commit, transpiler_version, entries) keys each entry by
its decision id in hex. Ids are checked both ways: each manifest entry against the FNV-1a of its
own category, name and source, each record against the manifest (or, with no manifest, against
its own fields). A file that cannot be read is one line of the report, never a traceback.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Any

from .ids import decision_id, id_hex, parse_id

RECORDS = "decisions.msgpack"
MANIFEST = "decision_manifest.json"
FRESH_SLACK_NS = 50_000_000  # a file's mtime comes from the kernel's coarse clock: a little before the write


@dataclass(frozen=True, slots=True)
class Location:
    """Where in the source a decision was made ('' and 0 when unknown)."""

    file: str = ""
    line: int = 0
    column: int = 0


@dataclass(frozen=True, slots=True)
class ManifestEntry:
    """One entry of the manifest."""

    decision_id: int
    category: str
    name: str
    source: Location
    input: Any = None  # noqa: ANN401 - a JSON value
    result: Any = None  # noqa: ANN401 - a JSON value


@dataclass(frozen=True, slots=True)
class BinaryDecision:
    """One record of decisions.msgpack, its values made JSON-ready."""

    wall_ns: int
    category: str
    name: str
    decision_id: int
    source: Location
    input: Any = None  # noqa: ANN401 - a JSON value
    result: Any = None  # noqa: ANN401 - a JSON value
    has_result: bool = False


@dataclass(slots=True)
class BinaryForm:
    """What one folder held: its records, its manifest, and what was wrong with them."""

    folder: str
    records: list[BinaryDecision] = field(default_factory=list)
    manifest: dict[int, ManifestEntry] | None = None
    problems: list[str] = field(default_factory=list)  # one report line each: unreadable, corrupt
    mismatches: list[str] = field(default_factory=list)  # ids that do not match
    bad_records: int = 0  # records that are no map with a category and a name
    found: bool = False  # decisions.msgpack was there (and fresh)


def jsonable(value: Any) -> Any:  # noqa: ANN401 - a MessagePack value in, a JSON value out
    """A MessagePack value as JSON can hold it: bytes as text, other keys as strings, extensions by repr."""
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (bytes, bytearray)):
        return bytes(value).decode("utf-8", "replace")
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {k if isinstance(k, str) else json.dumps(jsonable(k)): jsonable(v) for k, v in value.items()}
    to_ns = getattr(value, "to_unix_nano", None)  # msgpack's Timestamp extension
    return to_ns() if callable(to_ns) else repr(value)


def location(value: Any) -> Location:  # noqa: ANN401 - a map, 'file:line[:column]' or nothing
    """A source location as a record or an entry writes it."""
    if isinstance(value, dict):
        line, column = value.get("line", 0), value.get("column", 0)
        return Location(str(value.get("file") or ""), line if isinstance(line, int) else 0,
                        column if isinstance(column, int) else 0)
    if isinstance(value, str) and value:
        parts = value.rsplit(":", 2)
        numbers = [p for p in parts[1:] if p.isdigit()]
        if len(numbers) == len(parts) - 1 and numbers:
            return Location(parts[0], int(numbers[0]), int(numbers[1]) if len(numbers) > 1 else 0)
        return Location(value)
    return Location()


def _named(value: object) -> bool:
    """Whether an entry or a record is a map with a category and a name."""
    return (isinstance(value, dict) and isinstance(value.get("category"), str)
            and isinstance(value.get("name"), str))


def _fresh(path: str, since_ns: int) -> bool | None:
    """True when ``path`` was written during this run, False when before, None when it is not there."""
    try:
        return os.stat(path).st_mtime_ns >= since_ns - FRESH_SLACK_NS
    except FileNotFoundError:
        return None


def _read_fresh(path: str, since_ns: int, form: BinaryForm) -> bytes | None:
    """The file's bytes when this run wrote it; None (with a problem noted if it is stale or unreadable)."""
    fresh = _fresh(path, since_ns)
    if not fresh:
        if fresh is False:
            form.problems.append(f"{path} was written before this run: not read")
        return None
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        form.problems.append(f"cannot read {path}: {e.strerror or e}")
        return None


def read_manifest(folder: str, since_ns: int, form: BinaryForm) -> None:
    """The folder's manifest into ``form.manifest`` (left None when absent, stale or corrupt)."""
    path = os.path.join(folder, MANIFEST)
    data = _read_fresh(path, since_ns, form)
    if data is None:
        return
    try:
        doc = json.loads(data)
    except ValueError as e:
        form.problems.append(f"{path} is not JSON ({e})")
        return
    entries = doc.get("entries") if isinstance(doc, dict) else None
    if isinstance(entries, dict):
        items = list(entries.items())
    elif isinstance(entries, list):
        items = [(None, e) for e in entries]
    else:
        form.problems.append(f"{path} has no entries")
        return
    manifest: dict[int, ManifestEntry] = {}
    unnamed = 0
    for key, e in items:
        if not _named(e):
            unnamed += 1
            continue
        source = location(e.get("source"))
        expected = decision_id(e["category"], e["name"], source.file, source.line)
        keyed, stated = parse_id(key), parse_id(e.get("decision_id"))
        given = keyed if keyed is not None else stated
        named = f"{e['category']}::{e['name']} at {source.file}:{source.line}"
        if (keyed is not None and keyed != expected) or (stated is not None and stated != expected):
            form.mismatches.append(f"manifest entry {key or id_hex(given or 0)} ({named}) should be "
                                   f"{id_hex(expected)}")
        entry = ManifestEntry(given if given is not None else expected, e["category"], e["name"], source,
                              e.get("input"), e.get("result"))
        manifest[entry.decision_id] = entry
    if unnamed:
        form.problems.append(f"{path}: {unnamed} entries without a category and a name were left out")
    form.manifest = manifest


def read_records(folder: str, since_ns: int, form: BinaryForm) -> None:
    """The folder's decisions.msgpack into ``form.records``, each id checked."""
    path = os.path.join(folder, RECORDS)
    data = _read_fresh(path, since_ns, form)
    if data is None:
        return
    import msgpack

    try:
        doc = msgpack.unpackb(data, raw=False, strict_map_key=False)
    except Exception as e:  # noqa: BLE001 - msgpack raises several kinds for a corrupt file
        form.problems.append(f"{path} is not MessagePack ({type(e).__name__}: {e})")
        return
    if not isinstance(doc, list):
        form.problems.append(f"{path} is not an array of decisions")
        return
    form.found = True
    for i, r in enumerate(doc):
        if not _named(r):
            form.bad_records += 1
            continue
        record = _record(r)
        form.records.append(record)
        _check(form, i, record)


def _record(r: dict) -> BinaryDecision:
    stamp = jsonable(r.get("timestamp_us"))
    source = location(jsonable(r.get("source_location")))
    given = parse_id(r.get("decision_id"))
    chosen = given if given is not None else decision_id(r["category"], r["name"], source.file, source.line)
    return BinaryDecision(stamp * 1000 if isinstance(stamp, int) else 0, r["category"], r["name"], chosen,
                          source, jsonable(r.get("input")), jsonable(r.get("result")), "result" in r)


def _check(form: BinaryForm, i: int, record: BinaryDecision) -> None:
    """A record's id against the manifest, or against its own fields when there is none."""
    named = f"record {i} ({record.category}::{record.name})"
    if form.manifest is None:
        src = record.source
        if src.file or src.line:
            expected = decision_id(record.category, record.name, src.file, src.line)
            if expected != record.decision_id:
                form.mismatches.append(f"{named} has id {id_hex(record.decision_id)}, its fields hash to "
                                       f"{id_hex(expected)}")
        return
    entry = form.manifest.get(record.decision_id)
    if entry is None:
        form.mismatches.append(f"{named} has id {id_hex(record.decision_id)}, not in the manifest")
    elif (entry.category, entry.name) != (record.category, record.name):
        form.mismatches.append(f"{named} has id {id_hex(record.decision_id)}, which the manifest gives to "
                               f"{entry.category}::{entry.name}")


def read_folder(folder: str, since_ns: int) -> BinaryForm:
    """Both files of one folder (either may be missing: the text form alone is normal)."""
    form = BinaryForm(folder)
    read_manifest(folder, since_ns, form)
    read_records(folder, since_ns, form)
    return form
