"""Slowloris-style clients against a server, while a polite client keeps asking (tests/docker/test_proxy.py,
benchmarks/proxy.py).

A slow client opens a connection (TLS when given a context), sends the start of a request and then
one more header byte every `drip` seconds, never finishing. A server that keeps one worker per
connection (gunicorn's sync and threaded workers) runs out of workers; a proxy that buffers and
times out slow clients (Caddy's read_header timeout) drops them and keeps answering.
"""

import socket
import ssl
import threading
import time
from dataclasses import dataclass, field


@dataclass
class SlowClientFigures:
    slow_clients: int = 0  # connections opened
    dropped_by_server: int = 0  # closed by the server before the end
    polite_sent: int = 0
    polite_in_time: int = 0  # answered (any status) within polite_timeout
    polite_latencies: list[float] = field(default_factory=list)

    @property
    def polite_max_s(self) -> float:
        return max(self.polite_latencies, default=float("nan"))

    def summary(self) -> str:
        return (
            f"{self.slow_clients} slow connections ({self.dropped_by_server} dropped by the server), "
            f"{self.polite_in_time}/{self.polite_sent} polite requests answered in time, "
            f"slowest {self.polite_max_s:.2f} s"
        )


def open_slow(port: int, host_header: str, context: ssl.SSLContext | None, server_name: str | None):
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    if context is not None:
        sock = context.wrap_socket(sock, server_hostname=server_name)
    sock.sendall(f"GET /api/items HTTP/1.1\r\nHost: {host_header}\r\nX-Slow: ".encode())
    return sock


def attack(
    port: int,
    polite,
    *,
    host_header: str,
    context: ssl.SSLContext | None = None,
    server_name: str | None = None,
    connections: int = 200,
    seconds: float = 15,
    drip: float = 1.0,
    polite_every: float = 0.25,
    polite_timeout: float = 2.0,
) -> SlowClientFigures:
    """Hold `connections` slow clients open on 127.0.0.1:port for `seconds`, while polite(timeout)
    (a function making one request, raising on failure) runs every polite_every seconds."""
    figures = SlowClientFigures()
    sockets = []
    for _ in range(connections):
        try:
            sockets.append(open_slow(port, host_header, context, server_name))
        except OSError:
            break  # the server accepts no more connections: that is a result too
    figures.slow_clients = len(sockets)
    stop = threading.Event()

    def ask_politely():
        while not stop.is_set():
            started = time.monotonic()
            figures.polite_sent += 1
            try:
                polite(polite_timeout)
                took = time.monotonic() - started
                figures.polite_latencies.append(took)
                figures.polite_in_time += took <= polite_timeout
            except (OSError, ssl.SSLError, ConnectionError):
                figures.polite_latencies.append(time.monotonic() - started)
            stop.wait(max(0.0, polite_every - (time.monotonic() - started)))

    asker = threading.Thread(target=ask_politely)
    asker.start()
    alive = set(range(len(sockets)))
    deadline = time.monotonic() + seconds
    try:
        while time.monotonic() < deadline:
            for n in list(alive):
                try:
                    sockets[n].send(b"a")
                except (OSError, ssl.SSLError):
                    alive.discard(n)
            time.sleep(drip)
    finally:
        stop.set()
        asker.join()
        for sock in sockets:
            sock.close()
    figures.dropped_by_server = len(sockets) - len(alive)
    return figures
