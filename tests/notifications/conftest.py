"""A tiny shop on loopback that answers notifications as a test scripts it, and records what it got."""

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest


@dataclass
class Received:
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str]
    content_type: str

    @property
    def params(self) -> dict[str, str]:
        return self.query | self.form


@dataclass
class Shop:
    url: str
    statuses: list[int] = field(default_factory=list)  # answered in turn; 200 once they run out
    delay: float = 0.0  # seconds before answering: a slow shop
    received: list[Received] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def next_status(self) -> int:
        with self.lock:
            return self.statuses.pop(0) if self.statuses else 200


def _handler(shop: Shop) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def _answer(self, body: str) -> None:
            parts = urlsplit(self.path)
            shop.received.append(
                Received(
                    method=self.command,
                    path=parts.path,
                    query=dict(parse_qsl(parts.query)),
                    form=dict(parse_qsl(body)),
                    content_type=self.headers.get("Content-Type", ""),
                )
            )
            time.sleep(shop.delay)
            status = shop.next_status()
            payload = ("OK" if status == 200 else f"shop error {status}").encode()
            self.send_response(status)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def do_GET(self) -> None:
            self._answer("")

        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length", 0))
            self._answer(self.rfile.read(length).decode())

        def log_message(self, *args: object) -> None:  # keep the test output quiet
            pass

    return Handler


@pytest.fixture
def shop() -> Iterator[Shop]:
    shop = Shop(url="")
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(shop))
    server.daemon_threads = True
    shop.url = f"http://127.0.0.1:{server.server_address[1]}/notify"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield shop
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _inline_retries_without_delay(settings):  # type: ignore[no-untyped-def]
    # Attempts run inline (tests see them when the call returns), retries are due at once, and the
    # test decides when they run by calling the retry service.
    settings.CALLBACK_EAGER_BACKGROUND = False
    settings.CALLBACK_RETRY_DELAYS = [0, 0, 0]
    settings.CALLBACK_TIMEOUT = 5
