"""A threaded loopback service in Python: a TCP echo server in a thread, clients in two more.

Traced with -f: thread creation (clone3), futex waits, socket, bind, listen, accept4, connect,
sendall/recv, and the interpreter's own start-up and shutdown.
"""

import socket
import threading

srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(4)
port = srv.getsockname()[1]


def serve(n: int) -> None:
    for _ in range(n):
        conn, _ = srv.accept()
        with conn:
            conn.sendall(conn.recv(64).upper())


def ask(word: bytes) -> None:
    with socket.create_connection(("127.0.0.1", port)) as c:
        c.sendall(word)
        c.recv(64)


server = threading.Thread(target=serve, args=(2,))
server.start()
clients = [threading.Thread(target=ask, args=(w,)) for w in (b"one", b"two")]
for t in clients:
    t.start()
for t in clients:
    t.join()
server.join()
srv.close()
