"""Unit tests for the file-operation decoders (fileops, file) and terminal ioctls, over an in-memory
MemoryReader.

Each expected line was printed by strace 6.1 for the same arguments.
"""

from __future__ import annotations

import struct
import time
from collections.abc import Iterator

import pytest
from decoding import Memory, line

from renacer.syscalls.base import Call, DecodeOptions
from renacer.syscalls.decoders import DECODERS
from renacer.syscalls.decoders.common import date_comment
from renacer.syscalls.decoders.file import open_flags_text
from renacer.syscalls.decoders.fileops import makedev_text, memfd_flags_text, mknod_mode_text
from renacer.syscalls.decoders.ioctl import termios_text
from renacer.syscalls.xlat import xlat_style

AT_FDCWD = 2**64 - 100
EINVAL, EFAULT, EOVERFLOW = 22, 14, 75






@pytest.fixture
def utc() -> Iterator[None]:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TZ", "UTC")
        time.tzset()
        yield
    time.tzset()


def test_openat2_prints_open_how_and_a_nonzero_tail() -> None:
    mem = {0x100: b"a\0", 0x200: struct.pack("<QQQ", 0o2000000, 0, 0xC) + b"\1" + b"\0" * 7}
    assert line("openat2", (AT_FDCWD, 0x100, 0x200, 24), mem, retval=3) == (
        'openat2(AT_FDCWD, "a", {flags=O_RDONLY|O_CLOEXEC, resolve=RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH}, 24)'
        " = 3"
    )
    assert line("openat2", (AT_FDCWD, 0x100, 0x200, 32), mem, error=7, limit=4) == (
        'openat2(AT_FDCWD, "a", {flags=O_RDONLY|O_CLOEXEC, resolve=RESOLVE_NO_SYMLINKS|RESOLVE_BENEATH, '
        '/* bytes 24..31 */ "\\x01\\x00\\x00\\x00"...}, 32) = -1 E2BIG (Argument list too long)'
    )
    assert line("openat2", (AT_FDCWD, 0x100, 0x200, 33), mem, error=EFAULT).endswith(
        "RESOLVE_BENEATH, ???}, 33) = -1 EFAULT (Bad address)"
    )
    assert line("openat2", (AT_FDCWD, 0x100, 0x200, 8), mem, error=EINVAL).startswith(
        'openat2(AT_FDCWD, "a", 0x200, 8)'
    )


def test_openat2_mode_shows_when_creating_or_set() -> None:
    mem = {0x100: b"a\0", 0x200: struct.pack("<QQQ", 0o101 | 0xFFFFFFFF00000000, 0, 0x80)}
    assert line("openat2", (AT_FDCWD, 0x100, 0x200, 24), mem, error=EINVAL) == (
        'openat2(AT_FDCWD, "a", {flags=O_WRONLY|O_CREAT|0xffffffff00000000, mode=000, '
        'resolve=0x80 /* RESOLVE_??? */}, 24) = -1 EINVAL (Invalid argument)'
    )


def test_open_flags_follow_strace_order() -> None:
    assert open_flags_text(0xFFFFFFFF) == (
        "O_ACCMODE|O_CREAT|O_EXCL|O_NOCTTY|O_TRUNC|O_APPEND|O_NONBLOCK|O_SYNC|O_DIRECT|O_LARGEFILE|"
        "O_NOFOLLOW|O_NOATIME|O_CLOEXEC|O_PATH|O_TMPFILE|FASYNC|0xff80003c"
    )
    assert open_flags_text(0o20000000) == "O_RDONLY|__O_TMPFILE"


def test_sendfile_offset_reads_in_and_out() -> None:
    off = {0x300: struct.pack("<q", 0)}
    assert line("sendfile", (4, 3, 0x300, 5), off, retval=5, after={0x300: struct.pack("<q", 5)}) == (
        "sendfile(4, 3, [0] => [5], 5) = 5"
    )
    assert line("sendfile", (99, 3, 0x300, 5), off, error=9) == (
        "sendfile(99, 3, [0], 5) = -1 EBADF (Bad file descriptor)"
    )
    assert line("sendfile", (4, 3, 0, 3)) == "sendfile(4, 3, NULL, 3) = 0"
    assert line("sendfile", (4, 3, 8, 5), error=EFAULT) == "sendfile(4, 3, 0x8, 5) = -1 EFAULT (Bad address)"


