// For --transpiler-map: a stand-in for Rust a transpiler generated from transpiled_app.py, with
// transpiled_app.map.json mapping its lines back. `transpiled_app PATH` writes a record to PATH
// and reads it back, 200 times (openat, write and close; openat, statx, read and close), then
// removes it (unlink), prints the total (write) and exits (exit_group): about 1,600
// syscalls made from this file's mapped lines, against the ~60 of ld.so and std's start-up.
// Left out of the map on purpose: each function's closing brace (where a File is dropped:
// close), so those calls fall back to the line before them ('approximate').
use std::io::Write;

fn write_record(path: &str, row: i64) {
    let mut f = std::fs::File::create(path).expect("open");
    f.write_all(format!("row {}\n", row).as_bytes()).expect("write");
}

fn read_record(path: &str) -> String {
    let f = std::fs::read_to_string(path).expect("read");
    f
}

fn process_data(rows: std::ops::Range<i64>, path: &str) -> usize {
    let mut total = 0;
    for row in rows {
        write_record(path, row);
        total += read_record(path).len();
    }
    total
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let path = if args.len() > 1 { args[1].clone() } else { "transpiled_app.tmp".to_string() };
    let total = process_data(0..200, &path);
    std::fs::remove_file(&path).expect("remove");
    println!("{} bytes", total);
    std::process::exit(0);
}
