"""A stub of the few Stripe endpoints Alipay and WeChat Pay use, for what
localstripe cannot do: it knows neither payment method (its PaymentIntents
take no payment_method_data, confirm or return_url, and its PaymentMethods are
cards and SEPA debits only).

It answers as Stripe's API reference says, through the real Stripe client
(form-encoded requests, JSON answers), and records each request, so a test
sees exactly what our gateway sent. Outcomes then arrive as signed webhook
events (stripe_fake.signed), as with the card tests.
"""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

# A 1×1 PNG: what Stripe's image_data_url carries is a PNG of the QR code.
QR_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNk"
    "+A8AAQUBAScY42YAAAAASUVORK5CYII="
)


class StripeStub:
    def __init__(self) -> None:
        self.intents: dict[str, dict[str, Any]] = {}
        self.requests: list[tuple[str, str, dict[str, str], dict[str, str]]] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "StripeStub":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        self.intents.clear()
        self.requests.clear()

    def calls(self, method: str, path: str) -> list[tuple[dict[str, str], dict[str, str]]]:
        return [(form, head) for m, p, form, head in self.requests if (m, p) == (method, path)]

    def set_status(self, intent_id: str, status: str, error: str = "") -> dict[str, Any]:
        """What the payer did on Alipay's page or in WeChat: the intent as it now is."""
        intent = self.intents[intent_id]
        intent["status"] = status
        if status != "requires_action":
            intent["next_action"] = None
        intent["last_payment_error"] = {"message": error} if error else None
        return intent

    # --- the endpoints ------------------------------------------------------------

    def create_intent(self, form: dict[str, str]) -> dict[str, Any]:
        intent_id = f"pi_stub_{time.time_ns()}"
        method = form.get("payment_method_types[0]", "card")
        intent: dict[str, Any] = {
            "id": intent_id,
            "object": "payment_intent",
            "amount": int(form["amount"]),
            "currency": form["currency"],
            "client_secret": f"{intent_id}_secret_stub",
            "metadata": {
                key[len("metadata[") : -1]: value
                for key, value in form.items()
                if key.startswith("metadata[")
            },
            "payment_method_types": [method],
            "status": "requires_payment_method",
            "next_action": None,
            "last_payment_error": None,
        }
        confirmed = form.get("confirm") == "true"
        if method == "alipay" and confirmed:
            intent["status"] = "requires_action"
            intent["next_action"] = {
                "type": "redirect_to_url",
                "redirect_to_url": {
                    "url": f"https://pm-redirects.stripe.com/authorize/acct_stub/{intent_id}",
                    "return_url": form.get("return_url"),
                },
            }
        elif method == "wechat_pay" and confirmed:
            intent["status"] = "requires_action"
            intent["next_action"] = {
                "type": "wechat_pay_display_qr_code",
                "wechat_pay_display_qr_code": {
                    "data": f"weixin://wxpay/bizpayurl?pr={intent_id}",
                    "image_data_url": QR_PNG,
                    "hosted_instructions_url": f"https://pay.stripe.com/wechat/{intent_id}",
                    "image_url_png": "https://qr.stripe.com/x.png",
                    "image_url_svg": "https://qr.stripe.com/x.svg",
                },
            }
        self.intents[intent_id] = intent
        return intent

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _route(self, method: str) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                form = dict(parse_qsl(self.rfile.read(length).decode())) if length else {}
                path = self.path.split("?")[0]
                stub.requests.append((method, path, form, dict(self.headers)))
                parts = path.strip("/").split("/")
                if method == "POST" and parts == ["v1", "payment_intents"]:
                    return self._answer(200, stub.create_intent(form))
                if parts[:2] == ["v1", "payment_intents"] and parts[2] in stub.intents:
                    intent = stub.intents[parts[2]]
                    if method == "POST" and parts[3:] == ["cancel"]:
                        stub.set_status(intent["id"], "canceled")
                    return self._answer(200, intent)
                if method == "POST" and parts == ["v1", "refunds"]:
                    return self._answer(
                        200,
                        {
                            "id": f"re_stub_{time.time_ns()}",
                            "object": "refund",
                            "amount": int(form["amount"]),
                            "payment_intent": form["payment_intent"],
                            "status": "succeeded",
                        },
                    )
                return self._answer(404, {"error": {"type": "invalid_request_error"}})

            def do_GET(self) -> None:
                self._route("GET")

            def do_POST(self) -> None:
                self._route("POST")

        return Handler
