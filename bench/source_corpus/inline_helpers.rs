// Small helpers the optimizer inlines: #[inline(always)] even at opt-level 0, plain small
// fns at opt-level 2 and 3, and a helper calling a helper. The syscall belongs to the line
// inside the (inlined) helper, which only the inline tables of DWARF can recover.
use std::fs::{self, File};
use std::io::Write;

#[inline(always)]
fn touch(path: &str) -> File {
    File::create(path).unwrap() // syscall: openat
}

#[inline(always)]
fn put(f: &mut File, s: &str) {
    f.write_all(s.as_bytes()).unwrap(); // syscall: write
}

fn put_line(f: &mut File, s: &str) {
    put(f, s);
    f.write_all(b"\n").unwrap(); // syscall: write
}

fn exists(path: &str) -> bool {
    fs::metadata(path).is_ok() // syscall: statx
}

#[inline(never)]
fn remove(path: &str) {
    fs::remove_file(path).unwrap(); // syscall: unlink
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: inline_helpers DIR");
    let path = format!("{dir}/inline.txt");
    let mut f = touch(&path);
    put(&mut f, "a");
    put_line(&mut f, "b");
    let there = exists(&path);
    remove(&path);
    let gone = !exists(&path);
    assert!(there && gone);
}
