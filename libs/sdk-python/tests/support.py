"""Local HTTP servers for the tests: scripted answers, a recording proxy, a webhook receiver."""

from __future__ import annotations

import json
import socket
import threading
import time
import unittest
import urllib.error
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Callable

from arbiter_client import ArbiterError

FORWARDED = ("content-type", "x-api-key", "idempotency-key", "authorization", "accept")


@dataclass
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    #: The status answered, once known.
    status: int | None = None


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] | None = None


#: Answers the n-th request (from 1); None forwards it to the upstream (204 without one).
Responder = Callable[[int, Seen], "Reply | None"]


class LocalServer:
    """An HTTP server on 127.0.0.1 that records each request and answers as its responder says."""

    def __init__(self, responder: Responder | None = None, upstream: str | None = None) -> None:
        self.seen: list[Seen] = []
        self.responder = responder or (lambda n, seen: None)
        self.upstream = upstream
        self._lock = threading.Condition()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                server._handle(self)

            do_POST = do_GET

            def log_message(self, *args: Any) -> None:
                pass

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._http.daemon_threads = True
        threading.Thread(target=self._http.serve_forever, args=(0.05,), daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._http.server_address[1]}"

    def wait_for(self, count: int, timeout: float = 15.0) -> list[Seen]:
        """The requests once there are at least ``count``."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.seen) >= count, timeout):
                raise AssertionError(f"{len(self.seen)} of {count} request(s) in {timeout} s")
            return list(self.seen)

    def close(self) -> None:
        self._http.shutdown()
        self._http.server_close()

    def _handle(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        seen = Seen(
            method=handler.command,
            path=handler.path,
            headers={k.lower(): v for k, v in handler.headers.items()},
            body=handler.rfile.read(length),
            at=time.monotonic(),
        )
        with self._lock:
            self.seen.append(seen)
            n = len(self.seen)
        reply = self.responder(n, seen)
        if reply is None:
            reply = self.forward(seen) if self.upstream else Reply(204)
        seen.status = reply.status
        body = reply.body
        if body is not None and not isinstance(body, bytes):
            body = json.dumps(body).encode()
        handler.send_response(reply.status)
        headers = reply.headers or ({"Content-Type": "application/json"} if body else {})
        for name, value in headers.items():
            handler.send_header(name, value)
        handler.send_header("Content-Length", str(len(body or b"")))
        handler.end_headers()
        handler.wfile.write(body or b"")
        with self._lock:
            self._lock.notify_all()

    def forward(self, seen: Seen) -> Reply:
        """Sends the request on to the upstream and returns its answer."""
        headers = {k: v for k, v in seen.headers.items() if k in FORWARDED}
        request = urllib.request.Request(
            f"{self.upstream}{seen.path}",
            data=seen.body if seen.method != "GET" else None,
            headers=headers,
            method=seen.method,
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                return Reply(answer.status, answer.read(), _kept(answer.headers))
        except urllib.error.HTTPError as answer:
            return Reply(answer.code, answer.read(), _kept(answer.headers))


def _kept(headers: Any) -> dict[str, str]:
    return {k: v for k, v in headers.items() if k.lower() in ("content-type", "retry-after")}


def closed_port_url() -> str:
    """A loopback URL nothing listens on: connections to it are refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


class SilentServer:
    """Accepts connections (the kernel does, from its backlog) and never answers."""

    def __init__(self) -> None:
        self._sock = socket.create_server(("127.0.0.1", 0), backlog=16)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}"

    def close(self) -> None:
        self._sock.close()


class ArbiterAssertions(unittest.TestCase):
    def assertArbiterError(
        self, status: int, code: str, call: Callable[..., Any], *args: Any, **kwargs: Any
    ) -> ArbiterError:
        """Asserts ``call(*args, **kwargs)`` raises an ArbiterError of this status and code."""
        with self.assertRaises(ArbiterError) as caught:
            call(*args, **kwargs)
        self.assertEqual((caught.exception.status_code, caught.exception.code), (status, code))
        return caught.exception
