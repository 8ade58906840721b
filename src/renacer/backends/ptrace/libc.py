"""ctypes bindings for ptrace, wait4 and process_vm_readv (constants from linux/ptrace.h)."""

from __future__ import annotations

import ctypes
import os
import struct
import threading

PTRACE_CONT = 7
PTRACE_KILL = 8
PTRACE_DETACH = 17
PTRACE_SYSCALL = 24
PTRACE_SETOPTIONS = 0x4200
PTRACE_GETEVENTMSG = 0x4201
PTRACE_GETSIGINFO = 0x4202
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
PTRACE_LISTEN = 0x4208
PTRACE_GET_SYSCALL_INFO = 0x420E

PTRACE_O_TRACESYSGOOD = 1
PTRACE_O_TRACEFORK = 1 << 1
PTRACE_O_TRACEVFORK = 1 << 2
PTRACE_O_TRACECLONE = 1 << 3
PTRACE_O_TRACEEXEC = 1 << 4
PTRACE_O_EXITKILL = 1 << 20

PTRACE_EVENT_FORK = 1
PTRACE_EVENT_VFORK = 2
PTRACE_EVENT_CLONE = 3
PTRACE_EVENT_EXEC = 4
PTRACE_EVENT_STOP = 128

SYSCALL_INFO_NONE = 0
SYSCALL_INFO_ENTRY = 1
SYSCALL_INFO_EXIT = 2
SYSCALL_INFO_SECCOMP = 3

WALL = 0x40000000  # __WALL: wait for threads and children alike
WSTOPPED = 2
SIGINFO_SIZE = 128


class SyscallInfo(ctypes.Structure):
    """struct ptrace_syscall_info, with the entry/exit union laid out as raw u64 words."""

    _fields_ = [
        ("op", ctypes.c_uint8),
        ("pad", ctypes.c_uint8 * 3),
        ("arch", ctypes.c_uint32),
        ("instruction_pointer", ctypes.c_uint64),
        ("stack_pointer", ctypes.c_uint64),
        ("words", ctypes.c_uint64 * 8),  # entry: nr, args[6]; exit: rval, is_error
    ]


class IoVec(ctypes.Structure):
    _fields_ = [("base", ctypes.c_void_p), ("len", ctypes.c_size_t)]


_libc = ctypes.CDLL(None, use_errno=True)
_ptrace = _libc.ptrace
_ptrace.restype = ctypes.c_long
_ptrace.argtypes = [ctypes.c_long, ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
_wait4 = _libc.wait4
_wait4.restype = ctypes.c_int
_wait4.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_int), ctypes.c_int, ctypes.c_void_p]
_readv = _libc.process_vm_readv
_readv.restype = ctypes.c_ssize_t
_readv.argtypes = [
    ctypes.c_int,
    ctypes.POINTER(IoVec),
    ctypes.c_ulong,
    ctypes.POINTER(IoVec),
    ctypes.c_ulong,
    ctypes.c_ulong,
]


def ptrace(request: int, pid: int, addr: int = 0, data: int | ctypes.c_void_p | None = 0) -> int:
    """Call ptrace(2); raises OSError with the errno on failure."""
    res = _ptrace(request, pid, addr, data)
    if res == -1:
        err = ctypes.get_errno()
        if err:
            raise OSError(err, os.strerror(err))
    return res


def wait(pid: int = -1, options: int = WALL) -> tuple[int, int]:
    """wait4(2) returning (pid, status); (-1, errno) on EINTR/ECHILD so signals can break a wait."""
    status = ctypes.c_int(0)
    res = _wait4(pid, ctypes.byref(status), options, None)
    if res == -1:
        return -1, ctypes.get_errno()
    return res, status.value


_info = SyscallInfo()
_info_ptr = ctypes.addressof(_info)
_info_size = ctypes.sizeof(SyscallInfo)


def get_syscall_info(pid: int) -> SyscallInfo:
    """PTRACE_GET_SYSCALL_INFO into a reused buffer (valid until the next call)."""
    ptrace(PTRACE_GET_SYSCALL_INFO, pid, _info_size, _info_ptr)
    return _info


def get_event_msg(pid: int) -> int:
    msg = ctypes.c_ulong(0)
    ptrace(PTRACE_GETEVENTMSG, pid, 0, ctypes.addressof(msg))
    return msg.value


def get_siginfo(pid: int) -> bytes:
    buf = ctypes.create_string_buffer(SIGINFO_SIZE)
    ptrace(PTRACE_GETSIGINFO, pid, 0, ctypes.addressof(buf))
    return buf.raw


def read_span(pid: int, addr: int, size: int) -> bytes | None:
    """process_vm_readv of one span, all or nothing: its bytes, or None if any of it failed."""
    buf = ctypes.create_string_buffer(size)
    got = _readv(pid, IoVec(ctypes.addressof(buf), size), 1, IoVec(addr, size), 1, 0)
    return buf.raw if got == size else None


