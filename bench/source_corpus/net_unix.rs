// Unix-domain stream sockets under the temp dir: bind/listen/connect/accept; a write on a
// UnixStream is a send with MSG_NOSIGNAL (sendto), a read is recvfrom.
use std::io::{Read, Write};
use std::os::unix::net::{UnixListener, UnixStream};

fn main() {
    let dir = std::env::args().nth(1).expect("usage: net_unix DIR");
    let path = format!("{dir}/sock");
    let listener = UnixListener::bind(&path).unwrap(); // syscall: socket, bind, listen
    let mut client = UnixStream::connect(&path).unwrap(); // syscall: socket, connect
    let (mut server, _) = listener.accept().unwrap(); // syscall: accept4
    client.write_all(b"hi").unwrap(); // syscall: sendto
    let mut buf = [0u8; 2];
    server.read_exact(&mut buf).unwrap(); // syscall: recvfrom
    let (a, b) = UnixStream::pair().unwrap(); // syscall: socketpair
    drop(a); // syscall: close
    drop(b); // syscall: close
    std::fs::remove_file(&path).unwrap(); // syscall: unlink
    assert_eq!(&buf, b"hi");
} // syscall: close
