"""Which Xero contacts to suggest for a CRM contact, best first, each with the reason it matched.

PRODUCT.md's order: same email on the Xero contact, then on one of its contact persons, then the
same email domain or company name, then a similar name. Shared mail providers (gmail.com…) are not a
company's domain: matching on them would suggest every Gmail user in the file. Pure functions, so
the ranking is tested by example and the Xero calls (`plan_suggestion_queries`) are planned apart.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher
from enum import IntEnum
from typing import Protocol

DEFAULT_LIMIT = 5
#: difflib ratio at or above which two normalised names count as similar: "Jon Smith" ~ "John Smith"
#: (0.95) and "Acme Widgets" ~ "Acme Widget Co" pass; "John Smith" ~ "Jane Smyth" (0.7) does not.
DEFAULT_NAME_THRESHOLD = 0.8
INACTIVE_STATUSES = frozenset({"ARCHIVED", "GDPRREQUEST"})

#: Shared mail providers: a same-domain match on these says nothing about being the same company.
FREEMAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "outlook.com", "hotmail.com", "live.com", "msn.com",
        "yahoo.com", "ymail.com", "rocketmail.com", "icloud.com", "me.com", "mac.com", "aol.com",
        "proton.me", "protonmail.com", "pm.me", "gmx.com", "gmx.net", "gmx.de", "web.de",
        "mail.com", "zoho.com", "yandex.com", "yandex.ru", "mail.ru", "qq.com", "163.com",
        "126.com", "fastmail.com", "hey.com", "tutanota.com", "hushmail.com", "inbox.com",
        "xtra.co.nz", "bigpond.com", "bigpond.net.au", "optusnet.com.au", "iinet.net.au",
        "btinternet.com", "sky.com", "virginmedia.com", "talktalk.net", "comcast.net",
        "verizon.net", "att.net", "sbcglobal.net", "orange.fr", "free.fr", "laposte.net",
        "sfr.fr", "wanadoo.fr", "t-online.de", "libero.it",
    }
)  # fmt: skip
#: Providers with a domain per country (yahoo.co.nz, hotmail.fr, outlook.de, live.co.uk…).
FREEMAIL_FAMILIES = frozenset(
    {"gmail", "googlemail", "hotmail", "outlook", "live", "yahoo", "ymail", "gmx", "aol", "icloud"}
)
#: Words that say what kind of company it is, not which: dropped from the end of names.
LEGAL_SUFFIXES = frozenset(
    {
        "ltd", "limited", "inc", "incorporated", "llc", "llp", "lp", "plc", "pty", "pte", "corp",
        "corporation", "co", "company", "gmbh", "ag", "bv", "nv", "sa", "sas", "sarl", "srl",
        "spa", "oy", "ab", "as", "aps", "kk", "nz", "au", "uk",
    }
)  # fmt: skip


class Reason(IntEnum):
    """Why a contact is suggested; lower is better (the order of PRODUCT.md)."""

    EMAIL = 1
    CONTACT_PERSON_EMAIL = 2
    COMPANY_NAME = 3
    EMAIL_DOMAIN = 4
    SIMILAR_NAME = 5

    @property
    def tier(self) -> int:
        """PRODUCT.md ranks "same email domain or company name" together: one tier for both."""
        return 3 if self is Reason.EMAIL_DOMAIN else int(self)


class PersonLike(Protocol):
    first_name: str | None
    last_name: str | None
    email_address: str | None


class ContactLike(Protocol):
    contact_id: str
    name: str
    first_name: str | None
    last_name: str | None
    email_address: str | None
    contact_status: str | None
    is_customer: bool
    is_supplier: bool
    contact_persons: Iterable[PersonLike]
    merged_to_contact_id: str | None


@dataclass(frozen=True)
class CrmContact:
    """What the launch token says about the CRM record (any field may be missing)."""

    name: str | None = None
    first_name: str | None = None
    last_name: str | None = None
    email: str | None = None
    company: str | None = None

    @property
    def full_name(self) -> str:
        parts = (self.first_name, self.last_name)
        joined = " ".join(p.strip() for p in parts if p and p.strip())
        return joined or (self.name or "").strip()


@dataclass(frozen=True)
class Suggestion:
    contact: ContactLike
    reason: Reason
    score: float  # name similarity 0..1, used to order within a reason
    matched: str  # what matched: the email, the domain, the company or the name compared


def suggest(
    crm: CrmContact,
    candidates: Iterable[ContactLike],
    *,
    limit: int = DEFAULT_LIMIT,
    name_threshold: float = DEFAULT_NAME_THRESHOLD,
) -> list[Suggestion]:
    """The best `limit` Xero contacts for the CRM contact, best first, in a stable order.

    Archived contacts are left out. A merged contact stands for the contact it was merged into,
    when that one is among the candidates; otherwise it is left out (see `missing_merge_targets`).
    """
    if limit <= 0:
        return []
    by_id = {c.contact_id: c for c in candidates}
    best: dict[str, Suggestion] = {}
    for contact in by_id.values():
        target = _resolve(contact, by_id)
        if target is None or not _active(target):
            continue
        found = _match(crm, contact, name_threshold)
        if found is None:
            continue
        suggestion = Suggestion(target, *found)
        kept = best.get(target.contact_id)
        if kept is None or _rank(suggestion) < _rank(kept):  # a merged duplicate may match better
            best[target.contact_id] = suggestion
    return sorted(best.values(), key=_rank)[:limit]


def missing_merge_targets(candidates: Iterable[ContactLike]) -> list[str]:
    """Ids that merged candidates point to but were not fetched: fetch these to resolve them."""
    contacts = list(candidates)
    known = {c.contact_id for c in contacts}
    missing = (c.merged_to_contact_id for c in contacts if c.merged_to_contact_id)
    return list(dict.fromkeys(i for i in missing if i not in known))


# --- planning the Xero lookups ----------------------------------------------------------------


@dataclass(frozen=True)
class ContactQuery:
    """One GET /Contacts call and the best reason its results can give.

    page=1 (paged lists carry ContactPersons; summaryOnly would drop them) with a small pageSize:
    a suggestion list needs a handful of rows, not the whole file.
    """

    params: tuple[tuple[str, str], ...]
    finds: Reason


SUGGESTION_PAGE_SIZE = 25


def plan_suggestion_queries(crm: CrmContact) -> list[ContactQuery]:
    """The Contacts lookups for `crm`, best first, without duplicates.

    1. `where=EmailAddress=="…"`: an optimised filter, exact and cheap. A `"` cannot be escaped in
       `where`, so such an email falls back to `searchTerm`.
    2. `searchTerm=<company>`: searchTerm covers Name; the legal suffix is dropped so "Acme Ltd"
       finds "Acme Limited".
    3. `searchTerm=<domain>` (not for shared mail providers): searchTerm covers EmailAddress.
    4. `searchTerm=<full name>` for similar names.
    Contact persons' emails cannot be searched in Xero; they are matched among the contacts these
    calls return. Run them in order and stop when `enough` says so.
    """
    queries: list[ContactQuery] = []
    seen: set[str] = set()

    def add(params: tuple[tuple[str, str], ...], finds: Reason, term: str) -> None:
        if term.casefold() not in seen:
            seen.add(term.casefold())
            queries.append(ContactQuery(params + _PAGING, finds))

    email = _email(crm.email)
    if email:
        if '"' in email:
            add((("searchTerm", email),), Reason.EMAIL, email)
        else:
            add((("where", f'EmailAddress=="{email}"'),), Reason.EMAIL, email)
    company = search_core(crm.company)
    if company:
        add((("searchTerm", company),), Reason.COMPANY_NAME, company)
    domain = _domain(email)
    if domain and not is_freemail(domain):
        add((("searchTerm", domain),), Reason.EMAIL_DOMAIN, domain)
    name = crm.full_name
    if name and normalise_name(name) != normalise_name(company):
        add((("searchTerm", name),), Reason.SIMILAR_NAME, name)
    return queries


def enough(suggestions: list[Suggestion], next_query: ContactQuery, limit: int) -> bool:
    """Whether to skip the remaining queries: `limit` suggestions already rank above what the
    next query is for (a full list of exact-email matches makes name searches pointless).

    Best effort for contact persons: a later query could still return a contact whose person has
    the email; Xero cannot search persons, so only calls already made can find those.
    """
    better = [s for s in suggestions if s.reason.tier < next_query.finds.tier]
    return len(better) >= limit


_PAGING = (("page", "1"), ("pageSize", str(SUGGESTION_PAGE_SIZE)))


# --- normalising ------------------------------------------------------------------------------


def normalise_name(value: str | None) -> str:
    """Comparable form of a person's or company's name: no case, accents, punctuation or legal
    suffix ("Acme Widgets, Ltd." and "ACME WIDGETS LIMITED" are the same)."""
    words = _words(value)
    while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
        words.pop()
        if len(words) > 1 and words[-1] == "and":  # "Smith & Co" -> "smith"
            words.pop()
    if len(words) > 1 and words[0] == "the":
        words.pop(0)
    return " ".join(words)


def search_core(value: str | None) -> str:
    """A company name as a search term: as typed, minus trailing legal suffix and punctuation."""
    if not value:
        return ""
    words = value.split()
    while len(words) > 1 and re.sub(r"\W", "", words[-1].casefold()) in LEGAL_SUFFIXES:
        words.pop()
    return " ".join(words).strip(" ,.;:-&")


def is_freemail(domain: str) -> bool:
    """Whether the domain belongs to a shared mail provider rather than to one company."""
    domain = domain.casefold().strip(".")
    if domain in FREEMAIL_DOMAINS:
        return True
    labels = domain.split(".")
    if labels[0] not in FREEMAIL_FAMILIES:
        return False
    # yahoo.fr, hotmail.co.uk, yahoo.com.au: the family name followed only by a country suffix
    return len(labels) == 2 or (len(labels) == 3 and labels[1] in {"co", "com", "net"})


def name_similarity(a: str | None, b: str | None) -> float:
    """difflib ratio of normalised names, also word-sorted ("Smith John" ~ "John Smith")."""
    left, right = normalise_name(a), normalise_name(b)
    if not left or not right:
        return 0.0
    plain = SequenceMatcher(None, left, right).ratio()
    ordered = SequenceMatcher(None, _sorted_words(left), _sorted_words(right)).ratio()
    return max(plain, ordered)


# --- helpers ----------------------------------------------------------------------------------


def _match(
    crm: CrmContact, contact: ContactLike, threshold: float
) -> tuple[Reason, float, str] | None:
    """The best reason this contact matches the CRM record, or None."""
    email = _email(crm.email)
    similarity = _best_similarity(crm, contact)
    person_emails = [_email(p.email_address) for p in contact.contact_persons or ()]
    if email and _email(contact.email_address) == email:
        return Reason.EMAIL, similarity, email
    if email and email in person_emails:
        return Reason.CONTACT_PERSON_EMAIL, similarity, email
    company = normalise_name(crm.company)
    if company and company == normalise_name(contact.name):
        return Reason.COMPANY_NAME, similarity, crm.company or ""
    domain = _domain(email)
    if domain and not is_freemail(domain):
        domains = {_domain(e) for e in [_email(contact.email_address), *person_emails]}
        if domain in domains:
            return Reason.EMAIL_DOMAIN, similarity, domain
    if similarity >= threshold:
        return Reason.SIMILAR_NAME, similarity, crm.full_name or crm.company or ""
    return None


def _best_similarity(crm: CrmContact, contact: ContactLike) -> float:
    """How alike the names are: the CRM person or company against the Xero name or person."""
    ours = {crm.full_name, crm.name or "", crm.company or ""}
    xero_person = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    theirs = {contact.name or "", xero_person}
    return max((name_similarity(a, b) for a in ours if a for b in theirs if b), default=0.0)


def _resolve(contact: ContactLike, by_id: dict[str, ContactLike]) -> ContactLike | None:
    """Follow MergedToContactID to the surviving contact; None if it is not at hand or loops."""
    seen = {contact.contact_id}
    while contact.merged_to_contact_id:
        target = by_id.get(contact.merged_to_contact_id)
        if target is None or target.contact_id in seen:
            return None
        seen.add(target.contact_id)
        contact = target
    return contact


def _active(contact: ContactLike) -> bool:
    return (contact.contact_status or "ACTIVE").upper() not in INACTIVE_STATUSES


def _rank(suggestion: Suggestion) -> tuple:
    """Reason, then closer name, then name, then id: the same input always gives the same order."""
    contact = suggestion.contact
    name = (contact.name or "").casefold()
    return (suggestion.reason.tier, -suggestion.score, suggestion.reason, name, contact.contact_id)


def _email(value: str | None) -> str:
    return (value or "").strip().casefold()


def _domain(email: str | None) -> str:
    if not email or "@" not in email:
        return ""
    return email.rsplit("@", 1)[1].strip().casefold().strip(".")


def _words(value: str | None) -> list[str]:
    text = unicodedata.normalize("NFKD", value or "")
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    text = text.replace("&", " and ")
    return re.findall(r"[a-z0-9]+", text)


def _sorted_words(value: str) -> str:
    return " ".join(sorted(value.split()))
