"""A tiny TCP load balancer for the cluster e2e tests: every new connection goes
to the first backend that accepts it (failover, like a load balancer whose
health check took a dead node out), so the browsers see one origin.

It can also play a network cut (:meth:`Balancer.cut`): every connection stays
open on both ends but its bytes are dropped, with no FIN or RST, as when a
laptop's lid closes or a phone loses its signal; :meth:`Balancer.mend` lets
new connections through again."""

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
        self._generation = 0  # connections of an older one were cut
        self._mended = threading.Event()
        self._mended.set()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self._server.accept()
            except OSError:
                return  # closed
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def cut(self) -> None:
        """Silence every open connection for good, and new ones until :meth:`mend`."""
        with self._lock:
            self._generation += 1
            self._mended.clear()

    def mend(self) -> None:
        """Let new connections through again (the cut ones stay silent)."""
        self._mended.set()

    def _serve(self, client: socket.socket) -> None:
        self._mended.wait()  # during a cut a connection hangs, as with no network
        generation = self._generation
        for address in self.backends:
            try:
                backend = socket.create_connection(address, timeout=2)
            except OSError:
                continue
            backend.settimeout(None)
            with self._lock:
                self._open.update((client, backend))
            pipe = (backend, client, generation)
            threading.Thread(target=self._pipe, args=pipe, daemon=True).start()
            self._pipe(client, backend, generation)
            return
        client.close()

    def _pipe(self, source: socket.socket, target: socket.socket, generation: int) -> None:
        try:
            while data := source.recv(65536):
                if generation == self._generation:  # else: cut, the bytes are lost
                    target.sendall(data)
        except OSError:
            pass
        finally:  # one side went away: so does the other (as with a real proxy),
            # unless the line was cut: then the other side never learns of it
            for sock in (source, target) if generation == self._generation else (source,):
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
