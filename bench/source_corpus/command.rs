// std::process::Command: glibc's posix_spawn clones with CLONE_VM|CLONE_VFORK (clone3);
// status() opens /dev/null for Stdio::null, spawns, closes its end and waits (wait4), all
// inside the one call. The builder chain spans lines: rustc attributes the call to the
// line of the method that makes it (`.status()`, `.spawn()`), where the markers are.
// The vfork child's own syscalls run on a separate stack below posix_spawn: not marked.
use std::process::{Command, Stdio};

fn main() {
    let dir = std::env::args().nth(1).expect("usage: command DIR");
    let ok = Command::new("/bin/true").stdout(Stdio::null()).status().unwrap(); // syscall: openat, clone3, close, wait4
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg("exit 3")
        .current_dir(&dir)
        .spawn() // syscall: clone3
        .unwrap();
    let code = child.wait().unwrap().code(); // syscall: wait4
    let status = Command::new("/bin/true")
        .env("CORPUS", "1")
        .status() // syscall: clone3, wait4
        .unwrap();
    assert!(ok.success() && status.success() && code == Some(3));
}
