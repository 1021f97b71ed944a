"""Xero's webhooks, sent by the sandbox: every committed change to a contact, invoice (or bill)
or credit note becomes an event; a background thread batches the events of a short window into
one signed delivery (`x-xero-signature` = base64 HMAC-SHA256 of the raw body with the webhook
key), retries a failed delivery with backoff (bounded), and first checks the subscription with
Xero's intent to receive (a correctly signed empty batch must get 200 with an empty body, a
wrongly signed one 401). Never inside the request that made the change.

Configuration (app.config, defaults here): `SANDBOX_WEBHOOKS` on/off (default on with the
sandbox, off under TESTING), `SANDBOX_WEBHOOK_URL` (default: this app's `/webhooks/xero`),
`SANDBOX_WEBHOOK_KEY` (default: `XERO_WEBHOOK_KEY`, else "sandbox-webhook-key"),
`SANDBOX_WEBHOOK_BATCH_SECONDS` (1), `SANDBOX_WEBHOOK_RETRY_SECONDS` (1, doubled each time),
`SANDBOX_WEBHOOK_ATTEMPTS` (5). The CLI/_control switch (stored, shared by processes) wins.
"""

import base64
import hashlib
import hmac
import json
import logging
import os
import random
import string
import threading
import time
from collections import deque
from urllib.parse import urlsplit

import requests

from widget.sandbox.changes import Change, on_commit
from widget.sandbox.documents import next_value
from widget.sandbox.models import Setting

log = logging.getLogger(__name__)

CATEGORIES = {"contact": "CONTACT", "invoice": "INVOICE", "creditnote": "CREDITNOTE"}
RESOURCES = {"contact": "Contacts", "invoice": "Invoices", "creditnote": "CreditNotes"}
DEFAULT_KEY = "sandbox-webhook-key"
RECEIVER_PATH = "/webhooks/xero"
SEQUENCE = ("_webhooks", "sequence")  # (tenant_id, name) of the sb_counters row


def sign(body: bytes, key: str) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def event_json(change: Change) -> dict:
    event = {
        "resourceUrl": (
            f"https://api.xero.com/api.xro/2.0/{RESOURCES[change.kind]}/{change.doc_id}"
        ),
        "resourceId": change.doc_id,
        "eventDateUtc": change.when.isoformat(timespec="milliseconds"),
        "eventType": "CREATE" if change.created else "UPDATE",
        "eventCategory": CATEGORIES[change.kind],
        "tenantId": change.tenant_id,
        "tenantType": "ORGANISATION",
    }
    if change.data:
        event["data"] = change.data
    return event


def _entropy() -> str:
    return "".join(random.choices(string.ascii_uppercase, k=20))


