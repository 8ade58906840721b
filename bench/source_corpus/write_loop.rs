// A loop of small writes to a file through a generic helper: N writes (argv[2], default 4)
// for the overhead benchmark, each attributed to the helper's line.
use std::fs::File;
use std::io::Write;

fn record<W: Write>(out: &mut W, i: u32) {
    out.write_all(&i.to_le_bytes()).unwrap(); // syscall: write
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: write_loop DIR [N]");
    let n: u32 = std::env::args().nth(2).map_or(4, |s| s.parse().unwrap());
    let path = format!("{dir}/loop.bin");
    let mut f = File::create(&path).unwrap(); // syscall: openat
    for i in 0..n {
        record(&mut f, i);
    }
    std::fs::remove_file(&path).unwrap(); // syscall: unlink
}
