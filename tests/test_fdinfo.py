"""fdinfo: the text in a descriptor's angle brackets, on real sockets and files, and against strace -yy."""

from __future__ import annotations

import os
import re
import select
import shutil
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from fidelity import reap, spawn

from renacer.fdinfo import annotation, describe, path_text

PID = os.getpid()


def _link(fd: int) -> str:
    return os.readlink(f"/proc/{PID}/fd/{fd}")


def yy(sock: socket.socket | int) -> str:
    fd = sock if isinstance(sock, int) else sock.fileno()
    return describe(PID, fd, _link(fd))


def _ino(sock: socket.socket) -> int:
    return os.fstat(sock.fileno()).st_ino


def test_tcp_shows_the_bound_address_then_both_ends() -> None:
    with socket.socket() as srv:
        assert yy(srv) == f"TCP:[{_ino(srv)}]"  # unbound: nothing to show but the inode
        srv.bind(("127.0.0.1", 0))
        srv.listen()
        port = srv.getsockname()[1]
        assert yy(srv) == f"TCP:[127.0.0.1:{port}]"
        with socket.create_connection(("127.0.0.1", port)) as cli:
            acc, _ = srv.accept()
            with acc:
                mine = cli.getsockname()[1]
                assert yy(cli) == f"TCP:[127.0.0.1:{mine}->127.0.0.1:{port}]"
                assert yy(acc) == f"TCP:[127.0.0.1:{port}->127.0.0.1:{mine}]"


def test_tcp6_and_udp6_bracket_their_addresses() -> None:
    with socket.socket(socket.AF_INET6) as srv, socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as udp:
        srv.bind(("::1", 0))
        srv.listen()
        port = srv.getsockname()[1]
        assert yy(srv) == f"TCPv6:[[::1]:{port}]"
        with socket.create_connection(("::1", port)) as cli:
            assert yy(cli) == f"TCPv6:[[::1]:{cli.getsockname()[1]}->[::1]:{port}]"
        assert yy(udp) == f"UDPv6:[{_ino(udp)}]"
        udp.bind(("::1", 0))
        assert yy(udp) == f"UDPv6:[[::1]:{udp.getsockname()[1]}]"


def test_udp_connected_shows_its_peer() -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
        udp.connect(("127.0.0.1", 9))
        assert yy(udp) == f"UDP:[127.0.0.1:{udp.getsockname()[1]}->127.0.0.1:9]"


def test_unix_pairs_paths_and_abstract_names(tmp_path: Path) -> None:
    a, b = socket.socketpair()
    with a, b, socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as dgram:
        assert yy(a) == f"UNIX-STREAM:[{_ino(a)}->{_ino(b)}]"
        assert yy(dgram) == f"UNIX:[{_ino(dgram)}]"
        path = str(tmp_path / 'we"ird>.sock')
        dgram.bind(path)
        quoted = path.replace('"', '\\"')  # C-quoted; '>' stays as it is inside the quotes
        assert yy(dgram) == f'UNIX:[{_ino(dgram)},"{quoted}"]'
    with socket.socket(socket.AF_UNIX) as srv, socket.socket(socket.AF_UNIX) as cli:
        srv.bind("\0renacer-fdinfo-test")
        srv.listen()
        cli.connect("\0renacer-fdinfo-test")
        acc, _ = srv.accept()
        with acc:
            assert yy(srv) == f'UNIX-STREAM:[{_ino(srv)},@"renacer-fdinfo-test"]'
            assert yy(acc) == f'UNIX-STREAM:[{_ino(acc)}->{_ino(cli)},@"renacer-fdinfo-test"]'
            assert yy(cli) == f"UNIX-STREAM:[{_ino(cli)}->{_ino(acc)}]"


def test_netlink_shows_protocol_and_port_once_bound() -> None:
    with socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 0) as nl:
        assert yy(nl) == f"NETLINK:[{_ino(nl)}]"
        nl.bind((0, 0))
        assert yy(nl) == f"NETLINK:[ROUTE:{nl.getsockname()[0]}]"


def test_unknown_protocols_fall_back_to_the_link() -> None:
    try:
        sock = socket.socket(socket.AF_PACKET, socket.SOCK_DGRAM, 0)
    except OSError:
        pytest.skip("no AF_PACKET sockets here (needs CAP_NET_RAW)")
    with sock:
        assert yy(sock) == f"socket:[{_ino(sock)}]"


def test_memo_keeps_an_endpoint_once_known_as_strace_does() -> None:
    memo: dict[int, str] = {}
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as srv, socket.socket(
        socket.AF_UNIX, socket.SOCK_DGRAM
    ) as cli:
        srv.bind("\0renacer-fdinfo-memo")
        first = describe(PID, cli.fileno(), _link(cli.fileno()), memo)
        assert first == f"UNIX:[{_ino(cli)}]" and not memo  # nothing learnt: not remembered
        cli.connect("\0renacer-fdinfo-memo")
        known = describe(PID, cli.fileno(), _link(cli.fileno()), memo)
        assert known == f"UNIX:[{_ino(cli)}->{_ino(srv)}]" and memo == {_ino(cli): known}
        assert describe(PID, srv.fileno(), _link(srv.fileno()), memo).endswith(',@"renacer-fdinfo-memo"]')


