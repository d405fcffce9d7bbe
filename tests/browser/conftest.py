"""Browser tests: Debian's chromium driven by Playwright, against the live test server and a tiny shop."""

import os
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(os.environ.get("ARTIFACTS_DIR", Path(__file__).resolve().parents[2] / "artifacts"))


def pytest_collection_modifyitems(config, items):  # type: ignore[no-untyped-def]
    # CI installs chromium, so there a missing browser is a failure, not a skip.
    if not os.path.exists(CHROMIUM) and not os.environ.get("CI"):
        skip = pytest.mark.skip(reason=f"no chromium at {CHROMIUM}")
        for item in items:
            if "tests/browser" in str(item.fspath):
                item.add_marker(skip)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    # Playwright's sync API runs an event loop in this thread; Django's async guard must let the ORM be.
    had_flag = "DJANGO_ALLOW_ASYNC_UNSAFE" in os.environ
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--no-first-run",
                "--disable-sync",
            ],
        )
        yield browser
        browser.close()
    if not had_flag:  # never leak it: the deployment check refuses it, rightly
        del os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"]


@pytest.fixture
def page(browser):  # type: ignore[no-untyped-def]
    context = browser.new_context(locale="fr-FR", viewport={"width": 1100, "height": 900})
    page = context.new_page()
    page.set_default_timeout(15_000)
    yield page
    context.close()


class Shop:
    """The merchant's site: records how the buyer came back."""

    def __init__(self) -> None:
        self.visits: list[dict[str, object]] = []
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, body: bytes) -> None:
                parts = urlsplit(self.path)
                if parts.path != "/favicon.ico":
                    shop.visits.append(
                        {
                            "method": self.command,
                            "path": parts.path,
                            "query": parse_qs(parts.query),
                            "form": parse_qs(body.decode()),
                        }
                    )
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.end_headers()
                self.wfile.write(b"<!doctype html><title>Shop</title><h1>Back at the shop</h1>")

            def do_GET(self) -> None:
                self._answer(b"")

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self._answer(self.rfile.read(length))

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def shop() -> Iterator[Shop]:
    shop = Shop()
    yield shop
    shop.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
