"""``-P PATH``: only the syscalls that touch PATH, by name or through a descriptor open on it.

Which arguments are paths and which are descriptors is read from the kernel's own argument
names (the tracefs signatures behind ``Arch.signatures``), so every call is covered, not only
the decoded ones. As strace does, a path argument matches only as written (a relative
``hostname`` is not ``/etc/hostname``), a descriptor through the file it is open on.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from functools import cache

from .arch import Arch
from .syscalls.base import MemoryReader
from .syscalls.format import s32

# Kernel argument names that hold a path (char *) or a descriptor (int), from the signatures.
PATH_ARGS = frozenset({
    "filename", "pathname", "path", "oldname", "newname", "from_pathname", "to_pathname",
    "dir_name", "dev_name", "new_root", "put_old", "special", "specialfile", "library",
})
FD_ARGS = frozenset({
    "fd", "dfd", "oldfd", "newfd", "olddfd", "newdfd", "from_dfd", "to_dfd", "fd_in", "fd_out",
    "fdin", "fdout", "in_fd", "out_fd", "ufd", "epfd", "mountdirfd", "fanotify_fd",
})
# Arguments named like a path that are not one the call touches: a symlink's target is text.
NOT_TOUCHED = {"symlink": 0, "symlinkat": 0}
AT_FDCWD = -100
PATH_MAX = 4096


class PathFilter:
    """Decides, at a syscall's entry, whether it touches one of the traced paths."""

    def __init__(self, paths: Sequence[str], arch: Arch) -> None:
        wanted: set[str] = set()
        for path in paths:
            wanted.add(path)
            resolved = os.path.realpath(path)  # a symlink also stands for its target, as strace
            wanted.add(resolved)
        self.paths = frozenset(wanted)
        self._encoded = frozenset(os.fsencode(p) for p in wanted)
        self._arch = arch
        self._kinds = cache(self._arg_kinds)

    def _arg_kinds(self, name: str) -> tuple[str | None, ...]:
        """'path', 'fd' or None for each argument of ``name``."""
        kinds: list[str | None] = []
        for i, (ctype, argname) in enumerate(self._arch.signatures.get(name, ())):
            if NOT_TOUCHED.get(name) == i:
                kinds.append(None)
            elif argname in PATH_ARGS and "char" in ctype:
                kinds.append("path")
            elif argname in FD_ARGS and "*" not in ctype:
                kinds.append("fd")
            else:
                kinds.append(None)
        return tuple(kinds)

    def touches(self, name: str, args: Sequence[int], mem: MemoryReader,
                fd_link: Callable[[int], str | None]) -> bool:
        """Whether the call names a traced path, or uses a descriptor open on one."""
        for kind, value in zip(self._kinds(name), args, strict=False):
            if kind == "path" and value:
                got = mem.read_cstr(value, PATH_MAX)
                if got is not None and got[0] in self._encoded:
                    return True
            elif kind == "fd":
                fd = s32(value)
                if fd >= 0 and fd != AT_FDCWD and fd_link(fd) in self.paths:
                    return True
        return False