def test_flag_arguments_name_unknown_bits_like_strace() -> None:
    assert line("flock", (3, 0x100), error=EINVAL) == (
        "flock(3, 0x100 /* LOCK_??? */) = -1 EINVAL (Invalid argument)"
    )
    assert line("flock", (3, 0xE4)) == "flock(3, LOCK_NB|LOCK_MAND|LOCK_RW) = 0"
    assert line("fallocate", (3, 3, 0, 100)) == (
        "fallocate(3, FALLOC_FL_KEEP_SIZE|FALLOC_FL_PUNCH_HOLE, 0, 100) = 0"
    )
    assert line("renameat2", (AT_FDCWD, 0, AT_FDCWD, 0, 0x10), error=EINVAL) == (
        "renameat2(AT_FDCWD, NULL, AT_FDCWD, NULL, 0x10 /* RENAME_?? */) = -1 EINVAL (Invalid argument)"
    )
    assert line("faccessat2", (AT_FDCWD, 0, 8, 0), error=EINVAL) == (
        "faccessat2(AT_FDCWD, NULL, 0x8 /* ?_OK */, 0) = -1 EINVAL (Invalid argument)"
    )


def test_memfd_flags_show_the_huge_page_size_as_a_shift() -> None:
    assert memfd_flags_text(0x3) == "MFD_CLOEXEC|MFD_ALLOW_SEALING"
    assert memfd_flags_text(4 | 21 << 26) == "MFD_HUGETLB|21<<MFD_HUGE_SHIFT"
    assert memfd_flags_text(21 << 26) == "21<<MFD_HUGE_SHIFT"
    assert memfd_flags_text(0x100) == "0x100 /* MFD_??? */"
    assert memfd_flags_text(0x100 | 21 << 26) == "0x100 /* MFD_??? */|21<<MFD_HUGE_SHIFT"


def test_mknod_mode_and_device() -> None:
    assert mknod_mode_text(0o10644) == "S_IFIFO|0644"
    assert mknod_mode_text(0o104755) == "S_IFREG|S_ISUID|0755"
    assert mknod_mode_text(0o170644) == "0170644"
    assert mknod_mode_text(0) == "000"
    assert makedev_text(0x103 << 8 | 0x10000 << 12) == "makedev(0x103, 0x10000)"
    assert makedev_text(2**64 - 1) == "makedev(0xfff, 0xfffff)"
    assert line("mknod", (0, 0o20666, 0x103)) == "mknod(NULL, S_IFCHR|0666, makedev(0x1, 0x3)) = 0"
    assert line("mknod", (0, 0o10644, 0x103)) == "mknod(NULL, S_IFIFO|0644) = 0"


def test_times_carry_a_date_only_when_valid(utc: None) -> None:
    assert date_comment(1, 2) == " /* 1970-01-01T00:00:01.000000002+0000 */"
    assert date_comment(10) == " /* 1970-01-01T00:00:10+0000 */"
    assert date_comment(0) == ""
    assert date_comment(2**63 - 1) == ""
    times = {0x400: struct.pack("<qqqq", 1, 2, 5, (1 << 30) - 1), 0x500: struct.pack("<qqqq", 0, 0, -100, -5)}
    assert line("utimensat", (AT_FDCWD, 0, 0x400, 0x100), times) == (
        "utimensat(AT_FDCWD, NULL, [{tv_sec=1, tv_nsec=2} /* 1970-01-01T00:00:01.000000002+0000 */, "
        "UTIME_NOW], AT_SYMLINK_NOFOLLOW) = 0"
    )
    assert line("utimensat", (AT_FDCWD, 0, 0x500, 0), times, error=EINVAL) == (
        "utimensat(AT_FDCWD, NULL, [{tv_sec=0, tv_nsec=0}, {tv_sec=-100, tv_nsec=18446744073709551611}], 0)"
        " = -1 EINVAL (Invalid argument)"
    )
    assert line("utime", (0, 0x400), times) == (
        "utime(NULL, {actime=1 /* 1970-01-01T00:00:01+0000 */, modtime=2 /* 1970-01-01T00:00:02+0000 */}) = 0"
    )


