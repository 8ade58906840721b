// Trait objects: calls through a vtable (Box<dyn Store>), a default method calling a
// required one, and &mut dyn Write. The syscall line is inside the implementation the
// vtable picks.
use std::fs::{self, File};
use std::io::Write;

trait Store {
    fn put(&mut self, data: &[u8]);
    fn put_twice(&mut self, data: &[u8]) {
        self.put(data);
        self.put(data);
    }
}

struct FileStore(File);
struct DirStore(String, u32);

impl Store for FileStore {
    fn put(&mut self, data: &[u8]) {
        self.0.write_all(data).unwrap(); // syscall: write
    }
}

impl Store for DirStore {
    fn put(&mut self, data: &[u8]) {
        self.1 += 1;
        fs::write(format!("{}/item{}", self.0, self.1), data).unwrap(); // syscall: openat, write, close
    }
}

fn sink(out: &mut dyn Write) {
    out.flush().unwrap();
    writeln!(out, "done").unwrap(); // syscall: write
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: trait_objects DIR");
    let file = File::create(format!("{dir}/store.txt")).unwrap(); // syscall: openat
    let mut stores: Vec<Box<dyn Store>> = vec![Box::new(FileStore(file)), Box::new(DirStore(dir.clone(), 0))];
    for store in stores.iter_mut() {
        store.put(b"x");
        store.put_twice(b"y");
    }
    drop(stores); // syscall: close
    sink(&mut std::io::stdout());
    for i in 1..=3 {
        fs::remove_file(format!("{dir}/item{i}")).unwrap(); // syscall: unlink
    }
}
