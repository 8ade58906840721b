// Symbolization fixture (Rust): std::fs calls (openat, write, read, unlink) through a generic
// function, a closure and an #[inline(always)] helper, so frames land both in this file and
// in std (library/std/src/fs.rs).
use std::fs;
use std::io::Write;

#[inline(always)]
fn banner(out: &mut impl Write, text: &str) -> usize {
    out.write_all(text.as_bytes()).map(|_| text.len()).unwrap_or(0) // syscall: write
}

#[inline(never)]
fn round_trip<T: AsRef<[u8]>>(path: &str, data: T) -> usize {
    fs::write(path, data).unwrap(); // syscall: openat, write
    let back = fs::read(path).unwrap(); // syscall: openat, read
    fs::remove_file(path).unwrap(); // syscall: unlink
    back.len()
}

fn main() {
    let path = std::env::temp_dir().join(format!("sym_rust.{}", std::process::id()));
    let path = path.to_str().unwrap().to_owned();
    let sizes: Vec<usize> = (1..3).map(|k| round_trip(&path, vec![b'x'; k])).collect();
    let total = round_trip(&path, "text") + sizes.iter().sum::<usize>();
    let mut out = std::io::stdout().lock();
    banner(&mut out, if total > 0 { "ok\n" } else { "empty\n" });
}
