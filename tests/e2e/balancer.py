"""A tiny TCP load balancer for the cluster e2e tests: every new connection goes
to the first backend that accepts it (failover, like a load balancer whose
health check took a dead node out), so the browsers see one origin."""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator


class Balancer:
    """Listens on a free port of 127.0.0.1; ``base`` is its http:// address."""

    def __init__(self, backends: list[tuple[str, int]]) -> None:
        self.backends = backends
        self._server = socket.create_server(("127.0.0.1", 0))
        self.port = self._server.getsockname()[1]
        self.base = f"http://127.0.0.1:{self.port}"
        self._open: set[socket.socket] = set()
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        for address in self.backends:
            try:
                backend = socket.create_connection(address, timeout=2)
            except OSError:
                continue
            backend.settimeout(None)
            with self._lock:
                self._open.update((client, backend))
            threading.Thread(target=self._pipe, args=(backend, client), daemon=True).start()
            self._pipe(client, backend)
            return
        client.close()

    def _pipe(self, source: socket.socket, target: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                target.sendall(data)
        except OSError:
            pass
        finally:  # one side went away: so does the other (as with a real proxy)
            for sock in (source, target):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
                with self._lock:
                    self._open.discard(sock)

    def close(self) -> None:
        self._server.close()
        with self._lock:
            for sock in list(self._open):
                with contextlib.suppress(OSError):
                    sock.close()


@contextlib.contextmanager
def balancing(backends: list[tuple[str, int]]) -> Iterator[Balancer]:
    balancer = Balancer(backends)
    try:
        yield balancer
    finally:
        balancer.close()
