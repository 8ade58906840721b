// Closures: stored in variables and called later, boxed FnOnce, a closure that captures
// the file it writes to, and a closure handed to a std function (Option::map). The syscall
// belongs to the closure's body line, not to the line that calls the closure.
use std::fs::{self, File};
use std::io::Write;

fn run_twice(f: impl Fn(u8)) {
    f(1);
    f(2);
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: closures DIR");
    let path = format!("{dir}/closures.txt");
    let mut file = File::create(&path).unwrap(); // syscall: openat
    let mut log = |msg: &str| {
        file.write_all(msg.as_bytes()).unwrap(); // syscall: write
    };
    log("a\n");
    log("b\n");
    let stat = |p: &str| fs::metadata(p).map(|m| m.len()).unwrap_or(0); // syscall: statx
    let len = stat(&path);
    let later: Box<dyn FnOnce() -> usize> = Box::new(|| {
        fs::read(&path).unwrap().len() // syscall: openat, statx, read, close
    });
    let read_len = later();
    run_twice(|n| {
        fs::write(format!("{dir}/c{n}"), [n]).unwrap(); // syscall: openat, write, close
    });
    let removed = Some(format!("{dir}/c1")).map(|p| fs::remove_file(p).is_ok()); // syscall: unlink
    fs::remove_file(format!("{dir}/c2")).unwrap(); // syscall: unlink
    assert_eq!((len, read_len, removed), (4, 4, Some(true)));
} // syscall: close
