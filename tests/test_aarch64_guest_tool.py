"""tools/aarch64/guest.py's own pieces, on any host: the initramfs archive, the pruned package
list, the qemu command line. (Booting the guest is ``python tools/aarch64/guest.py test``.)"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

TOOL = Path(__file__).resolve().parent.parent / "tools/aarch64/guest.py"


def _tool():
    spec = importlib.util.spec_from_file_location("aarch64_guest", TOOL)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["aarch64_guest"] = module
    spec.loader.exec_module(module)
    return module


def _read_newc(data: bytes) -> list[tuple[str, int, bytes]]:
    """The (name, mode, data) entries of a newc archive, read as the kernel's initramfs reader does."""
    entries, at = [], 0
    while True:
        assert data[at:at + 6] == b"070701"
        fields = [int(data[at + 6 + 8 * i: at + 14 + 8 * i], 16) for i in range(13)]
        mode, size, namesize = fields[1], fields[6], fields[11]
        name_at = at + 110
        name = data[name_at:name_at + namesize - 1].decode()
        assert data[name_at + namesize - 1] == 0
        body = name_at + namesize + (-(name_at + namesize) % 4)
        if name == "TRAILER!!!":
            return entries
        entries.append((name, mode, data[body:body + size]))
        at = body + size + (-(body + size) % 4)


def test_initramfs_archive_is_newc_with_every_entry_intact() -> None:
    tool = _tool()
    entries = [("bin", 0o40755, b""), ("init", 0o100755, b"#!/bin/sh\necho hi\n"),
               ("a/odd", 0o100644, b"x" * 5)]
    assert _read_newc(tool._cpio_newc(entries)) == entries


def test_host_only_packages_leave_the_guests_list_and_archive(tmp_path) -> None:
    tool = _tool()
    (tmp_path / "debootstrap").mkdir()
    listing = "gcc linux-image-6.1.0-50-arm64 kmod python3 initramfs-tools\n"
    (tmp_path / "debootstrap/base").write_text(listing)
    archives = tmp_path / "var/cache/apt/archives"
    archives.mkdir(parents=True)
    for deb in ("gcc_12_arm64.deb", "linux-image-6.1.0-50-arm64_6.1.176-1_arm64.deb", "kmod_30_arm64.deb"):
        (archives / deb).write_bytes(b"")
    tool.prune_host_only(tmp_path)
    assert (tmp_path / "debootstrap/base").read_text().split() == ["gcc", "python3"]
    assert sorted(p.name for p in archives.iterdir()) == ["gcc_12_arm64.deb"]


def test_test_runs_never_change_the_image_and_share_the_checkout_read_only(tmp_path) -> None:
    tool = _tool()
    argv = tool.qemu_argv(tmp_path, "run", Path("/src"), Path("/io"))
    assert "-snapshot" in argv and "qemu-system-aarch64" == argv[0]
    shares = [argv[i + 1] for i, word in enumerate(argv) if word == "-virtfs"]
    assert shares[0].startswith("local,path=/src,mount_tag=project") and shares[0].endswith("readonly=on")
    assert "readonly" not in shares[1]
    assert "-snapshot" not in tool.qemu_argv(tmp_path, "setup")  # the build writes its image
    writable = tool.qemu_argv(tmp_path, "run", Path("/src"), Path("/io"), writable=True)
    assert not any("readonly" in word for word in writable)


def test_everything_after_the_double_dash_is_the_command_even_with_options_before_it() -> None:
    tool = _tool()
    command = ["sh", "-c", "python3 tools/gen_signatures.py"]
    args = tool.parse(["run", "--writable", "--", *command])
    assert (args.action, args.writable, args.rest) == ("run", True, command)
    pytest_args = ["tests/test_seccomp.py", "-k", "restart"]
    args = tool.parse(["test", "--timeout", "60", "--", *pytest_args])
    assert (args.action, args.timeout, args.rest) == ("test", 60.0, pytest_args)
    assert tool.parse(["build"]).rest == []
    # only the first -- is the tool's: renacer's own -- stays in the command
    args = tool.parse(["run", "--", "python3", "-m", "renacer", "-f", "--", "sh", "-c", "echo hi"])
    assert args.rest == ["python3", "-m", "renacer", "-f", "--", "sh", "-c", "echo hi"]
