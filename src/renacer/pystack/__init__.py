"""Python frame stacks of traced CPython processes, read from their memory without debug info.

``PythonStacks.stack`` finds the interpreter's ``_PyRuntime`` (its ``.PyRuntime`` section), the
thread's state among the runtime's, and walks its frames: file, qualified name and line of each,
innermost first. Struct offsets come from ``offsets`` (generated from each version's headers);
line numbers from ``linetable``.
"""

from __future__ import annotations

from .frames import PyFrame
from .runtime import PythonStacks

__all__ = ["PyFrame", "PythonStacks"]