def read_memory(pid: int, chunks: list[tuple[int, int]], into: ctypes.Array) -> int:  # type: ignore[type-arg]
    """process_vm_readv of the (addr, len) ``chunks`` into ``into``; bytes read, -1 on failure."""
    n = len(chunks)
    local = IoVec(ctypes.addressof(into), sum(size for _, size in chunks))
    remote = (IoVec * n)(*(IoVec(addr, size) for addr, size in chunks))
    return _readv(pid, ctypes.byref(local), 1, remote, n, 0)


PTRACE_GETREGSET = 0x4204
NT_PRSTATUS = 1  # the general-purpose registers (linux/elf.h)
USER_REGS_SIZE = 512  # room for any arch's NT_PRSTATUS block (x86_64 216 bytes, aarch64 272): the kernel
# fills what its arch has and says how much


def get_regset(tid: int, note: int, size: int) -> bytes | None:
    """PTRACE_GETREGSET: the stopped task's register set ``note`` (NT_PRSTATUS...) as raw bytes, as
    many as the kernel filled of ``size``; None if it failed."""
    buf = ctypes.create_string_buffer(size)
    iov = IoVec(ctypes.addressof(buf), size)
    try:
        ptrace(PTRACE_GETREGSET, tid, note, ctypes.addressof(iov))
    except OSError:
        return None
    return buf.raw[: iov.len]  # the kernel sets the length to what it wrote


def get_regs(tid: int, size: int = USER_REGS_SIZE) -> bytes | None:
    """The stopped task's general-purpose registers (NT_PRSTATUS: x86_64's struct user_regs_struct,
    aarch64's struct user_pt_regs) as raw bytes; None if it failed."""
    return get_regset(tid, NT_PRSTATUS, size)


# the same call with its iovec arrays passed as packed bytes: cheaper to build for many spans
_readv_packed = _libc["process_vm_readv"]
_readv_packed.restype = ctypes.c_ssize_t
_readv_packed.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p, ctypes.c_ulong,
                          ctypes.c_ulong]


_BATCH = 256  # iovecs per process_vm_readv
_BUFFER_SIZE = 128 << 10
_scratch = threading.local()  # one buffer per thread, reused by each read (bytes are copied out at once)


def _buffer_address() -> int:
    buffer = getattr(_scratch, "buffer", None)
    if buffer is None:  # two tracers may run in two threads of one program (the Python API)
        buffer = _scratch.buffer = ctypes.create_string_buffer(_BUFFER_SIZE)
    return ctypes.addressof(buffer)


def read_spans(pid: int, spans: list[tuple[int, int]]) -> list[bytes | None]:
    """The bytes of each (address, size) in process ``pid``, by one process_vm_readv (another after
    one that fails, which is None)."""
    out: list[bytes | None] = []
    base = _buffer_address()
    while spans:
        n, total = 0, 0
        while n < len(spans) and n < _BATCH and total + spans[n][1] <= _BUFFER_SIZE:
            total += spans[n][1]
            n += 1
        if n == 0:
            return out + [None] * len(spans)  # an object bigger than the buffer: not for this reader
        remote = struct.pack(f"<{2 * n}Q", *[word for span in spans[:n] for word in span])
        got = max(_readv_packed(pid, struct.pack("<QQ", base, total), 1, remote, n, 0), 0)
        raw = ctypes.string_at(base, got) if got else b""
        at = i = 0
        while i < n and at + spans[i][1] <= got:  # it never splits an element: whole ones first
            out.append(raw[at:at + spans[i][1]])
            at += spans[i][1]
            i += 1
        if i < n:
            out.append(None)
            i += 1
        spans = spans[i:]
    return out


_IOV_MAX = 1024  # iovecs one process_vm_readv takes (UIO_MAXIOV)


def read_gather(pid: int, local: bytes, remote: bytes, count: int, total: int,
                into: ctypes.Array) -> bytes | None:  # type: ignore[type-arg]
    """The ``count`` spans packed in ``remote`` (address, size words) read by one process_vm_readv
    into ``into`` (``local`` is its packed iovec), all or nothing: their ``total`` bytes, or None."""
    if count > _IOV_MAX:
        return None
    got = _readv_packed(pid, local, 1, remote, count, 0)
    return into.raw if got == total else None


# ---- seccomp (linux/ptrace.h, linux/prctl.h) ---------------------------------------------------

PTRACE_O_TRACESECCOMP = 1 << 7
PTRACE_EVENT_SECCOMP = 7
PR_SET_SECCOMP = 22
PR_SET_NO_NEW_PRIVS = 38

_syscall = _libc.syscall
_syscall.restype = ctypes.c_long
_prctl = _libc.prctl
_prctl.restype = ctypes.c_int
_prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]


def raw_syscall(nr: int, a0: int = 0, a1: int = 0, a2: int = 0) -> int:
    """syscall(2) with up to three word arguments; raises OSError with the errno on failure."""
    res = _syscall(ctypes.c_long(nr), ctypes.c_ulong(a0), ctypes.c_ulong(a1), ctypes.c_ulong(a2))
    if res == -1:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return res


def prctl(option: int, a1: int = 0, a2: int = 0) -> int:
    """prctl(2) with two word arguments (the rest zero); raises OSError with the errno on failure."""
    res = _prctl(option, a1, a2, 0, 0)
    if res == -1:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))
    return res
