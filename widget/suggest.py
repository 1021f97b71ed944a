"""Which Xero contacts to suggest for a CRM contact, best first, each with the reason it matched.

PRODUCT.md's order: same email on the Xero contact, then on one of its contact persons, then the
same email domain or company name, then the same or a similar name. Shared mail providers
(gmail.com…) are not a company's domain: matching on them would suggest every Gmail user in the
file. Pure functions, so the ranking is tested by example and the Xero calls
(`plan_suggestion_queries`) are planned apart. Names are compared with rapidfuzz (typo-tolerant:
"Uma Patele" ~ "Uma Patel"), after `normalise_name` (no case, accents, punctuation, legal suffix).

`rank_search` ranks what a rep types into the search box over the organisation's mirrored
contacts (widget.mirror.read narrows the candidates in SQL; this orders a bounded set).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from functools import lru_cache
from typing import Protocol

from rapidfuzz import fuzz

DEFAULT_LIMIT = 5
#: similarity (rapidfuzz's normalised Indel ratio, 0..1) at or above which two normalised names
#: count as similar: "Jon Smith" ~ "John Smith" (0.95), "Uma Patele" ~ "Uma Patel" (0.95) and
#: "Acme Widgets" ~ "Acme Widget Co" pass; "John Smith" ~ "Jane Smyth" (0.7) does not.
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
    #: the name itself (normalised, any word order): labelled "Same name", never "Similar name"
    SAME_NAME = 6

    @property
    def tier(self) -> int:
        """PRODUCT.md ranks "same email domain or company name" together, and a same name with
        the similar ones (first by its score of 1.0): one tier each."""
        if self is Reason.EMAIL_DOMAIN:
            return 3
        return 5 if self is Reason.SAME_NAME else int(self)


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


# --- searching the mirror -----------------------------------------------------------------------

SEARCH_LIMIT = 25
#: similarity (0..1) at or above which a typed name finds a contact despite typos
SEARCH_THRESHOLD = 0.8


class SearchMatch(IntEnum):
    """How a contact matches what was typed; lower is better."""

    EMAIL = 1  # the contact's or one of its contact persons' email, exactly
    NAME = 2  # the same name (normalised, any word order)
    NAME_PREFIX = 3  # the name starts with what was typed
    WORDS = 4  # every word typed starts a word of the name (first, last or company name)
    EMAIL_PART = 5  # an email contains it (a domain, a mailbox)
    SIMILAR = 6  # a similar name: typos allowed


@dataclass(frozen=True)
class SearchHit:
    contact: ContactLike
    match: SearchMatch
    score: float


def rank_search(
    term: str,
    candidates: Iterable[ContactLike],
    *,
    limit: int = SEARCH_LIMIT,
    threshold: float = SEARCH_THRESHOLD,
) -> list[SearchHit]:
    """The contacts matching a typed term, best first, in a stable order.

    Archived contacts are left out; a merged contact stands for its survivor when that one is
    among the candidates (each survivor once, by its best match).
    """
    typed = _Typed.of(term)
    if limit <= 0 or typed is None:
        return []
    by_id = {c.contact_id: c for c in candidates}
    best: dict[str, SearchHit] = {}
    for contact in by_id.values():
        target = _resolve(contact, by_id)
        if target is None or not _active(target):
            continue
        found = typed.match(contact, threshold)
        if found is None:
            continue
        hit = SearchHit(target, *found)
        kept = best.get(target.contact_id)
        if kept is None or _search_rank(hit) < _search_rank(kept):
            best[target.contact_id] = hit
    return sorted(best.values(), key=_search_rank)[:limit]


def search_words(term: str | None) -> list[str]:
    """The words of a typed term as compared (no case, accents or punctuation)."""
    return _words(term)


@dataclass(frozen=True)
class _Typed:
    email: str
    name: str
    words: tuple[str, ...]

    @classmethod
    def of(cls, term: str | None) -> _Typed | None:
        email = _email(term)
        words = tuple(_words(term))
        if not email and not words:
            return None
        return cls(email, normalise_name(term) or " ".join(words), words)

    def match(self, contact: ContactLike, threshold: float) -> tuple[SearchMatch, float] | None:
        emails = [_email(contact.email_address)]
        emails += [_email(p.email_address) for p in contact.contact_persons or ()]
        emails = [e for e in emails if e]
        if "@" in self.email and self.email in emails:
            return SearchMatch.EMAIL, 1.0
        found = self._by_name(contact, threshold)
        if found is not None and found[0] < SearchMatch.EMAIL_PART:
            return found
        if len(self.email) >= 3 and " " not in self.email and any(self.email in e for e in emails):
            return SearchMatch.EMAIL_PART, len(self.email) / max(len(e) for e in emails)
        return found

    def _by_name(self, contact: ContactLike, threshold: float) -> tuple[SearchMatch, float] | None:
        """The best match on the contact's name or, a shade behind, its person's first and last
        name (a company's primary person: "Patel Builders" by Uma Patel)."""
        person = " ".join(p for p in (contact.first_name, contact.last_name) if p)
        best: tuple[SearchMatch, float] | None = None
        for name, behind in ((normalise_name(contact.name), 0.0), (normalise_name(person), 0.001)):
            found = self._against(name, threshold) if name else None
            if found is None:
                continue
            found = (found[0], found[1] - behind)
            if best is None or (found[0], -found[1]) < (best[0], -best[1]):
                best = found
        return best

    def _against(self, name: str, threshold: float) -> tuple[SearchMatch, float] | None:
        if not self.words:
            return None
        if _sorted_words(name) == _sorted_words(self.name):
            return SearchMatch.NAME, 1.0
        if name.startswith(self.name):
            return SearchMatch.NAME_PREFIX, len(self.name) / len(name)
        name_words = name.split()
        if all(any(w.startswith(typed) for w in name_words) for typed in self.words):
            return SearchMatch.WORDS, _similarity(self.name, name)
        score = max(_similarity(self.name, name), _word_by_word(self.words, name_words))
        return (SearchMatch.SIMILAR, score) if score >= threshold else None


def _word_by_word(typed: tuple[str, ...], name_words: list[str]) -> float:
    """Each typed word against its closest word of the name, averaged ("patle" ~ "patel")."""
    if not name_words:
        return 0.0
    scores = [max(fuzz.ratio(t, w) for w in name_words) / 100 for t in typed]
    return sum(scores) / len(scores)


def _search_rank(hit: SearchHit) -> tuple:
    contact = hit.contact
    return (hit.match, -hit.score, (contact.name or "").casefold(), contact.contact_id)


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


@lru_cache(maxsize=32_768)
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
    """How alike two names are, 0..1, after normalising, also word-sorted ("Smith John" ~ "John
    Smith"): rapidfuzz's ratio, typo-tolerant ("Uma Patele" ~ "Uma Patel" is 0.95)."""
    left, right = normalise_name(a), normalise_name(b)
    if not left or not right:
        return 0.0
    return _similarity(left, right)


def same_name(a: str | None, b: str | None) -> bool:
    """The same name once normalised, in any word order ("Doe, Jane" and "JANE DOE")."""
    left, right = normalise_name(a), normalise_name(b)
    return bool(left) and _sorted_words(left) == _sorted_words(right)


def name_key(value: str | None) -> str:
    """The mirror's `name_key`: what names are searched and compared by."""
    return normalise_name(value)


def email_key(value: str | None) -> str:
    """The mirror's `email_key`: an email as compared (trimmed, no case)."""
    return _email(value)


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
        reason = Reason.SAME_NAME if _same_name(crm, contact) else Reason.SIMILAR_NAME
        return reason, similarity, crm.full_name or crm.company or ""
    return None


def _same_name(crm: CrmContact, contact: ContactLike) -> bool:
    ours = {crm.full_name, crm.name or ""}
    xero_person = " ".join(p for p in (contact.first_name, contact.last_name) if p)
    theirs = {contact.name or "", xero_person}
    return any(same_name(a, b) for a in ours if a for b in theirs if b)


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


def _similarity(left: str, right: str) -> float:
    """Both already normalised: the better of the plain and the word-sorted ratio, 0..1."""
    return max(fuzz.ratio(left, right), fuzz.token_sort_ratio(left, right)) / 100
