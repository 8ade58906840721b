// Threads: the clone3 is at the spawn line; each thread's syscalls are in its closure body,
// which runs on the new thread's stack under std's thread start routine. Scoped threads
// nest a closure inside a closure. Joins may or may not wait (futex): not marked.
use std::fs;
use std::thread;

fn main() {
    let dir = std::env::args().nth(1).expect("usage: threads DIR");
    let d1 = dir.clone();
    let worker = thread::spawn(move || { // syscall: clone3
        fs::write(format!("{d1}/t1"), b"1").unwrap(); // syscall: openat, write, close
    });
    worker.join().unwrap();
    thread::scope(|s| {
        s.spawn(|| { // syscall: clone3
            let n = fs::read(format!("{dir}/t1")).unwrap().len(); // syscall: openat, statx, read, close
            assert_eq!(n, 1);
        });
    });
    fs::remove_file(format!("{dir}/t1")).unwrap(); // syscall: unlink
}
