"""How a call's source and stack read in the text trace (``--source``, ``-k``).

``-k`` keeps strace's layout, `` > module(symbol+0xoff) [0xaddr]``, and adds the source line,
the inlined frames (which have no address of their own) and how the call was located.
"""

from __future__ import annotations

from ..events import PYTHON, SourceFrame, SyscallEvent


def source_text(frame: SourceFrame) -> str:
    """``src/main.rs:7 in app::main`` (or just the file and line when the function is unknown)."""
    where = f"{frame.file}:{frame.line}"
    return f"{where} in {frame.function}" if frame.function else where


def stack_lines(ev: SyscallEvent) -> list[str]:
    """The ``-k`` lines of one call, innermost frame first."""
    if not ev.frames:  # captured but not symbolized (nothing to read the modules with)
        lines = [f" > {f.module or '?'}() [{f.offset:#x}]" for f in ev.stack]
        if ev.unwound == "python":
            lines.append(" > (no Python frames: the interpreter is starting or exiting)")
    else:
        lines = []
        frames = ev.frames
        for i, f in enumerate(frames):
            line = f"{f.file}:{f.line}" if f.file else ""
            if f.module == PYTHON:  # a Python frame: its file, line and function, as a traceback has them
                text = f" > {source_text(f)}"
                if f is ev.source:
                    text += f"  <- source ({ev.located})"
                lines.append(text)
                continue
            if f.inlined:
                caller = frames[i + 1].function if i + 1 < len(frames) else "?"
                text = f" > {f.module}({f.function or '?'}) [inlined into {caller or '?'}]"
            else:
                name = f.function or f.symbol
                at = f"{name}+{f.symbol_offset + 1:#x}" if name else ""
                text = f" > {f.module or '?'}({at}) [{f.offset + 1:#x}]"
            if line:
                text += f" ({line})"
            if f is ev.source:
                text += f"  <- source ({ev.located})"
            lines.append(text)
    if ev.unwound == "truncated stack":
        lines.append(" > ... (truncated stack)")
    return lines
