// Generic functions monomorphized for several types: the syscall is in the generic body,
// one source line shared by every instance (File, TcpStream, a &mut dyn Write).
use std::fs::File;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;

fn emit<W: Write + ?Sized>(out: &mut W, tag: &str) {
    out.write_all(tag.as_bytes()).unwrap(); // syscall: write, sendto
}

fn size_of_file<P: AsRef<Path>>(path: P) -> u64 {
    std::fs::metadata(path).unwrap().len() // syscall: statx
}

fn open_all<P: AsRef<Path> + Copy>(paths: &[P]) -> Vec<File> {
    paths.iter().map(|p| File::open(p).unwrap()).collect() // syscall: openat
}

fn main() {
    let dir = std::env::args().nth(1).expect("usage: generics DIR");
    let path = format!("{dir}/g.txt");
    let mut file = File::create(&path).unwrap(); // syscall: openat
    emit(&mut file, "file\n");
    let listener = TcpListener::bind("127.0.0.1:0").unwrap(); // syscall: socket, setsockopt, bind, listen
    let mut sock = TcpStream::connect(listener.local_addr().unwrap()).unwrap(); // syscall: getsockname, socket, connect
    emit(&mut sock, "sock\n");
    let dynamic: &mut dyn Write = &mut file;
    emit(dynamic, "dyn\n");
    let a = size_of_file(&path);
    let b = size_of_file(Path::new(&path));
    let files = open_all(&[path.as_str(), path.as_str()]);
    let (mut conn, _) = listener.accept().unwrap(); // syscall: accept4
    let mut got = [0u8; 5];
    conn.read_exact(&mut got).unwrap(); // syscall: recvfrom
    assert_eq!((a, b, files.len(), &got), (9, 9, 2, b"sock\n"));
}
