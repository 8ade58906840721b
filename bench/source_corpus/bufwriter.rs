// BufWriter: small writes only fill the buffer; the write syscall happens at an explicit
// flush, at a write too large for the buffer, and at the drop at the end of the scope. The
// drop (BufWriter's flush, then File's close) is attributed by rustc to the closing brace
// of the block, so both are marked there.
use std::fs::{self, File};
use std::io::{BufWriter, Write};

fn main() {
    let dir = std::env::args().nth(1).expect("usage: bufwriter DIR");
    let path = format!("{dir}/buf.txt");
    {
        let mut w = BufWriter::with_capacity(16, File::create(&path).unwrap()); // syscall: openat
        w.write_all(b"abc").unwrap();
        w.write_all(b"def").unwrap();
        w.flush().unwrap(); // syscall: write
        w.write_all(b"ghi").unwrap();
        w.write_all(&[b'z'; 32]).unwrap(); // syscall: write
        w.write_all(b"tail").unwrap();
    } // syscall: write, close
    let mut out = BufWriter::new(std::io::stdout().lock());
    writeln!(out, "{}", fs::metadata(&path).unwrap().len()).unwrap(); // syscall: statx
    out.flush().unwrap(); // syscall: write
    fs::remove_file(&path).unwrap(); // syscall: unlink
}
