// Pipes through std::io::pipe, and libc called directly through FFI declarations (no
// crates): the user line calls the libc wrapper itself, with no std frames in between.
use std::io::{Read, Write};
use std::os::fd::AsRawFd;

extern "C" {
    fn dup(fd: i32) -> i32;
    fn close(fd: i32) -> i32;
    fn getppid() -> i32;
}

fn main() {
    let (mut reader, mut writer) = std::io::pipe().unwrap(); // syscall: pipe2
    writer.write_all(b"through the pipe").unwrap(); // syscall: write
    let copy = unsafe { dup(writer.as_raw_fd()) }; // syscall: dup
    let closed = unsafe { close(copy) }; // syscall: close
    drop(writer); // syscall: close
    let mut text = String::new();
    reader.read_to_string(&mut text).unwrap(); // syscall: read
    let parent = unsafe { getppid() }; // syscall: getppid
    assert!(closed == 0 && parent > 0 && text.len() == 16);
} // syscall: close
