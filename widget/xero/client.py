"""The Accounting API for one organisation (tenant), in the app's terms: typed results, drafts in,
exceptions from `errors` out. Nothing outside this package knows Xero's URLs or JSON.

Retries: none for 429 (callers decide when to come back) and none for failures (a write is only
safe to resend with the same Idempotency-Key, which is the caller's to reuse). The one exception is
a 401 TokenExpired: the client asks `refresh_access_token` once and sends the same request again.
With a `governor` (every client `client_for` makes), each call first gets its permit, and the
governor learns from every answer (widget.xero.governor).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import requests

from widget.xero import filters, http, money, parsing
from widget.xero.dates import where_date
from widget.xero.drafts import (
    ContactDraft,
    InvoiceDraft,
    QuoteDraft,
    check_idempotency_key,
)
from widget.xero.endpoints import XeroEndpoints
from widget.xero.errors import (
    XeroNeedsReauthorisation,
    XeroNotFound,
    XeroRateLimited,
    XeroUnavailable,
)
from widget.xero.governor import INTERACTIVE, Governor
from widget.xero.limits import LimitRecorder, MemoryLimitRecorder, RateLimitRemaining
from widget.xero.models import (
    Account,
    Contact,
    CreditNote,
    Currency,
    Invoice,
    InvoiceType,
    Item,
    Organisation,
    Page,
    Quote,
    TaxRate,
)
from widget.xero.payloads import contact_body, invoice_body, quote_body
from widget.xero.responses import body_of, element_errors, error_for, is_token_expired
from widget.xero.validation import validation_error

T = TypeVar("T")
log = logging.getLogger("widget.xero")

#: Four decimal places for unit amounts, so a price typed as 12.3456 survives the round trip.
UNIT_DECIMAL_PLACES = 4


class XeroClient:
    def __init__(
        self,
        endpoints: XeroEndpoints,
        tenant_id: str,
        access_token: Callable[[], str],
        *,
        refresh_access_token: Callable[[], str] | None = None,
        timeout: float = 10,
        session: requests.Session | None = None,
        recorder: LimitRecorder | None = None,
        governor: Governor | None = None,
        workspace_id: str | None = None,
        call_class: str = INTERACTIVE,
    ):
        self.endpoints = endpoints
        self.tenant_id = tenant_id
        self.timeout = timeout
        self.recorder = recorder if recorder is not None else MemoryLimitRecorder()
        self._access_token = access_token
        self._refresh_access_token = refresh_access_token
        self._session = session if session is not None else http.make_session()
        #: every call waits for the governor's permit (None: ungoverned, for tools and tests)
        self.governor = governor
        self.workspace_id = workspace_id
        self.call_class = call_class

    @classmethod
    def from_config(
        cls,
        config: Mapping,
        tenant_id: str,
        access_token: Callable[[], str],
        *,
        request_root: str | None = None,
        **options: Any,
    ) -> XeroClient:
        options.setdefault("timeout", float(config.get("XERO_TIMEOUT_SECONDS", 10)))
        endpoints = XeroEndpoints.from_config(config, request_root)
        return cls(endpoints, tenant_id, access_token, **options)

    # --- reference data -------------------------------------------------------------------

    def organisation(self) -> Organisation:
        body = self._get("Organisation")
        return self._one(body, "Organisations", parsing.organisation)

    def accounts(self) -> list[Account]:
        return self._list("Accounts", parsing.account)

    def tax_rates(self) -> list[TaxRate]:
        return self._list("TaxRates", parsing.tax_rate)

    def items(self) -> list[Item]:
        return self._list("Items", parsing.item, {"unitdp": UNIT_DECIMAL_PLACES})

    def currencies(self) -> list[Currency]:
        return self._list("Currencies", parsing.currency)

    # --- contacts -------------------------------------------------------------------------

    def contacts(
        self,
        *,
        email: str | None = None,
        name: str | None = None,
        search_term: str | None = None,
        ids: Iterable[str] | None = None,
        page: int | None = None,
        page_size: int | None = None,
        summary_only: bool = False,
        include_archived: bool = False,
        modified_since: datetime | None = None,
        order: str | None = None,
    ) -> Page[Contact]:
        """Contacts by the optimised `EmailAddress==`/`Name==` filters (case-insensitive, exact),
        Xero's `searchTerm`, or ids. A value with `"` cannot go in `where`: it becomes the search
        term and only exact matches are kept."""
        clauses, terms, exact = [], [], []
        for field, attribute, value in (
            ("EmailAddress", "email_address", email),
            ("Name", "name", name),
        ):
            if value is None:
                continue
            if filters.quotable(value):
                clauses.append(filters.equals(field, value))
            else:
                terms.append(value)
                exact.append((attribute, value.casefold()))
        if search_term:
            terms.append(search_term)
        params = {
            "where": filters.where(*clauses),
            "searchTerm": terms[0] if terms else None,
            "IDs": filters.guids(ids),
            "page": filters.page_number(page),
            "pageSize": filters.page_size(page_size),
            "summaryOnly": True if summary_only else None,
            "includeArchived": True if include_archived else None,
            "order": _order(order),
        }
        result = self._page("Contacts", parsing.contact, params, _since(modified_since))
        if not exact and len(terms) <= 1:
            return result
        kept = [
            contact
            for contact in result.items
            if all((getattr(contact, attr) or "").casefold() == value for attr, value in exact)
            and all(_matches_search(contact, term) for term in terms[1:])
        ]
        return Page(kept, result.page, result.page_size, result.page_count, result.item_count)

    def contact(self, contact_id: str) -> Contact:
        """One contact, with its contact persons (which lists only carry when paged)."""
        body = self._get(f"Contacts/{filters.guid(contact_id)}")
        return self._one(body, "Contacts", parsing.contact)

    def create_contact(self, draft: ContactDraft, *, idempotency_key: str) -> Contact:
        body = contact_body(draft)
        answer = self._put("Contacts", body, idempotency_key, "Contact")
        return self._one(answer, "Contacts", parsing.contact)

    # --- invoices and bills ---------------------------------------------------------------

    def invoices(
        self,
        *,
        contact_ids: Iterable[str] | None = None,
        statuses: Iterable[str] | None = None,
        invoice_type: InvoiceType | str | None = None,
        due_before: date | None = None,
        ids: Iterable[str] | None = None,
        page: int | None = None,
        page_size: int | None = None,
        summary_only: bool = False,
        modified_since: datetime | None = None,
        order: str | None = None,
    ) -> Page[Invoice]:
        """Sales invoices and bills; `invoice_type` ACCREC or ACCPAY narrows to one kind and
        `due_before` keeps those due before that day (the overdue filter)."""
        kind = InvoiceType(invoice_type).value if invoice_type is not None else None
        params = {
            "where": filters.where(
                filters.equals("Type", kind) if kind else None, filters.due_before(due_before)
            ),
            "IDs": filters.guids(ids),
            "ContactIDs": filters.guids(contact_ids),
            "Statuses": filters.statuses(statuses),
            "page": filters.page_number(page),
            "pageSize": filters.page_size(page_size),
            "summaryOnly": True if summary_only else None,
            "unitdp": None if summary_only else UNIT_DECIMAL_PLACES,
            "order": _order(order),
        }
        return self._page("Invoices", parsing.invoice, params, _since(modified_since))

    def invoices_dated(
        self, *, contact_id: str, invoice_type: InvoiceType | str, day: date, page: int = 1
    ) -> Page[Invoice]:
        """One contact's sales invoices or bills dated `day`, in every status (summaries, 100 a
        page): where a document created earlier is looked for, whatever happened to it since."""
        params = {
            "where": filters.where(
                filters.equals("Type", InvoiceType(invoice_type).value),
                f'Contact.ContactID==guid("{filters.guid(contact_id)}")',
                f"Date=={where_date(day)}",
            ),
            "page": filters.page_number(page),
            "pageSize": 100,
            "summaryOnly": True,
        }
        return self._page("Invoices", parsing.invoice, params)

    def invoice(self, invoice_id: str) -> Invoice:
        body = self._get(f"Invoices/{filters.guid(invoice_id)}", {"unitdp": UNIT_DECIMAL_PLACES})
        return self._one(body, "Invoices", parsing.invoice)

    def create_invoice(self, draft: InvoiceDraft, *, idempotency_key: str) -> Invoice:
        """A sales invoice or bill (by `draft.type`), DRAFT unless the draft says otherwise."""
        body = invoice_body(draft)
        answer = self._put(
            "Invoices", body, idempotency_key, "Invoice", {"unitdp": UNIT_DECIMAL_PLACES}
        )
        return self._one(answer, "Invoices", parsing.invoice)

    # --- quotes ---------------------------------------------------------------------------

    def quotes(
        self,
        *,
        contact_id: str | None = None,
        status: str | None = None,
        date_from: date | None = None,
        date_to: date | None = None,
        expiry_date_from: date | None = None,
        expiry_date_to: date | None = None,
        page: int | None = None,
        modified_since: datetime | None = None,
        order: str | None = None,
    ) -> Page[Quote]:
        """Quotes (100 a page, with line items; Xero has no pageSize or summaryOnly for them)."""
        params = {
            "ContactID": filters.guid(contact_id) if contact_id is not None else None,
            "Status": filters.status(status),
            "DateFrom": filters.iso(date_from),
            "DateTo": filters.iso(date_to),
            "ExpiryDateFrom": filters.iso(expiry_date_from),
            "ExpiryDateTo": filters.iso(expiry_date_to),
            "page": filters.page_number(page),
            "order": _order(order),
        }
        return self._page("Quotes", parsing.quote, params, _since(modified_since))

    def quote(self, quote_id: str) -> Quote:
        body = self._get(f"Quotes/{filters.guid(quote_id)}")
        return self._one(body, "Quotes", parsing.quote)

    def create_quote(self, draft: QuoteDraft, *, idempotency_key: str) -> Quote:
        body = quote_body(draft)
        answer = self._put("Quotes", body, idempotency_key, "Quote")
        return self._one(answer, "Quotes", parsing.quote)

    # --- credit notes ---------------------------------------------------------------------

    def credit_notes(
        self,
        *,
        contact_id: str | None = None,
        statuses: Iterable[str] | None = None,
        page: int | None = None,
        page_size: int | None = None,
        modified_since: datetime | None = None,
        order: str | None = None,
    ) -> Page[CreditNote]:
        """Credit notes to customers and from suppliers (paged like invoices; no IDs filter:
        one credit note by id is `credit_note`)."""
        clauses = []
        if contact_id is not None:
            clauses.append(f'Contact.ContactID==Guid("{filters.guid(contact_id)}")')
        if statuses is not None:
            wanted = filters.statuses(statuses).split(",")
            clauses.append("(" + " OR ".join(filters.equals("Status", s) for s in wanted) + ")")
        params = {
            "where": filters.where(*clauses),
            "page": filters.page_number(page),
            "pageSize": filters.page_size(page_size),
            "order": _order(order),
        }
        return self._page("CreditNotes", parsing.credit_note, params, _since(modified_since))

    def credit_note(self, credit_note_id: str) -> CreditNote:
        body = self._get(f"CreditNotes/{filters.guid(credit_note_id)}")
        return self._one(body, "CreditNotes", parsing.credit_note)

    # --- paging ---------------------------------------------------------------------------

    def all_pages(self, fetch: Callable[..., Page[T]], **kwargs: Any) -> Iterator[T]:
        """Every item of a paged list, page after page (from `page`, default 1), fetched lazily,
        so stopping early costs no further calls."""
        page = kwargs.pop("page", None) or 1
        while True:
            result = fetch(page=page, **kwargs)
            yield from result.items
            if not result.has_more:
                return
            page += 1

    # --- the wire -------------------------------------------------------------------------

    def _get(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        return self._request("GET", path, params=params, headers=headers)

    def _put(
        self,
        path: str,
        body: dict[str, Any],
        idempotency_key: str,
        document: str,
        params: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        key = check_idempotency_key(idempotency_key)
        envelope = next(iter(body))
        answer = self._request(
            "PUT",
            path,
            params={"summarizeErrors": True, **(params or {})},
            body=body,
            idempotency_key=key,
            document=document,
        )
        if element_errors(answer, envelope):
            raise validation_error({"Elements": answer.get(envelope)}, document, body[envelope][0])
        return answer

    def _request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: dict[str, Any] | None = None,
        idempotency_key: str | None = None,
        document: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> dict[str, Any]:
        url = http.with_query(f"{self.endpoints.api_url}/{path}", params)
        headers = {
            **(headers or {}),
            "xero-tenant-id": self.tenant_id,
            "Accept": "application/json",
        }
        data = None
        if body is not None:
            data = money.dumps(body).encode("utf-8")
            headers["Content-Type"] = "application/json"
        if idempotency_key is not None:
            headers["Idempotency-Key"] = idempotency_key
        token = self._access_token()
        refreshed = False
        while True:
            headers["Authorization"] = f"Bearer {token}"
            response, wait = self._send(method, url, headers, data)
            self._record(response)
            answer = body_of(response)
            if response.ok:
                break
            if not refreshed and self._refresh_access_token and is_token_expired(response, answer):
                token = self._refreshed_token()
                refreshed = True
                continue
            sent = body[next(iter(body))][0] if body else None
            error = error_for(response, answer, document=document, sent=sent)
            if isinstance(error, XeroRateLimited) and wait is not None:
                # the governor's wait (a concurrent 429 has no Retry-After: about a second)
                error = XeroRateLimited(wait, error.problem, status=error.status, body=error.body)
            raise error
        if not isinstance(answer, dict):
            raise XeroUnavailable(
                f"Xero sent an unreadable answer to {method} {path}", status=response.status_code
            )
        return answer

    def _send(
        self, method: str, url: str, headers: dict[str, str], data: bytes | None
    ) -> tuple[requests.Response, int | None]:
        """One call, under the governor's permit when there is one; with the seconds to wait
        that the governor took from a 429 (None otherwise)."""
        options = {"timeout": self.timeout, "headers": headers, "data": data}
        if self.governor is None:
            response = http.send(self._session, method, url, tenant_id=self.tenant_id, **options)
            return response, None
        with self.governor.permit(
            self.tenant_id, workspace_id=self.workspace_id, call_class=self.call_class
        ):
            response = http.send(self._session, method, url, tenant_id=self.tenant_id, **options)
        return response, self.governor.answered(self.tenant_id, response)

    def _refreshed_token(self) -> str:
        """The caller's refresh hook, once; anything but a transient failure means reconnect."""
        try:
            token = self._refresh_access_token()
        except (XeroNeedsReauthorisation, XeroUnavailable, XeroRateLimited):
            raise
        except Exception as exc:
            raise XeroNeedsReauthorisation(
                f"the access token expired and could not be refreshed ({type(exc).__name__})"
            ) from exc
        if not token:
            raise XeroNeedsReauthorisation("the access token expired and no new one was given")
        return token

    def _record(self, response: requests.Response) -> None:
        """Hand the remaining-limit figures to the recorder; its failure never fails the call."""
        try:
            self.recorder.record(
                self.tenant_id, RateLimitRemaining.from_headers(response.headers), response.ok
            )
        except Exception as exc:
            log.warning(
                "xero limit recorder failed",
                extra={"fields": {"xero_tenant": self.tenant_id, "error": type(exc).__name__}},
            )

    # --- parsing --------------------------------------------------------------------------

    def _page(
        self,
        path: str,
        parse: Callable[[dict], T],
        params: dict[str, Any],
        headers: Mapping[str, str] | None = None,
    ) -> Page[T]:
        body = self._get(path, params, headers)
        return _parsed(path, lambda: parsing.page(body, path, parse, params))

    def _list(
        self, path: str, parse: Callable[[dict], T], params: dict[str, Any] | None = None
    ) -> list[T]:
        body = self._get(path, params)
        return _parsed(path, lambda: parsing.collection(body, path, parse))

    def _one(self, body: dict[str, Any], key: str, parse: Callable[[dict], T]) -> T:
        entries = body.get(key) or []
        if not entries:
            raise XeroNotFound(f"Xero sent no {key}")
        return _parsed(key, lambda: parse(entries[0]))


