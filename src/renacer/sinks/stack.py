"""How a call's source and stack read in the text trace (``--source``, ``-k``).

``-k`` keeps strace's layout, `` > module(symbol+0xoff) [0xaddr]``, and adds the source line,
the inlined frames (which have no address of their own) and how the call was located.
A frame a transpiler map took back to the original source reads original first, then the
generated line: ``app.py:12 in process_data ← src/main.rs:40``, with ``~`` before the line
(``app.py:~12``) when the map only names an earlier line of the generated function.
"""

from __future__ import annotations

from ..events import PYTHON, SourceFrame, SyscallEvent


def source_text(frame: SourceFrame) -> str:
    """``src/main.rs:7 in app::main`` (or just the file and line when the function is unknown);
    a mapped frame: ``app.py:12 in process_data ← src/main.rs:40`` (``app.py:~12`` approximate)."""
    line = f"~{frame.line}" if frame.mapping == "approximate" else frame.line
    where = f"{frame.file}:{line}"
    text = f"{where} in {frame.function}" if frame.function else where
    return f"{text} ← {frame.generated_file}:{frame.generated_line}" if frame.mapping else text


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
            line = source_text(f) if f.mapping else f"{f.file}:{f.line}" if f.file else ""
            if f.module == PYTHON:  # a Python frame: its file, line and function, as a traceback has them
                text = f" > {source_text(f)}"
                if f is ev.source:
                    text += f"  <- source ({ev.located})"
                lines.append(text)
                continue
            if f.inlined:
                caller = _machine_name(frames[i + 1]) if i + 1 < len(frames) else "?"
                text = f" > {f.module}({_machine_name(f) or '?'}) [inlined into {caller or '?'}]"
            else:
                name = _machine_name(f) or f.symbol
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


def _machine_name(frame: SourceFrame) -> str:
    """The function the binary has at a frame: a mapped frame's generated one (its symbol's offset
    is into that), not the original source's."""
    return frame.generated_function if frame.mapping else frame.function
