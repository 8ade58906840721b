"""The generated CPython offsets, checked against gdb's reading of the interpreters' DWARF.

The table comes from gcc probes compiled against each version's headers; gdb reads the
layouts the pyenv builds' libpython was actually compiled with. Both must agree, and
re-running the generator must reproduce the committed module.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from renacer.pystack.offsets import OFFSETS
from renacer.pystack.runtime import offsets_for

ROOT = Path(__file__).resolve().parent.parent
PYENV = "/root/.pyenv/versions"
_TS, _IS, _RT, _CO = "((PyThreadState*)0)", "((PyInterpreterState*)0)", "((_PyRuntimeState*)0)", \
    "((PyCodeObject*)0)"
_IF = "((struct _PyInterpreterFrame*)0)"
_CODE = {
    "co_filename": f"&{_CO}->co_filename",
    "co_name": f"&{_CO}->co_name",
    "co_firstlineno": f"&{_CO}->co_firstlineno",
    "co_linetable": f"&{_CO}->co_linetable",
    "bytes_ob_sval": "&((PyBytesObject*)0)->ob_sval",
    "unicode_length": "&((PyASCIIObject*)0)->length",
    "unicode_state": "&((PyASCIIObject*)0)->state",
    "unicode_ascii_size": "sizeof(PyASCIIObject)",
    "unicode_compact_size": "sizeof(PyCompactUnicodeObject)",
    "runtime_interpreters_head": f"&{_RT}->interpreters.head",
    "interp_next": f"&{_IS}->next",
    "tstate_next": f"&{_TS}->next",
    "tstate_thread_id": f"&{_TS}->thread_id",
}
# field -> gdb expression, per library
CASES = {
    (3, 12, 1): (f"{PYENV}/3.12.1/lib/libpython3.12.so.1.0", {
        **_CODE,
        "co_qualname": f"&{_CO}->co_qualname",
        "co_code_adaptive": f"&{_CO}->co_code_adaptive",
        "co_firsttraceable": f"&{_CO}->_co_firsttraceable",
        "interp_threads_head": f"&{_IS}->threads.head",
        "tstate_native_thread_id": f"&{_TS}->native_thread_id",
        "tstate_cframe": f"&{_TS}->cframe",
        "cframe_current_frame": "&((_PyCFrame*)0)->current_frame",
        "frame_previous": f"&{_IF}->previous",
        "frame_code": f"&{_IF}->f_code",
        "frame_instr": f"&{_IF}->prev_instr",
        "frame_owner": f"&{_IF}->owner",
        "owned_by_cstack": "FRAME_OWNED_BY_CSTACK",
        "owned_by_generator": "FRAME_OWNED_BY_GENERATOR",
    }),
    (3, 10, 13): (f"{PYENV}/3.10.13/lib/libpython3.10.so.1.0", {
        **_CODE,
        "co_code": f"&{_CO}->co_code",
        "interp_threads_head": f"&{_IS}->tstate_head",
        "tstate_frame": f"&{_TS}->frame",
        "f_back": "&((PyFrameObject*)0)->f_back",
        "f_code": "&((PyFrameObject*)0)->f_code",
        "f_lasti": "&((PyFrameObject*)0)->f_lasti",
    }),
    (3, 13, 0): (f"{PYENV}/3.13.0/lib/libpython3.13.so.1.0", {
        **_CODE,
        "co_qualname": f"&{_CO}->co_qualname",
        "co_code_adaptive": f"&{_CO}->co_code_adaptive",
        "interp_threads_head": f"&{_IS}->threads.head",
        "tstate_native_thread_id": f"&{_TS}->native_thread_id",
        "tstate_current_frame": f"&{_TS}->current_frame",
        "frame_previous": f"&{_IF}->previous",
        "frame_code": f"&{_IF}->f_executable",
        "frame_instr": f"&{_IF}->instr_ptr",
        "frame_owner": f"&{_IF}->owner",
        "owned_by_cstack": "FRAME_OWNED_BY_CSTACK",
    }),
}


def gdb_values(library: str, expressions: dict[str, str]) -> dict[str, int]:
    """What gdb evaluates each expression to, from the library's DWARF."""
    names = list(expressions)
    command = ["gdb", "-batch", "-nx", library]
    for name in names:
        command += ["-ex", f"print (long)({expressions[name]})"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=60)
    values = [int(v) for v in re.findall(r"^\$\d+ = (-?\d+)$", done.stdout, re.M)]
    assert len(values) == len(names), done.stdout + done.stderr
    return dict(zip(names, values, strict=True))


@pytest.mark.parametrize("version", CASES, ids=lambda v: ".".join(map(str, v)))
def test_offsets_match_gdb(version: tuple[int, int, int]) -> None:
    library, expressions = CASES[version]
    if not shutil.which("gdb"):
        pytest.skip("gdb is not installed")
    if not Path(library).exists():
        pytest.skip(f"{library} is not installed")
    ours = OFFSETS[version]
    assert {name: getattr(ours, name) for name in expressions} == gdb_values(library, expressions)


def test_generator_reproduces_the_committed_table(tmp_path: Path) -> None:
    if not shutil.which("gcc"):
        pytest.skip("gcc is not installed")
    out = tmp_path / "offsets.py"
    generator = ROOT / "tools/gen_python_offsets.py"
    subprocess.run([sys.executable, str(generator), str(out)], check=True, timeout=60)
    assert out.read_text() == (ROOT / "src/renacer/pystack/offsets.py").read_text()


def test_unknown_micro_uses_its_minor_only_when_all_known_micros_agree() -> None:
    assert OFFSETS[(3, 11, 2)] == OFFSETS[(3, 11, 7)]
    assert offsets_for((3, 11, 5)) == ((3, 11, 5), OFFSETS[(3, 11, 7)])
    assert offsets_for((3, 12, 1)) == ((3, 12, 1), OFFSETS[(3, 12, 1)])
    assert offsets_for((3, 10)) == ((3, 10, 13), OFFSETS[(3, 10, 13)])  # 3.10: minor from the file name
    assert offsets_for((3, 14, 0)) is None
    assert offsets_for((3, 9)) is None
