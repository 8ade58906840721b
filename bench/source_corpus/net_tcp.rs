// TCP on loopback, one thread: the client connects into the listener's backlog, then the
// server accepts. Rust's TcpStream write/read are send/recv: sendto/recvfrom syscalls.
use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};

fn main() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap(); // syscall: socket, setsockopt, bind, listen
    let addr = listener.local_addr().unwrap(); // syscall: getsockname
    let mut client = TcpStream::connect(addr).unwrap(); // syscall: socket, connect
    let (mut server, _) = listener.accept().unwrap(); // syscall: accept4
    client.write_all(b"ping").unwrap(); // syscall: sendto
    let mut buf = [0u8; 4];
    server.read_exact(&mut buf).unwrap(); // syscall: recvfrom
    server.set_nodelay(true).unwrap(); // syscall: setsockopt
    client.shutdown(Shutdown::Write).unwrap(); // syscall: shutdown
    let n = server.read(&mut buf).unwrap(); // syscall: recvfrom
    drop(server); // syscall: close
    drop(client); // syscall: close
    assert_eq!(n, 0);
} // syscall: close