def test_devices_carry_their_numbers_and_files_their_escaped_path(tmp_path: Path) -> None:
    fd = os.open("/dev/null", os.O_RDONLY)
    try:
        assert yy(fd) == "/dev/null<char 1:3>"
        assert annotation(PID, fd, _link(fd), 1) == "</dev/null>"
    finally:
        os.close(fd)
    name = tmp_path / "a>1<b\n"
    fd = os.open(name, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        escaped = path_text(str(name))
        assert escaped.endswith("a\\0761\\74b\\n")
        assert path_text(str(name), 1) == escaped  # -x: only a binary byte turns a path to hex
        assert path_text("/a\x7f", 1) == path_text("/a\x7f", 2) == "\\x2f\\x61\\x7f"
        assert yy(fd) == escaped
        os.unlink(name)
        assert annotation(PID, fd, _link(fd), 2) == f"<{escaped}>(deleted)"
    finally:
        os.close(fd)


# --- against strace -yy on a live process ----------------------------------------------------

# The tracee: every kind of descriptor above, each shown once with fcntl(F_GETOWN) (glibc: F_GETOWN_EX,
# which nothing else calls), in its final state; then it waits on stdin for describe() to look at it.
TRACEE = textwrap.dedent(
    """
    import fcntl, os, socket, sys, tempfile
    keep = []
    def sock(*args):
        try:
            s = socket.socket(*args)
        except OSError:
            return None
        keep.append(s)
        return s
    tcp = sock(); tcp.bind(("127.0.0.1", 0)); tcp.listen()
    cli = sock(); cli.connect(tcp.getsockname()); keep.append(tcp.accept()[0])
    tcp6 = sock(socket.AF_INET6); tcp6.bind(("::1", 0)); tcp6.listen()
    cli6 = sock(socket.AF_INET6); cli6.connect(tcp6.getsockname()[:2]); keep.append(tcp6.accept()[0])
    sock()
    udp = sock(socket.AF_INET, socket.SOCK_DGRAM); udp.connect(("127.0.0.1", 9))
    sock(socket.AF_INET6, socket.SOCK_DGRAM).bind(("::1", 0))
    keep.extend(socket.socketpair()); keep.extend(socket.socketpair(socket.AF_UNIX, socket.SOCK_DGRAM))
    d = tempfile.mkdtemp(); path = os.path.join(d, "s>1")
    srv = sock(socket.AF_UNIX); srv.bind(path); srv.listen()
    sock(socket.AF_UNIX).connect(path); keep.append(srv.accept()[0])
    sock(socket.AF_UNIX, socket.SOCK_DGRAM).bind("\\0renacer-fdinfo-strace")
    sock(socket.AF_NETLINK, socket.SOCK_RAW, 0).bind((0, 0))
    sock(socket.AF_NETLINK, socket.SOCK_DGRAM, 4)
    sock(socket.AF_PACKET, socket.SOCK_DGRAM, 0)
    lite = sock(socket.AF_INET, socket.SOCK_DGRAM, 136)
    lite and lite.bind(("127.0.0.1", 0))
    fds = [s.fileno() for s in keep if s is not None]
    fds += [os.open("/dev/null", os.O_RDONLY), os.open("/dev/zero", os.O_RDONLY), os.open(d, os.O_RDONLY)]
    gone = os.path.join(d, "gone>1"); fds.append(os.open(gone, os.O_CREAT | os.O_RDWR)); os.unlink(gone)
    fds.append(os.open(os.path.join(d, "caf\u00e9"), os.O_CREAT | os.O_RDWR))
    fds += list(os.pipe())
    for fd in fds:
        fcntl.fcntl(fd, fcntl.F_GETOWN)
    print(os.getpid(), flush=True)
    sys.stdin.readline()
    os.unlink(path); os.unlink(os.path.join(d, "caf\u00e9")); os.rmdir(d)
    """
)
_SHOWN = re.compile(r"^fcntl\((\d+)(<.*>(?:\(deleted\))?), F_GETOWN")  # glibc asks F_GETOWN_EX


@pytest.mark.needs_strace
@pytest.mark.parametrize(
    ("level", "hx"), [(1, 0), (2, 0), (1, 1), (2, 2)], ids=["-y", "-yy", "-y-x", "-yy-xx"]
)
def test_annotations_match_strace_on_a_live_process(tmp_path: Path, level: int, hx: int) -> None:
    out = tmp_path / "trace"
    flags = ["-" + "y" * level] + (["-" + "x" * hx] if hx else [])
    proc = spawn([shutil.which("strace") or "strace", *flags, "-e", "trace=fcntl", "-o", str(out),
                  sys.executable, "-c", TRACEE], stdin=subprocess.PIPE)
    try:
        ready, _, _ = select.select([proc.stdout], [], [], 30)
        assert ready, "the tracee never got ready"
        pid = int(proc.stdout.readline())
        fds = os.listdir(f"/proc/{pid}/fd")
        links = {fd: os.readlink(f"/proc/{pid}/fd/{fd}") for fd in fds}
        ours = {fd: annotation(pid, int(fd), link, level, None, hx) for fd, link in links.items()}
    finally:
        proc.stdin.write(b"\n")
        proc.stdin.flush()
        reap(proc)
    shown = [m.groups() for m in map(_SHOWN.match, out.read_text().splitlines()) if m]  # -o: written at exit
    assert len(shown) >= 20
    assert [(fd, ours[fd]) for fd, _ in shown] == shown