def test_name_to_handle_at_shows_what_the_kernel_changed() -> None:
    handle = {0x600: struct.pack("<Ii", 128, 0) + bytes(128), 0x700: struct.pack("<i", 0)}
    filled = {0x600: struct.pack("<Ii", 8, 1) + b"\2" + bytes(127), 0x700: struct.pack("<i", 27)}
    assert line("name_to_handle_at", (AT_FDCWD, 0, 0x600, 0x700, 0), handle, after=filled) == (
        'name_to_handle_at(AT_FDCWD, NULL, {handle_bytes=128 => 8, handle_type=1, '
        'f_handle="\\x02\\x00\\x00\\x00\\x00\\x00\\x00\\x00"}, [27], 0) = 0'
    )
    small = {0x600: struct.pack("<Ii", 0, 0)}
    grown = {0x600: struct.pack("<Ii", 8, 0)}
    args = (AT_FDCWD, 0, 0x600, 0x700, 0x400)
    assert line("name_to_handle_at", args, small, error=EOVERFLOW, after=grown) == (
        "name_to_handle_at(AT_FDCWD, NULL, {handle_bytes=0 => 8}, 0x700, AT_SYMLINK_FOLLOW) = "
        "-1 EOVERFLOW (Value too large for defined data type)"
    )
    assert line("name_to_handle_at", (AT_FDCWD, 0, 0, 0x700, 2), error=EFAULT) == (
        "name_to_handle_at(AT_FDCWD, NULL, NULL, 0x700, 0x2 /* AT_??? */) = -1 EFAULT (Bad address)"
    )


def test_xattr_values_drop_a_final_nul_unless_cut() -> None:
    mem = {0x100: b"user.a\0", 0x200: b"abcd\0"}
    assert line("setxattr", (0, 0x100, 0x200, 5, 1), mem) == (
        'setxattr(NULL, "user.a", "abcd", 5, XATTR_CREATE) = 0'
    )
    assert line("setxattr", (0, 0x100, 0x200, 5, 0), mem, limit=4) == (
        'setxattr(NULL, "user"..., "abcd"..., 5, 0) = 0'
    )
    assert line("setxattr", (0, 0x100, 0, 0, 4), mem, error=EINVAL) == (
        'setxattr(NULL, "user.a", NULL, 0, 0x4 /* XATTR_??? */) = -1 EINVAL (Invalid argument)'
    )


def test_ids_print_unsigned_except_minus_one() -> None:
    assert line("chown", (0, 0xFFFFFFFE, 0x1FFFFFFFF)) == "chown(NULL, 4294967294, -1) = 0"
    assert line("fchownat", (3, 0, 0, 0, 0x1000)) == "fchownat(3, NULL, 0, 0, AT_EMPTY_PATH) = 0"


def test_structs_stay_pointers_under_verbose_none() -> None:
    dec = DECODERS["sendfile"]
    call = Call("sendfile", (4, 3, 0x300, 5, 0, 0), Memory({0x300: bytes(8)}), DecodeOptions(verbose=False))
    assert dec.enter(call) == ["4", "3", "0x300", "5"]
    assert not dec.exits(call)


# A new pty's termios: iflag, oflag, cflag, lflag, c_line, then c_cc.
SANE = (0o2400, 0o5, 0o277, 0o105073, 0,
        3, 0x1C, 0x7F, 0x15, 4, 0, 1, 0, 0x11, 0x13, 0x1A, 0, 0x12, 0xF, 0x17, 0x16, 0, 0, 0)


def test_termios_abbreviated_and_in_full() -> None:
    head = ("{c_iflag=ICRNL|IXON, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|OPOST|ONLCR, c_cflag=B38400|CS8|CREAD, "
            "c_lflag=ISIG|ICANON|ECHO|ECHOE|ECHOK|IEXTEN|ECHOCTL|ECHOKE")
    assert termios_text(SANE) == head + ", ...}"
    assert termios_text(SANE, abbrev=False) == head + (
        ", c_line=N_TTY, c_cc=[[VINTR]=0x3, [VQUIT]=0x1c, [VERASE]=0x7f, [VKILL]=0x15, [VEOF]=0x4, "
        "[VTIME]=0, [VMIN]=0x1, [VSWTC]=0, [VSTART]=0x11, [VSTOP]=0x13, [VSUSP]=0x1a, [VEOL]=0, "
        "[VREPRINT]=0x12, [VDISCARD]=0xf, [VWERASE]=0x17, [VLNEXT]=0x16, [VEOL2]=0, [17]=0, [18]=0]}"
    )


