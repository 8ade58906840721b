"""The corpus programs' oracle: the interpreter's own stack at each open of a file under the work directory.

`install()` reads the work directory (argv[1]) and the record file (argv[2]) and adds an audit
hook; CPython raises the 'open' event (builtins.open, io.open, os.open) just before the openat
it makes, and the hook appends one JSON line to the record: {"path", "tid", "frames": [[file,
qualname, line], ...]}, innermost first, the hook's own frame left out. The record is opened once,
here, and written with os.write, so the hook itself makes no openat under the work directory.
"""

from __future__ import annotations

import json
import os
import sys
import threading


def _qualname(code) -> str:
    return getattr(code, "co_qualname", code.co_name)  # 3.10's code objects have no qualname


def install() -> str:
    """Add the hook; the work directory, without a trailing slash."""
    work = os.path.abspath(sys.argv[1])
    record = os.open(sys.argv[2], os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    inside = work + os.sep

    def hook(event: str, args: tuple) -> None:
        if event != "open" or isinstance(args[0], int):
            return
        path = os.fsdecode(os.fspath(args[0]))
        if path != work and not path.startswith(inside):
            return
        frames = []
        frame = sys._getframe(1)
        while frame is not None:
            frames.append([frame.f_code.co_filename, _qualname(frame.f_code), frame.f_lineno])
            frame = frame.f_back
        line = {"path": path, "tid": threading.get_native_id(), "frames": frames}
        os.write(record, (json.dumps(line, ensure_ascii=False) + "\n").encode())

    sys.addaudithook(hook)
    return work
