"""Generate src/renacer/pystack/offsets.py: CPython struct offsets, measured from each version's headers.

For every interpreter below, a small C program is compiled with gcc against that version's own
internal headers (-DPy_BUILD_CORE) and prints offsetof()/sizeof() of the fields the stack reader
uses; its output becomes one entry of the generated table. Nothing is typed in by hand: a new
interpreter is a new line in INTERPRETERS and a re-run.

    python tools/gen_python_offsets.py [output]      # default: src/renacer/pystack/offsets.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "src/renacer/pystack/offsets.py"
PYENV = "/root/.pyenv/versions"
# include directories of the interpreters to support (the version is read from their patchlevel.h)
INTERPRETERS = (
    f"{PYENV}/3.10.13/include/python3.10",
    f"{PYENV}/3.11.7/include/python3.11",
    f"{PYENV}/3.12.1/include/python3.12",
    f"{PYENV}/3.13.0/include/python3.13",
    "/usr/include/python3.11",  # Debian's 3.11.2
)

# (field, C expression per minor version: None = absent in that version, printed as -1)
_RT, _IS, _TS, _IF, _CO = "_PyRuntimeState", "PyInterpreterState", "PyThreadState", "_PyInterpreterFrame", \
    "PyCodeObject"


def _all(expr: str) -> dict[int, str]:
    return {m: expr for m in (10, 11, 12, 13)}


def _since(first: int, expr: str) -> dict[int, str]:
    return {m: expr for m in (10, 11, 12, 13) if m >= first}


FIELDS: list[tuple[str, dict[int, str]]] = [
    ("runtime_interpreters_head", _all(f"offsetof({_RT}, interpreters.head)")),
    ("interp_next", _all(f"offsetof({_IS}, next)")),
    ("interp_threads_head", {10: f"offsetof({_IS}, tstate_head)",
                             **_since(11, f"offsetof({_IS}, threads.head)")}),
    ("tstate_next", _all(f"offsetof({_TS}, next)")),
    ("tstate_thread_id", _all(f"offsetof({_TS}, thread_id)")),
    ("tstate_native_thread_id", _since(11, f"offsetof({_TS}, native_thread_id)")),
    ("tstate_frame", {10: f"offsetof({_TS}, frame)"}),
    ("tstate_cframe", {11: f"offsetof({_TS}, cframe)", 12: f"offsetof({_TS}, cframe)"}),
    ("cframe_current_frame", {11: "offsetof(_PyCFrame, current_frame)",
                              12: "offsetof(_PyCFrame, current_frame)"}),
    ("tstate_current_frame", {13: f"offsetof({_TS}, current_frame)"}),
    ("tstate_size", _all(f"sizeof({_TS})")),
    # 3.10: PyFrameObject
    ("f_back", {10: "offsetof(PyFrameObject, f_back)"}),
    ("f_code", {10: "offsetof(PyFrameObject, f_code)"}),
    ("f_lasti", {10: "offsetof(PyFrameObject, f_lasti)"}),
    ("pyframe_size", {10: "sizeof(PyFrameObject)"}),
    # 3.11+: _PyInterpreterFrame
    ("frame_previous", _since(11, f"offsetof({_IF}, previous)")),
    ("frame_code", {11: f"offsetof({_IF}, f_code)", 12: f"offsetof({_IF}, f_code)",
                    13: f"offsetof({_IF}, f_executable)"}),
    ("frame_instr", {11: f"offsetof({_IF}, prev_instr)", 12: f"offsetof({_IF}, prev_instr)",
                     13: f"offsetof({_IF}, instr_ptr)"}),
    ("frame_owner", _since(11, f"offsetof({_IF}, owner)")),
    ("frame_is_entry", {11: f"offsetof({_IF}, is_entry)"}),  # 3.12+ mark entries with C-stack shims
    ("frame_size", _since(11, f"sizeof({_IF})")),
    ("owned_by_generator", _since(11, "FRAME_OWNED_BY_GENERATOR")),
    ("owned_by_cstack", _since(12, "FRAME_OWNED_BY_CSTACK")),
    # code objects
    ("ob_type", _all("offsetof(PyObject, ob_type)")),
    ("co_filename", _all(f"offsetof({_CO}, co_filename)")),
    ("co_name", _all(f"offsetof({_CO}, co_name)")),
    ("co_qualname", _since(11, f"offsetof({_CO}, co_qualname)")),
    ("co_firstlineno", _all(f"offsetof({_CO}, co_firstlineno)")),
    ("co_linetable", _all(f"offsetof({_CO}, co_linetable)")),
    ("co_code", {10: f"offsetof({_CO}, co_code)"}),
    ("co_code_adaptive", _since(11, f"offsetof({_CO}, co_code_adaptive)")),
    ("co_firsttraceable", _since(11, f"offsetof({_CO}, _co_firsttraceable)")),
    # bytes and str
    ("bytes_ob_size", _all("offsetof(PyBytesObject, ob_base.ob_size)")),
    ("bytes_ob_sval", _all("offsetof(PyBytesObject, ob_sval)")),
    ("unicode_length", _all("offsetof(PyASCIIObject, length)")),
    ("unicode_state", _all("offsetof(PyASCIIObject, state)")),
    ("unicode_ascii_size", _all("sizeof(PyASCIIObject)")),
    ("unicode_compact_size", _all("sizeof(PyCompactUnicodeObject)")),
    # bit masks of the state bitfield's members, measured by setting each in a zeroed object
    ("unicode_kind_mask", _all("state_mask(7, 0, 0)")),
    ("unicode_compact_mask", _all("state_mask(0, 1, 0)")),
    ("unicode_ascii_mask", _all("state_mask(0, 0, 1)")),
    # 3.13: where _Py_DebugOffsets (at the start of _PyRuntime) keeps the values checked against ours
    ("debug_version", {13: "offsetof(_Py_DebugOffsets, version)"}),
    ("debug_runtime_interpreters_head", {13: "offsetof(_Py_DebugOffsets, runtime_state.interpreters_head)"}),
    ("debug_interp_threads_head", {13: "offsetof(_Py_DebugOffsets, interpreter_state.threads_head)"}),
    ("debug_tstate_current_frame", {13: "offsetof(_Py_DebugOffsets, thread_state.current_frame)"}),
    ("debug_tstate_native_thread_id", {13: "offsetof(_Py_DebugOffsets, thread_state.native_thread_id)"}),
    ("debug_frame_previous", {13: "offsetof(_Py_DebugOffsets, interpreter_frame.previous)"}),
    ("debug_frame_executable", {13: "offsetof(_Py_DebugOffsets, interpreter_frame.executable)"}),
    ("debug_frame_instr_ptr", {13: "offsetof(_Py_DebugOffsets, interpreter_frame.instr_ptr)"}),
    ("debug_code_filename", {13: "offsetof(_Py_DebugOffsets, code_object.filename)"}),
    ("debug_code_qualname", {13: "offsetof(_Py_DebugOffsets, code_object.qualname)"}),
    ("debug_code_linetable", {13: "offsetof(_Py_DebugOffsets, code_object.linetable)"}),
    ("debug_code_adaptive", {13: "offsetof(_Py_DebugOffsets, code_object.co_code_adaptive)"}),
]

_PRELUDE = """
#include <Python.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#if PY_MINOR_VERSION == 10
#include <frameobject.h>
#include "pycore_interp.h"
#else
#include "pycore_frame.h"
#endif
#include "pycore_runtime.h"
#include "pycore_code.h"