def test_termios_empty_fields_and_unknown_bits() -> None:
    zero = (0,) * 24
    assert termios_text(zero) == (
        "{c_iflag=, c_oflag=NL0|CR0|TAB0|BS0|VT0|FF0|, c_cflag=B0|CS5|, c_lflag=, ...}"
    )
    ones = (0xFFFFFFFF,) * 4 + (200,) + (0xFF,) * 19
    assert termios_text(ones) == (
        "{c_iflag=IGNBRK|BRKINT|IGNPAR|PARMRK|INPCK|ISTRIP|INLCR|IGNCR|ICRNL|IUCLC|IXON|IXANY|IXOFF|IMAXBEL|"
        "IUTF8|0xffff8000, c_oflag=NL1|CR3|XTABS|BS1|VT1|FF1|OPOST|OLCUC|ONLCR|OCRNL|ONOCR|ONLRET|OFILL|"
        "OFDEL|0xffff0000, c_cflag=B4000000|B4000000<<IBSHIFT|CS8|CSTOPB|CREAD|PARENB|PARODD|HUPCL|CLOCAL|"
        "CMSPAR|CRTSCTS|0x2ff0e000, c_lflag=ISIG|ICANON|XCASE|ECHO|ECHOE|ECHOK|ECHONL|NOFLSH|IEXTEN|ECHOCTL|"
        "ECHOPRT|ECHOKE|FLUSHO|PENDIN|TOSTOP|EXTPROC|0xfffe2000, ...}"
    )
    assert termios_text(ones, abbrev=False).split("c_line=")[1].startswith("0xc8 /* N_??? */, ")


def test_ioctl_arguments_by_request() -> None:
    assert line("ioctl", (3, 0x540A, 1)) == "ioctl(3, TCXONC, TCOON) = 0"
    assert line("ioctl", (3, 0x540B, 2**64 - 1), error=EINVAL) == (
        "ioctl(3, TCFLSH, 0xffffffffffffffff /* TC??? */) = -1 EINVAL (Invalid argument)"
    )
    assert line("ioctl", (3, 0x5409, 2**64 - 1)) == "ioctl(3, TCSBRK, -1) = 0"
    assert line("ioctl", (3, 0x540E, 0)) == "ioctl(3, TIOCSCTTY, 0) = 0"
    assert line("ioctl", (3, 0x5451)) == "ioctl(3, FIOCLEX) = 0"
    assert line("ioctl", (3, 0x5421, 0)) == "ioctl(3, FIONBIO, NULL) = 0"
    assert line("ioctl", (4, 0x541B, 0x100), {0x100: struct.pack("<i", 5)}) == "ioctl(4, FIONREAD, [5]) = 0"
    assert line("ioctl", (3, 0x5441, 0x102), retval=4) == "ioctl(3, TIOCGPTPEER, 0x102) = 4"
    for req, name in ((0x5413, "TIOCGWINSZ"), (0x5414, "TIOCSWINSZ")):
        assert line("ioctl", (3, req, 0), error=EFAULT) == f"ioctl(3, {name}, NULL) = -1 EFAULT (Bad address)"


def test_constants_under_xlat_styles() -> None:
    with xlat_style("raw"):
        assert line("flock", (3, 0x100), error=EINVAL) == "flock(3, 0x100) = -1 EINVAL (Invalid argument)"
        assert mknod_mode_text(0o10644) == "010644"
        assert makedev_text(0x103) == "0x103"
        assert line("ioctl", (3, 0x540A, 9), error=EINVAL) == (
            "ioctl(3, 0x540a, 0x9) = -1 EINVAL (Invalid argument)"
        )
        assert termios_text((0,) * 24) == "{c_iflag=, c_oflag=0|0|0|0|0|0|, c_cflag=0|0|, c_lflag=, ...}"
    with xlat_style("verbose"):
        assert line("flock", (3, 5)) == "flock(3, 0x5 /* LOCK_SH|LOCK_NB */) = 0"
        assert line("flock", (3, 0x100), error=EINVAL) == (
            "flock(3, 0x100 /* LOCK_??? */) = -1 EINVAL (Invalid argument)"
        )
        assert mknod_mode_text(0o600) == "0600 /* 0600 */"
        assert mknod_mode_text(0o170644) == "0170644"
        assert memfd_flags_text(0x100) == "0x100 /* 0x100 /* MFD_??? */ */"
        assert line("faccessat2", (AT_FDCWD, 0, 0, 0)) == (
            "faccessat2(-100 /* AT_FDCWD */, NULL, 0 /* F_OK */, 0) = 0"
        )
        assert open_flags_text(0o2000000) == "0x80000 /* O_RDONLY|O_CLOEXEC */"
        assert line("ioctl", (3, 0x5401, 0), error=EFAULT) == (
            "ioctl(3, 0x5401 /* TCGETS */, NULL) = -1 EFAULT (Bad address)"
        )
