// A user Drop impl that makes a syscall: the syscall's innermost user frame is `drop`'s
// body, whichever line triggered the drop (an explicit drop(), the end of a scope, a
// temporary bound to `_`, or a value overwritten by assignment).
use std::fs;

struct Guard(String);

impl Guard {
    fn new(path: String) -> Guard {
        fs::write(&path, b"g").unwrap(); // syscall: openat, write, close
        Guard(path)
    }
}

impl Drop for Guard {
    fn drop(&mut self) {
        fs::remove_file(&self.0).unwrap(); // syscall: unlink
    }
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: drop_guard DIR");
    let a = Guard::new(format!("{dir}/a"));
    drop(a);
    {
        let _b = Guard::new(format!("{dir}/b"));
    }
    let _ = Guard::new(format!("{dir}/c"));
    let mut d = Guard::new(format!("{dir}/d"));
    d = Guard::new(format!("{dir}/e"));
    assert!(d.0.ends_with('e'));
}
