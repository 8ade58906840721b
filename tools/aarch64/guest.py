#!/usr/bin/env python3
"""An emulated aarch64 Linux machine that runs renacer's aarch64 test subset on a real arm64 kernel.

Usage (as root, on any Linux host; nothing here needs an Arm CPU):

    python tools/aarch64/guest.py test            # build the guest if needed, run the subset
    python tools/aarch64/guest.py test -- -k fork # extra pytest arguments after --
    python tools/aarch64/guest.py build           # only build (or rebuild with --force) the guest
    python tools/aarch64/guest.py run -- CMD...   # run one command in the guest, e.g. a generator

The guest is Debian bookworm for arm64 under ``qemu-system-aarch64`` (software emulation, the
``virt`` machine). It is built from nothing by this script:

1. ``debootstrap --foreign`` unpacks an arm64 root file system here (no Arm CPU or binfmt needed).
2. The arm64 kernel is taken from the Debian kernel package that debootstrap downloaded, with a
   small initramfs made here: busybox (static, arm64) and the virtio, ext4 and 9p modules.
3. ``mke2fs -d`` makes a disk image of the root file system, and the guest boots once to run
   debootstrap's second stage and install the Python test dependencies (wheels fetched here).

The image is cached in ``$RENACER_GUEST_DIR`` (default ``~/.cache/renacer-aarch64``) and only
rebuilt when the recipe in this file changes. Test runs boot it with ``-snapshot``, so it never
changes; the project is shared read-only into the guest over virtio-9p at /project, and the
guest runs ``tools/aarch64/guest-test.sh``, which prints the exit status on the console.
"""

from __future__ import annotations

import argparse
import fnmatch
import gzip
import hashlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
SUITE = "bookworm"
MIRROR = os.environ.get("RENACER_GUEST_MIRROR", "http://deb.debian.org/debian")
# The guest's packages: Python to run renacer and pytest, gcc and libc headers for the C fixtures,
# strace (the reference output), and the kernel (its image and modules boot the guest).
PACKAGES = ("python3", "python3-pip", "gcc", "libc6-dev", "strace", "procps", "linux-image-arm64",
            "busybox-static")
# Wheels installed in the guest from here (the guest has no network): the project's own lower bounds.
WHEELS = ("pyelftools>=0.31", "msgpack>=1.0", "pytest>=7.4", "hypothesis>=6.100")
# Modules the initramfs loads, in order: PCI virtio, the disk, ext4, and 9p for the shared project.
MODULES = ("virtio_pci_legacy_dev", "virtio_pci_modern_dev", "virtio_pci", "virtio_blk", "crc16",
           "crc32c_generic", "libcrc32c", "mbcache", "jbd2", "ext4", "netfs", "fscache", "9pnet",
           "9pnet_virtio", "9p")
# Downloaded for the host to take the kernel and busybox from, never installed in the guest:
# configuring them there (depmod, a full initramfs) costs most of an emulated build's time.
HOST_ONLY = ("linux-image-arm64", "linux-image-*-arm64", "linux-base", "initramfs-tools",
             "initramfs-tools-core", "klibc-utils", "libklibc", "kmod", "busybox-static")
IMAGE_SIZE = "6G"
MARK = "RENACER-GUEST"  # console lines the guest scripts print for this script to read


def recipe() -> str:
    """A digest of everything the image is built from: a change rebuilds the cached image."""
    parts = [SUITE, MIRROR, *PACKAGES, *WHEELS, *MODULES, *HOST_ONLY, IMAGE_SIZE,
             (HERE / "init.sh").read_text(), (HERE / "guest-setup.sh").read_text()]
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def fail(message: str) -> None:
    print(f"guest: {message}", file=sys.stderr)
    sys.exit(1)


def sh(*argv: str | Path, **kw: object) -> None:
    print("guest: $", " ".join(map(str, argv)), file=sys.stderr)
    done = subprocess.run([str(a) for a in argv], **kw)  # type: ignore[call-overload]
    if done.returncode:
        fail(f"{argv[0]} exited with {done.returncode}")


def host_tools() -> None:
    """Install the host's Debian packages this script uses when they are missing."""
    need = {"debootstrap": "debootstrap", "qemu-system-aarch64": "qemu-system-arm", "mke2fs": "e2fsprogs",
            "dpkg-deb": "dpkg"}
    missing = sorted({pkg for tool, pkg in need.items() if shutil.which(tool) is None})
    if not Path("/usr/share/qemu/efi-virtio.rom").exists() and shutil.which("qemu-system-aarch64") is None:
        missing.append("ipxe-qemu")
    if missing:
        if os.geteuid() != 0:
            fail(f"missing host packages (install as root): {' '.join(missing)}")
        sh("apt-get", "update", "-qq")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        sh("apt-get", "install", "-y", "-qq", *missing, env=env)


def cache_dir() -> Path:
    return Path(os.environ.get("RENACER_GUEST_DIR") or Path.home() / ".cache" / "renacer-aarch64")


