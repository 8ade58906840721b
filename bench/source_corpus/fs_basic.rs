// std::fs basics: create, write, read back, remove. The File `f` is closed by its drop at
// the end of main's scope: rustc attributes that drop to the closing brace, so the close is
// marked there. `fs::read_to_string` opens, sizes (statx), reads until EOF and closes, all
// inside one call on one line.
use std::fs::{self, File};
use std::io::Write;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: fs_basic DIR");
    let path = format!("{dir}/basic.txt");
    let mut f = File::create(&path).unwrap(); // syscall: openat
    f.write_all(b"hello\n").unwrap(); // syscall: write
    let text = fs::read_to_string(&path).unwrap(); // syscall: openat, statx, read, close
    let copy = File::open(&path).unwrap(); // syscall: openat
    drop(copy); // syscall: close
    fs::remove_file(&path).unwrap(); // syscall: unlink
    println!("{}", text.len()); // syscall: write
} // syscall: close
