"""For the webhook tests: a site's backend (a real HTTP server on loopback), form consents."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from sqlalchemy import select
from test_forms import DETAILS

from cookieconsent.extensions import db
from cookieconsent.forms import documents
from cookieconsent.models import WebhookEndpoint

PHONE = "8 701 234 56 78"


class Receiver:
    """Answers each POST as ``script`` says, in order (then 200): a status code, a status
    code with headers, or ``"hang"`` to answer nothing for ``hang_seconds``. Keeps every
    request it was sent."""

    def __init__(self, script=(), hang_seconds: float = 3.0):
        self.script = list(script)
        self.hang_seconds = hang_seconds
        self.requests: list[dict] = []
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append(
                        {"path": self.path, "headers": dict(self.headers), "body": body}
                    )
                    step = receiver.script.pop(0) if receiver.script else 200
                headers = {}
                if step == "hang":
                    time.sleep(receiver.hang_seconds)
                    step = 200  # too late: the sender gave up already
                elif isinstance(step, tuple):
                    step, headers = step
                try:
                    self.send_response(step)
                    for name, value in headers.items():
                        self.send_header(name, value)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:
                    pass

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/consent"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.server.shutdown()
        self.server.server_close()


def form_consents(client, site):
    """Publish the consent document; return a function that posts a form consent for a phone."""
    version = documents.publish(site, DETAILS)
    db.session.commit()

    def give(phone=PHONE):
        response = client.post("/api/v1/form-consents", json={
            "site": site.key, "form": "feedback", "document_version": version.number,
            "language": "ru", "agreed": True, "subject": {"phone": phone},
        }, headers={"User-Agent": "Mozilla/5.0 TestBrowser"})
        assert response.status_code == 201, response.get_json()
        return response.get_json()

    return give


def add_endpoint(admin_client, site, url, **form) -> WebhookEndpoint:
    response = admin_client.post(f"/admin/sites/{site.key}/webhooks", data={"url": url} | form)
    assert response.status_code == 302, response.get_data(as_text=True)
    return db.session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id.desc())).first()


def withdraw(client, given):
    response = client.post(f"/api/v1/consents/{given['consent_id']}/withdraw",
                           json={"receipt": given["receipt"]})
    assert response.status_code == 201, response.get_json()
