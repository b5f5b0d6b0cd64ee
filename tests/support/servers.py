"""Loopback stand-ins for servers from outside that answer as no simulator does: a discovery host answering every
GET as a test wants, and a Graph that trickles its answer."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Respond = Callable[[BaseHTTPRequestHandler], None]
STOP_POLL_SECONDS = 0.01
"""How often a loopback server's loop looks whether `shutdown` asks it to end: socketserver's default (half a second)
is what each test that stops one would wait."""


@contextmanager
def serving(respond: Respond) -> Iterator[str]:
    """A loopback server answering every GET with `respond`; yields the URL of its discovery document."""

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            with contextlib.suppress(OSError):  # the client hung up, as it does on a body too large or too slow
                respond(self)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the test output is for failures."""

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": STOP_POLL_SECONDS}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/.well-known/openid-configuration"
    finally:
        server.shutdown()
        server.server_close()


class TricklingGraph(ThreadingHTTPServer):
    """A server in trouble (or a hostile one): the headers at once, then a valid JSON body one byte at a time, one
    every `pause` seconds, each well within any read timeout."""

    def __init__(self, body: bytes, pause: float) -> None:
        self.stopped = threading.Event()
        stopped = self.stopped

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                try:
                    for byte in body:
                        if stopped.wait(pause):
                            return
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                except OSError:
                    return  # the client gave up

            def log_message(self, format: str, *args: object) -> None:
                """Quiet."""

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, kwargs={"poll_interval": STOP_POLL_SECONDS}, daemon=True).start()

    def stop(self) -> None:
        self.stopped.set()
        self.shutdown()
