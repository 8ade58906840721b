// A Rust tracee: std's runtime setup (sigaltstack, poll, rt_sigaction), an
// openat + read of /etc/hostname through std::fs, and a write to stdout.
use std::io::Write;

fn main() {
    let name = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "hello from rust: {}", name.trim());
}