static unsigned long long state_mask(int kind, int compact, int ascii) {
    PyASCIIObject o;
    unsigned int word = 0;
    memset(&o, 0, sizeof o);
    o.state.kind = kind;
    o.state.compact = compact;
    o.state.ascii = ascii;
    memcpy(&word, &o.state, sizeof word);
    return word;
}

int main(void) {
    printf("version %d %d %d\\n", PY_MAJOR_VERSION, PY_MINOR_VERSION, PY_MICRO_VERSION);
"""


def _program(minor: int) -> str:
    lines = [_PRELUDE]
    for name, exprs in FIELDS:
        expr = exprs.get(minor)
        value = f"(long long)({expr})" if expr else "-1LL"
        lines.append(f'    printf("{name} %lld\\n", {value});')
    lines.append("    return 0;\n}\n")
    return "\n".join(lines)


def _minor(include: str) -> int:
    text = Path(include, "patchlevel.h").read_text()
    for line in text.splitlines():
        parts = line.split()
        if parts[:2] == ["#define", "PY_MINOR_VERSION"]:
            return int(parts[2])
    raise SystemExit(f"{include}: no PY_MINOR_VERSION")


def measure(include: str, workdir: Path) -> tuple[tuple[int, int, int], dict[str, int]]:
    """Compile and run the probe against ``include``; (version, {field: value})."""
    source, binary = workdir / "probe.c", workdir / "probe"
    source.write_text(_program(_minor(include)))
    subprocess.run(["gcc", "-w", "-DPy_BUILD_CORE", f"-I{include}", f"-I{include}/internal",
                    "-o", str(binary), str(source)], check=True)
    out = subprocess.run([str(binary)], check=True, capture_output=True, text=True).stdout.split("\n")
    version = tuple(int(x) for x in out[0].split()[1:])
    values = {}
    for line in out[1:]:
        if line:
            name, value = line.split()
            values[name] = int(value)
    return version, values  # type: ignore[return-value]


_HEADER = '''"""CPython struct offsets by version: GENERATED by tools/gen_python_offsets.py, do not edit.

Regenerate with ``python tools/gen_python_offsets.py`` (needs gcc and each interpreter's
headers). Every value is an offsetof()/sizeof() measured against that version's own internal
headers; -1 marks a field the version does not have.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class PyOffsets:
    """Byte offsets (and a few sizes, enum values and bit masks) of one CPython version's structs."""

'''


def render(table: dict[tuple[int, int, int], dict[str, int]]) -> str:
    """The text of the generated module."""
    out = [_HEADER]
    out += [f"    {name}: int\n" for name, _ in FIELDS]
    out.append("\n\nOFFSETS: dict[tuple[int, int, int], PyOffsets] = {\n")
    for version in sorted(table):
        out.append(f"    {version}: PyOffsets(\n")
        out += [f"        {name}={table[version][name]},\n" for name, _ in FIELDS]
        out.append("    ),\n")
    out.append("}\n")
    return "".join(out)


def main(argv: list[str]) -> int:
    target = Path(argv[1]) if len(argv) > 1 else OUTPUT
    table = {}
    with tempfile.TemporaryDirectory() as tmp:
        for include in INTERPRETERS:
            if not Path(include, "Python.h").exists():
                print(f"skipped (no headers): {include}", file=sys.stderr)
                continue
            version, values = measure(include, Path(tmp))
            table[version] = values
    target.write_text(render(table))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
