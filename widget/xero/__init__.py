"""The Xero client: OAuth, connections and the Accounting API, as typed results and exceptions.

The rest of the app imports from here only; Xero's URLs and JSON stay inside this package.
"""

from widget.xero.client import XeroClient
from widget.xero.drafts import ContactDraft, InvoiceDraft, LineItemDraft, QuoteDraft
from widget.xero.endpoints import XeroEndpoints
from widget.xero.errors import (
    XeroError,
    XeroNeedsReauthorisation,
    XeroNotFound,
    XeroRateLimited,
    XeroRequestError,
    XeroUnavailable,
    XeroValidationError,
)
from widget.xero.limits import LimitRecorder, MemoryLimitRecorder, RateLimitRemaining
from widget.xero.models import (
    Account,
    Contact,
    ContactPerson,
    CreditNote,
    CreditNoteType,
    Currency,
    Invoice,
    InvoiceStatus,
    InvoiceType,
    Item,
    LineAmountTypes,
    LineItem,
    Organisation,
    Page,
    Quote,
    QuoteStatus,
    TaxRate,
)
from widget.xero.oauth import XeroOAuth
from widget.xero.tokens import Connection, TokenSet

__all__ = [
    "Account",
    "Connection",
    "Contact",
    "ContactDraft",
    "ContactPerson",
    "CreditNote",
    "CreditNoteType",
    "Currency",
    "Invoice",
    "InvoiceDraft",
    "InvoiceStatus",
    "InvoiceType",
    "Item",
    "LimitRecorder",
    "LineAmountTypes",
    "LineItem",
    "LineItemDraft",
    "MemoryLimitRecorder",
    "Organisation",
    "Page",
    "Quote",
    "QuoteDraft",
    "QuoteStatus",
    "RateLimitRemaining",
    "TaxRate",
    "TokenSet",
    "XeroClient",
    "XeroEndpoints",
    "XeroError",
    "XeroNeedsReauthorisation",
    "XeroNotFound",
    "XeroOAuth",
    "XeroRateLimited",
    "XeroRequestError",
    "XeroUnavailable",
    "XeroValidationError",
]
