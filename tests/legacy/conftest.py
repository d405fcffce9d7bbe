"""A tiny legacy shop on loopback: it answers DETAIL with the amounts a test gives it, and OK to outcomes."""

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

import pytest

from payments.legacy.models import LegacySettings
from payments.models import Merchant, PaymentMethod
from tests.factories import make_merchant


@dataclass
class LegacyShop:
    url: str = ""
    amounts: dict[str, str] = field(default_factory=dict)  # Reference -> what DETAIL answers
    bodies: list[str] = field(default_factory=list)  # answered in turn instead of the usual one
    status: int = 200
    delay: float = 0.0  # seconds before answering: a slow shop
    received: list[dict[str, str]] = field(default_factory=list)

    def answer(self, query: dict[str, str]) -> str:
        if self.bodies:
            return self.bodies.pop(0)
        reference, action = query.get("Reference", ""), query.get("Action", "")
        reponse = self.amounts.get(reference, "0.000") if action == "DETAIL" else "OK"
        return f"Reference={reference}&Action={action}&Reponse={reponse}"

    def actions(self) -> list[str]:
        return [query.get("Action", "") for query in self.received]


def _handler(shop: LegacyShop) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            query = dict(parse_qsl(urlsplit(self.path).query, keep_blank_values=True))
            shop.received.append(query)
            time.sleep(shop.delay)
            payload = shop.answer(query).encode()
            self.send_response(shop.status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:  # keep the test output quiet
            pass

    return Handler


@pytest.fixture
def shop() -> Iterator[LegacyShop]:
    shop = LegacyShop()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(shop))
    server.daemon_threads = True
    shop.url = f"http://127.0.0.1:{server.server_address[1]}/modules/clictopay/control.php"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield shop
    server.shutdown()
    server.server_close()


@pytest.fixture
def legacy(shop: LegacyShop) -> LegacySettings:
    merchant: Merchant = make_merchant(currencies=("TND", "EUR"))
    for contract in merchant.contracts.all():
        contract.payment_methods.set(PaymentMethod.objects.all())
    return LegacySettings.objects.create(
        merchant=merchant,
        affilie="0870001",
        control_url=shop.url,
        success_url="https://shop.example.tn/paiement/ok.php",
        failure_url="https://shop.example.tn/paiement/echec.php?step=3",
    )


@pytest.fixture(autouse=True)
def _outcome_calls_inline(settings):  # type: ignore[no-untyped-def]
    # Outcome calls run inline (eager task) so a test sees them when the on-commit callbacks return.
    settings.LEGACY_EAGER_BACKGROUND = False
    settings.LEGACY_DETAIL_TIMEOUT = 2
    settings.LEGACY_CALL_TIMEOUT = 2