# ---- the initramfs ------------------------------------------------------------------------------

def _cpio_newc(entries: list[tuple[str, int, bytes]]) -> bytes:
    """A newc cpio archive (the kernel's initramfs format) of (name, mode, data) entries."""
    out = bytearray()
    for ino, (name, mode, data) in enumerate([*entries, ("TRAILER!!!", 0, b"")], 1):
        raw = name.encode() + b"\0"
        fields = (ino, mode, 0, 0, 1, 0, len(data), 0, 0, 0, 0, len(raw), 0)
        out += b"070701" + b"".join(b"%08X" % f for f in fields) + raw
        out += b"\0" * (-len(out) % 4) + data
        out += b"\0" * (-len(out) % 4)
    return bytes(out)


def _module_depends(path: Path) -> list[str]:
    """The ``depends=`` of a kernel module's .modinfo section (what must be loaded before it)."""
    from elftools.elf.elffile import ELFFile

    with path.open("rb") as f:
        section = ELFFile(f).get_section_by_name(".modinfo")
        info = section.data().split(b"\0") if section is not None else []
    for item in info:
        if item.startswith(b"depends="):
            return [d for d in item[8:].decode().split(",") if d]
    return []


def make_initramfs(kernel_tree: Path, out: Path) -> None:
    """busybox, the MODULES with everything they depend on (in load order), and init.sh as /init."""
    release = next((kernel_tree / "lib/modules").iterdir()).name
    found = {p.name.removesuffix(".ko"): p for p in (kernel_tree / "lib/modules" / release).rglob("*.ko")}
    order: list[str] = []

    def add(name: str) -> None:
        name = name.replace("-", "_")
        key = name if name in found else name.replace("_", "-")
        if key not in found:
            return  # built into this kernel
        for dep in _module_depends(found[key]):
            add(dep)
        if key not in order:
            order.append(key)

    for name in MODULES:
        add(name)
    busybox = (kernel_tree / "bin/busybox").read_bytes()
    entries: list[tuple[str, int, bytes]] = [
        (d, 0o40755, b"") for d in ("bin", "dev", "proc", "sys", "newroot", "modules")]
    entries += [("bin/busybox", 0o100755, busybox), ("bin/sh", 0o120777, b"busybox"),
                ("init", 0o100755, (HERE / "init.sh").read_bytes()),
                ("modules/order", 0o100644, "".join(f"{m}.ko\n" for m in order).encode())]
    entries += [(f"modules/{m}.ko", 0o100644, found[m].read_bytes()) for m in order]
    out.write_bytes(gzip.compress(_cpio_newc(entries), 6))
    print(f"guest: initramfs: {len(order)} modules ({' '.join(order)})", file=sys.stderr)


def prune_host_only(rootfs: Path) -> None:
    """Drop HOST_ONLY from what debootstrap's second stage installs, and their packages."""
    listing = rootfs / "debootstrap/base"
    keep = [name for name in listing.read_text().split()
            if not any(fnmatch.fnmatchcase(name, pattern) for pattern in HOST_ONLY)]
    listing.write_text(" ".join(keep) + "\n")
    for deb in (rootfs / "var/cache/apt/archives").glob("*.deb"):
        if any(fnmatch.fnmatchcase(deb.name.split("_")[0], pattern) for pattern in HOST_ONLY):
            deb.unlink()


# ---- building ------------------------------------------------------------------------------------

def build(force: bool = False) -> Path:
    """The cached guest directory, built first if missing or made by another recipe."""
    host_tools()
    cache = cache_dir()
    stamp = cache / "ready"
    if not force and stamp.exists() and stamp.read_text().strip() == recipe():
        return cache
    cache.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="build.", dir=cache))
    started = time.monotonic()
    try:
        rootfs = work / "rootfs"
        sh("debootstrap", "--foreign", "--arch=arm64", "--variant=minbase", f"--include={','.join(PACKAGES)}",
           SUITE, rootfs, MIRROR, stdout=subprocess.DEVNULL)
        debs = rootfs / "var/cache/apt/archives"
        tree = work / "kernel"
        for pattern in ("linux-image-[0-9]*_arm64.deb", "busybox-static_*_arm64.deb"):
            for deb in debs.glob(pattern):
                sh("dpkg-deb", "-x", deb, tree)
        prune_host_only(rootfs)
        vmlinuz = next((tree / "boot").glob("vmlinuz-*"))
        shutil.copyfile(vmlinuz, work / "vmlinuz")
        make_initramfs(tree, work / "initrd.gz")
        wheels = rootfs / "opt/renacer-wheels"
        sh(sys.executable, "-m", "pip", "download", "-q", "--only-binary=:all:", "--python-version", "3.11",
           "--platform", "manylinux2014_aarch64", "--platform", "any", "-d", wheels, *WHEELS)
        shutil.copyfile(HERE / "guest-setup.sh", rootfs / "renacer-setup.sh")
        os.chmod(rootfs / "renacer-setup.sh", 0o755)
        sh("mke2fs", "-q", "-t", "ext4", "-L", "renacer-root", "-d", rootfs, work / "rootfs.img", IMAGE_SIZE)
        shutil.rmtree(rootfs)
        status = boot(work, "setup", work / "setup.log", timeout=3600)
        if status != 0:
            fail(f"the guest's setup failed ({status}); see {work / 'setup.log'}")
        for name in ("vmlinuz", "initrd.gz", "rootfs.img", "setup.log"):
            os.replace(work / name, cache / name)
        stamp.write_text(recipe() + "\n")
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"guest: built {cache} in {time.monotonic() - started:.0f} s", file=sys.stderr)
    return cache


