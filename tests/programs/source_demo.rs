// For --source and -k on Rust: `source_demo FILE` reads FILE with std::fs (through a small
// helper the optimizer may inline), then writes it to stdout through a BufWriter that is
// flushed explicitly. Each line that makes a syscall says which one in a trailing comment.
use std::fs::File;
use std::io::{BufWriter, Read, Write};

#[inline(never)]
fn load(path: &str) -> Vec<u8> {
    let mut file = File::open(path).expect("open"); // syscall: openat
    let mut data = Vec::new();
    file.read_to_end(&mut data).expect("read"); // syscall: read
    data
}

#[inline(always)]
fn emit(out: &mut BufWriter<std::io::Stdout>, data: &[u8]) {
    out.write_all(data).expect("write");
    out.flush().expect("flush"); // syscall: write
}

fn main() {
    let path = std::env::args().nth(1).unwrap_or_else(|| "/etc/hostname".to_string());
    let data = load(&path);
    let mut out = BufWriter::new(std::io::stdout());
    emit(&mut out, &data);
}
