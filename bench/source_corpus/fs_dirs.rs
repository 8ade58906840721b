// Directories: mkdir, fs::write (open/write/close in one call), read_dir iterated by a for
// loop (getdents64 happens in the loop header's `next()`), rename, metadata, rmdir.
// The ReadDir's close happens when the loop ends; rustc attributes that drop to the loop's
// closing brace, so it is marked there.
use std::fs;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: fs_dirs DIR");
    let sub = format!("{dir}/sub");
    fs::create_dir(&sub).unwrap(); // syscall: mkdir
    fs::write(format!("{sub}/a"), b"a").unwrap(); // syscall: openat, write, close
    fs::write(format!("{sub}/b"), b"bb").unwrap(); // syscall: openat, write, close
    let mut names = Vec::new();
    let entries = fs::read_dir(&sub).unwrap(); // syscall: openat
    for entry in entries { // syscall: getdents64
        names.push(entry.unwrap().file_name());
    } // syscall: close
    fs::rename(format!("{sub}/a"), format!("{sub}/c")).unwrap(); // syscall: rename
    let size = fs::metadata(format!("{sub}/b")).unwrap().len(); // syscall: statx
    fs::remove_file(format!("{sub}/b")).unwrap(); // syscall: unlink
    fs::remove_file(format!("{sub}/c")).unwrap(); // syscall: unlink
    fs::remove_dir(&sub).unwrap(); // syscall: rmdir
    assert_eq!((names.len(), size), (2, 2));
}