# ---- booting -------------------------------------------------------------------------------------

def qemu_argv(guest: Path, mode: str, project: Path | None = None, io: Path | None = None,
              writable: bool = False) -> list[str]:
    argv = ["qemu-system-aarch64", "-M", "virt", "-cpu", "max,pauth-impdef=on", "-smp", "2", "-m", "3072",
            "-accel", "tcg,thread=multi", "-nographic", "-no-reboot", "-monitor", "none",
            "-kernel", str(guest / "vmlinuz"), "-initrd", str(guest / "initrd.gz"),
            "-append", f"console=ttyAMA0 panic=-1 quiet renacer.mode={mode}",
            "-drive", f"file={guest / 'rootfs.img'},if=none,id=root,format=raw",
            "-device", "virtio-blk-pci,drive=root", "-nic", "none"]
    if mode != "setup":
        argv.append("-snapshot")  # the cached image never changes
    if project is not None:
        readonly = "" if writable else ",readonly=on"
        argv += ["-virtfs", f"local,path={project},mount_tag=project,security_model=none{readonly}"]
    if io is not None:
        argv += ["-virtfs", f"local,path={io},mount_tag=io,security_model=none"]
    return argv


def boot(guest: Path, mode: str, log: Path, timeout: float, project: Path | None = None,
         io: Path | None = None, writable: bool = False) -> int:
    """Boot the guest, copy its console to stdout and ``log``; the exit status it reports."""
    status = None
    with log.open("w") as record, subprocess.Popen(
            qemu_argv(guest, mode, project, io, writable), stdout=subprocess.PIPE, stdin=subprocess.DEVNULL,
            stderr=subprocess.STDOUT, text=True, errors="replace") as qemu:
        deadline = time.monotonic() + timeout
        assert qemu.stdout is not None
        for line in qemu.stdout:
            record.write(line)
            sys.stdout.write(line)
            sys.stdout.flush()
            if line.startswith(f"{MARK}-EXIT "):
                status = int(line.split()[1])
            if time.monotonic() > deadline:
                print(f"guest: no result after {timeout:.0f} s: stopping the machine", file=sys.stderr)
                qemu.kill()
                break
        qemu.wait()
    return 125 if status is None else status


def parse(argv: list[str]) -> argparse.Namespace:
    """The command line: options, then everything after ``--`` as ``rest`` untouched (argparse alone
    would take ``-c`` of ``run --writable -- sh -c ...`` for an option of its own)."""
    ap = argparse.ArgumentParser(description="renacer's aarch64 test machine (qemu-system-aarch64)",
                                 usage="%(prog)s [-h] [--force] [--timeout S] [--writable] {build,test,run}"
                                       " [-- pytest arguments (test) | -- command (run)]")
    ap.add_argument("action", choices=("build", "test", "run"))
    ap.add_argument("--force", action="store_true", help="rebuild the guest image")
    ap.add_argument("--timeout", type=float, default=3600, help="seconds before the guest is stopped")
    ap.add_argument("--writable", action="store_true",
                    help="share the checkout read-write (run: for the tools/gen_*.py generators)")
    cut = argv.index("--") if "--" in argv else len(argv)
    args = ap.parse_args(argv[:cut])
    args.rest = argv[cut + 1:]
    return args


def main() -> int:
    args = parse(sys.argv[1:])
    if os.geteuid() != 0:
        fail("run as root: debootstrap and the guest's ptrace tests need it")
    guest = build(args.force)
    if args.action == "build":
        return 0
    if args.action == "test":
        command = ["tools/aarch64/guest-test.sh", *args.rest]
    else:
        command = args.rest
        if not command:
            fail("run: give a command after --")
    with tempfile.TemporaryDirectory(prefix="renacer-guest-io.") as io:
        line = " ".join(shlex.quote(word) for word in command)
        if args.writable:  # init.sh mounts the share read-only; qemu now lets it be written
            line = f"mount -o remount,rw /project && {line}"
        Path(io, "cmd").write_text(line + "\n")
        started = time.monotonic()
        status = boot(guest, "run", guest / "last-run.log", args.timeout, ROOT, Path(io), args.writable)
    print(f"guest: exit status {status} after {time.monotonic() - started:.0f} s", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