class Webhooks:
    """The sandbox's webhook sender (one per Sandbox, its thread started on the first event)."""

    def __init__(self, sandbox):
        self.sandbox = sandbox
        self.request_root: str | None = None  # the last host the sandbox was called on
        self.deliveries: deque[dict] = deque(maxlen=50)  # what happened, newest last
        self._events: list[dict] = []
        self._busy = 0
        self._cond = threading.Condition()
        self._thread: threading.Thread | None = None
        self._verified: tuple[str, str] | None = None
        self._switch_cache: tuple[float, dict] = (0.0, {})
        on_commit(sandbox.sessions, self._changed)

    # -- configuration ----------------------------------------------------------------------
    def _settings(self) -> dict:
        read_at, values = self._switch_cache
        if time.monotonic() - read_at > 1.0:
            with self.sandbox.sessions() as session:
                values = {row.name: row.value for row in session.query(Setting).all()}
            self._switch_cache = (time.monotonic(), values)
        return values

    def enabled(self) -> bool:
        config = self.sandbox.config
        switch = self._settings().get("webhooks") or config.get("SANDBOX_WEBHOOKS")
        if switch:
            return str(switch).lower() in ("on", "1", "true", "yes")
        return not config.get("TESTING") and bool(config.get("SANDBOX_ENABLED", True))

    def url(self) -> str:
        config = self.sandbox.config
        chosen = self._settings().get("webhook_url") or config.get("SANDBOX_WEBHOOK_URL")
        if chosen:
            return chosen
        sandbox_url = config.get("XERO_SANDBOX_URL")
        if sandbox_url:
            parts = urlsplit(sandbox_url)
            return f"{parts.scheme}://{parts.netloc}{RECEIVER_PATH}"
        root = self.request_root or f"http://localhost:{os.environ.get('PORT', '5000')}/"
        return root.rstrip("/") + RECEIVER_PATH

    def key(self) -> str:
        config = self.sandbox.config
        return config.get("SANDBOX_WEBHOOK_KEY") or config.get("XERO_WEBHOOK_KEY") or DEFAULT_KEY

    def _number(self, name: str, default: float) -> float:
        return float(self.sandbox.config.get(name, default))

    def switch(self, on: bool | None = None, url: str | None = None) -> dict:
        """Set (for every process using this sandbox store) whether and where to send."""
        with self.sandbox.sessions() as session, session.begin():
            if on is not None:
                session.merge(Setting(name="webhooks", value="on" if on else "off"))
            if url is not None:
                session.merge(Setting(name="webhook_url", value=url))
        self._switch_cache = (0.0, {})
        self._verified = None  # a new subscription: check the intent to receive again
        return self.status()

    def clear_switches(self) -> None:
        """Back to the configuration's defaults (forget the CLI/_control switches)."""
        with self.sandbox.sessions() as session, session.begin():
            session.query(Setting).filter(Setting.name.in_(("webhooks", "webhook_url"))).delete()
        self._switch_cache = (0.0, {})
        self._verified = None

    def status(self) -> dict:
        return {
            "enabled": self.enabled(),
            "url": self.url(),
            "verified": self._verified == (self.url(), self.key()),
            "deliveries": list(self.deliveries)[-10:],
        }

    # -- collecting -------------------------------------------------------------------------
    def _changed(self, changes: list[Change]) -> None:
        wanted = [change for change in changes if change.kind in CATEGORIES]
        if not wanted or not self.enabled():
            return
        with self._cond:
            self._events.extend(event_json(change) for change in wanted)
            self._ensure_thread()
            self._cond.notify_all()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._thread = threading.Thread(target=self._run, name="sandbox-webhooks", daemon=True)
            self._thread.start()

    def flush(self, timeout: float = 30.0) -> bool:
        """Wait until every event noted so far is delivered or given up (for the CLI)."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._events or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.1))
        return True

    # -- sending ----------------------------------------------------------------------------
    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._events:
                    self._cond.wait()
                self._busy += 1
            try:
                time.sleep(self._number("SANDBOX_WEBHOOK_BATCH_SECONDS", 1.0))
                with self._cond:
                    batch, self._events = self._events, []
                self._deliver(batch)
            except Exception:  # the sender must outlive any one failure
                log.exception("sandbox webhook delivery failed")
            finally:
                with self._cond:
                    self._busy -= 1
                    self._cond.notify_all()

    def _deliver(self, events: list[dict]) -> None:
        url, key = self.url(), self.key()
        body = self._body(events)
        attempts = int(self._number("SANDBOX_WEBHOOK_ATTEMPTS", 5))
        delay = self._number("SANDBOX_WEBHOOK_RETRY_SECONDS", 1.0)
        for attempt in range(1, attempts + 1):
            outcome = self._attempt(url, key, body)
            self.deliveries.append(
                {"url": url, "events": len(events), "attempt": attempt, "outcome": outcome}
            )
            if outcome == "delivered":
                return
            if attempt < attempts:
                time.sleep(delay)
                delay *= 2
        log.warning(
            "sandbox webhooks: gave up on %d events after %d attempts", len(events), attempts
        )

    def _body(self, events: list[dict]) -> bytes:
        with self.sandbox.sessions() as session, session.begin():
            first = last = 0
            for _ in events:
                last = next_value(session, *SEQUENCE)
                first = first or last
        payload = {
            "events": events,
            "firstEventSequence": first,
            "lastEventSequence": last,
            "entropy": _entropy(),
        }
        return json.dumps(payload, separators=(",", ":")).encode()

    def _attempt(self, url: str, key: str, body: bytes) -> str:
        if self._verified != (url, key):
            problem = self.intent_to_receive(url, key)
            if problem:
                return f"intent to receive failed: {problem}"
            self._verified = (url, key)
        status = _post(url, body, sign(body, key))
        return "delivered" if status is not None and 200 <= status < 300 else f"HTTP {status}"

    def intent_to_receive(self, url: str, key: str) -> str | None:
        """Xero's subscription check; None when the receiver passes it, else what went wrong."""
        body = json.dumps(
            {"events": [], "firstEventSequence": 0, "lastEventSequence": 0, "entropy": _entropy()},
            separators=(",", ":"),
        ).encode()
        good = _post(url, body, sign(body, key), want_body=True)
        if good != (200, b""):
            return f"a correctly signed request got {good}, not 200 with an empty body"
        bad = _post(url, body, sign(body, key + "-wrong"))
        if bad != 401:
            return f"a wrongly signed request got {bad}, not 401"
        return None


def _post(url: str, body: bytes, signature: str, want_body: bool = False):
    """POST as Xero does; the status (and body), or None when the receiver cannot be reached."""
    headers = {"Content-Type": "application/json", "x-xero-signature": signature}
    try:
        response = requests.post(url, data=body, headers=headers, timeout=5)
    except requests.RequestException:
        return None
    return (response.status_code, response.content) if want_body else response.status_code