def _parsed(what: str, parse: Callable[[], T]) -> T:
    """Run a parser; a shape we cannot read is Xero misbehaving, reported as unavailable."""
    try:
        return parse()
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise XeroUnavailable(f"Xero sent {what} we could not read ({type(exc).__name__})") from exc


#: `order` values we send: a field path and an optional direction ("UpdatedDateUTC DESC")
_ORDER = re.compile(r"^[A-Za-z][A-Za-z.]{0,63}( (ASC|DESC))?$")


def _order(value: str | None) -> str | None:
    if value is not None and not _ORDER.match(value):
        raise ValueError(f"not a Xero order: {value!r}")
    return value


def _since(value: datetime | None) -> dict[str, str] | None:
    """The `If-Modified-Since` header: UTC to the second, rounded down (Xero's header has no
    milliseconds; rounding up could skip a record updated in the same second)."""
    if value is None:
        return None
    if value.tzinfo is None:
        raise ValueError("modified_since must be timezone-aware")
    moment = value.astimezone(UTC).replace(microsecond=0, tzinfo=None)
    return {"If-Modified-Since": moment.strftime("%Y-%m-%dT%H:%M:%S")}


def _matches_search(contact: Contact, term: str) -> bool:
    """Xero's searchTerm, approximated for a second term we could not send."""
    folded = term.casefold()
    fields = (
        contact.name,
        contact.first_name,
        contact.last_name,
        contact.contact_number,
        contact.company_number,
        contact.email_address,
    )
    return any(folded in (value or "").casefold() for value in fields)
