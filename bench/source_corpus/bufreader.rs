// BufReader: reads happen when the buffer runs dry, in the `lines()` iterator's next() at
// the for-loop header and in read_line. The file is smaller than the buffer, so one read
// fills it and one more read finds end of file. The Lines iterator (and its File) is dropped
// when the loop ends; rustc attributes that drop to the loop's closing brace.
use std::fs::{self, File};
use std::io::{BufRead, BufReader};

fn main() {
    let dir = std::env::args().nth(1).expect("usage: bufreader DIR");
    let path = format!("{dir}/lines.txt");
    fs::write(&path, "one\ntwo\nthree\n").unwrap(); // syscall: openat, write, close
    let reader = BufReader::new(File::open(&path).unwrap()); // syscall: openat
    let mut count = 0;
    for line in reader.lines() { // syscall: read
        count += line.unwrap().len();
    } // syscall: close
    let mut again = BufReader::with_capacity(4, File::open(&path).unwrap()); // syscall: openat
    let mut first = String::new();
    again.read_line(&mut first).unwrap(); // syscall: read
    drop(again); // syscall: close
    fs::remove_file(&path).unwrap(); // syscall: unlink
    assert_eq!((count, first.as_str()), (11, "one\n"));
}
