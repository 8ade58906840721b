// Recursion: the syscall is at the bottom of a deep stack of the same function (the
// unwinder walks many identical frames), and in mutually recursive functions (ping writes
// ping4 and ping2, pong removes them).
use std::fs;

fn descend(dir: &str, depth: u32) -> u64 {
    if depth == 0 {
        return fs::metadata(dir).map(|m| m.len()).unwrap_or(0) / u64::MAX; // syscall: statx
    }
    let below = descend(dir, depth - 1);
    below + depth as u64
}

fn ping(dir: &str, n: u32) {
    if n == 0 {
        return;
    }
    fs::write(format!("{dir}/ping{n}"), b"p").unwrap(); // syscall: openat, write, close
    pong(dir, n - 1);
}

fn pong(dir: &str, n: u32) {
    if n == 0 {
        return;
    }
    fs::remove_file(format!("{dir}/ping{}", n + 1)).unwrap(); // syscall: unlink
    ping(dir, n - 1);
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: recursion DIR");
    let sum = descend(&dir, 200);
    ping(&dir, 4);
    assert_eq!(sum, 200 * 201 / 2);
}
