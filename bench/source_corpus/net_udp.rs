// UDP on loopback: two sockets, send_to/recv_from, then connected send/recv.
use std::net::UdpSocket;

fn main() {
    let a = UdpSocket::bind("127.0.0.1:0").unwrap(); // syscall: socket, bind
    let b = UdpSocket::bind("127.0.0.1:0").unwrap(); // syscall: socket, bind
    let b_addr = b.local_addr().unwrap(); // syscall: getsockname
    a.send_to(b"one", b_addr).unwrap(); // syscall: sendto
    let mut buf = [0u8; 8];
    let (n, from) = b.recv_from(&mut buf).unwrap(); // syscall: recvfrom
    b.connect(from).unwrap(); // syscall: connect
    b.send(b"two").unwrap(); // syscall: sendto
    let m = a.recv(&mut buf).unwrap(); // syscall: recvfrom
    assert_eq!((n, m), (3, 3));
}
