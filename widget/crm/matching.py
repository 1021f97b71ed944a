"""Matching every CRM contact received against the organisation's mirrored Xero contacts, with
0 Xero calls: each proposal says which Xero contact, why, and how sure.

In order (the first that holds wins): the same email on the Xero contact, the same email on one of
its contact persons, the same name (normalised, any word order), the same company name, the same
(company) email domain, a similar name (typos allowed, rapidfuzz). Email matches that point at one
Xero contact only are "exact"; everything else found is "likely"; nothing found is "none". A CRM
contact already linked is "linked". Archived Xero contacts are never proposed, merged ones stand
for their survivor. Pure functions over rows, so 5,000 × 10,000 runs in seconds (indexes by key;
only the fuzzy step compares names, in rapidfuzz's C++ `extract`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rapidfuzz import fuzz, process

from widget.suggest import INACTIVE_STATUSES, email_key, is_freemail, normalise_name

EXACT, LIKELY, NONE, LINKED = "exact", "likely", "none", "linked"
CATEGORIES = (EXACT, LIKELY, NONE, LINKED)
#: reason -> (label shown to the admin, confidence in percent)
REASONS = {
    "email": ("Same email", 100),
    "person_email": ("Email of one of its contact persons", 95),
    "name": ("Same name", 85),
    "company": ("Same company name", 80),
    "domain": ("Same email domain", 60),
    "similar": ("Similar name", 0),  # the name similarity, scaled below
    "linked": ("Already linked", 100),
}
SIMILAR_CUTOFF = 85  # rapidfuzz score (0..100) for a similar name: "Jon Smith" ~ "John Smith"
ALTERNATIVES = 3


@dataclass(frozen=True)
class XeroCandidate:
    contact_id: str
    name: str


@dataclass(frozen=True)
class Proposal:
    crm_id: str
    category: str
    reason: str = ""
    confidence: int = 0
    xero: XeroCandidate | None = None
    #: other Xero contacts that matched as well (the admin may choose one instead)
    alternatives: tuple[XeroCandidate, ...] = ()

    @property
    def reason_label(self) -> str:
        return REASONS[self.reason][0] if self.reason else "No match found"


@dataclass
class _Index:
    by_email: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    by_person_email: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    by_name: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    by_domain: dict[str, list] = field(default_factory=lambda: defaultdict(list))
    names: list[str] = field(default_factory=list)
    named: list = field(default_factory=list)


def _survivors(xero_contacts: Iterable) -> list[tuple]:
    """(contact, the active contact it stands for): itself, or for a merged contact its survivor
    (its email and name still find the survivor); archived ones are left out."""
    by_id = {row.contact_id: row for row in xero_contacts}
    kept = []
    for row in by_id.values():
        target, seen = row, {row.contact_id}
        while target is not None and target.merged_to_contact_id:
            target = by_id.get(target.merged_to_contact_id)
            if target is None or target.contact_id in seen:
                target = None
                break
            seen.add(target.contact_id)
        if target is None or (target.contact_status or "ACTIVE").upper() in INACTIVE_STATUSES:
            continue
        kept.append((row, target))
    return kept


def _sorted_words(text: str) -> str:
    return " ".join(sorted(text.split()))


def _domain(email: str) -> str:
    return email.rsplit("@", 1)[1] if "@" in email else ""


def build_index(xero_contacts: Iterable) -> _Index:
    index = _Index()
    for row, target in _survivors(xero_contacts):
        email = email_key(row.email_address)
        persons = [
            email_key(p.get("email_address"))
            for p in row.contact_persons or ()
            if isinstance(p, dict)
        ]
        if email:
            index.by_email[email].append(target)
        for person in filter(None, persons):
            index.by_person_email[person].append(target)
        for domain in {_domain(e) for e in [email, *persons] if e}:
            if domain and not is_freemail(domain):
                index.by_domain[domain].append(target)
        names = {normalise_name(row.name)}
        person_name = " ".join(p for p in (row.first_name, row.last_name) if p)
        names.add(normalise_name(person_name))
        for name in filter(None, names):
            index.by_name[_sorted_words(name)].append(target)
            index.names.append(_sorted_words(name))  # compared word-sorted (token_sort_ratio)
            index.named.append(target)
    return index


def _candidate(row) -> XeroCandidate:
    return XeroCandidate(row.contact_id, row.name)


def _unique(rows: list) -> list:
    return list({row.contact_id: row for row in rows}.values())


def _proposal(crm_id: str, reason: str, rows: list, confidence: int | None = None) -> Proposal:
    rows = sorted(_unique(rows), key=lambda row: (row.name.casefold(), row.contact_id))
    single = len(rows) == 1
    category = EXACT if reason in ("email", "person_email") and single else LIKELY
    score = REASONS[reason][1] if confidence is None else confidence
    if not single:
        score = min(score, 70)  # several Xero contacts fit equally: the admin chooses
    alternatives = tuple(_candidate(row) for row in rows[1 : 1 + ALTERNATIVES])
    return Proposal(crm_id, category, reason, score, _candidate(rows[0]), alternatives)


def match_one(crm, index: _Index) -> Proposal:
    """The proposal for one CRM contact (a widget.crm.models.CrmContact row)."""
    email = email_key(crm.email)
    if email and index.by_email.get(email):
        return _proposal(crm.crm_id, "email", index.by_email[email])
    if email and index.by_person_email.get(email):
        return _proposal(crm.crm_id, "person_email", index.by_person_email[email])
    names = {normalise_name(crm.name)}
    names.add(normalise_name(f"{crm.first_name} {crm.last_name}"))
    names.discard("")
    for name in names:
        if index.by_name.get(_sorted_words(name)):
            return _proposal(crm.crm_id, "name", index.by_name[_sorted_words(name)])
    company = normalise_name(crm.company)
    if company and index.by_name.get(_sorted_words(company)):
        return _proposal(crm.crm_id, "company", index.by_name[_sorted_words(company)])
    domain = _domain(email)
    if domain and not is_freemail(domain) and index.by_domain.get(domain):
        return _proposal(crm.crm_id, "domain", index.by_domain[domain])
    return _similar(crm.crm_id, names | ({company} if company else set()), index)


def _similar(crm_id: str, names: set[str], index: _Index) -> Proposal:
    best: dict[str, tuple[float, object]] = {}
    for name in names:
        found = process.extract(
            _sorted_words(name),
            index.names,
            scorer=fuzz.ratio,
            processor=None,
            score_cutoff=SIMILAR_CUTOFF,
            limit=4,
        )
        for _choice, score, position in found:
            row = index.named[position]
            if score > best.get(row.contact_id, (0, None))[0]:
                best[row.contact_id] = (score, row)
    if not best:
        return Proposal(crm_id, NONE)
    ranked = sorted(best.values(), key=lambda pair: (-pair[0], pair[1].name.casefold()))
    top_score, top = ranked[0]
    confidence = int(round(top_score * 0.75))  # 85..100 similar -> 64..75 %
    alternatives = tuple(_candidate(row) for _score, row in ranked[1 : 1 + ALTERNATIVES])
    return Proposal(crm_id, LIKELY, "similar", confidence, _candidate(top), alternatives)


def match_all(crm_contacts: Iterable, xero_contacts: Iterable, linked: dict[str, XeroCandidate]):
    """A proposal for each CRM contact; those already linked say so (and are not matched)."""
    index = build_index(xero_contacts)
    proposals = []
    for crm in crm_contacts:
        if crm.crm_id in linked:
            proposals.append(Proposal(crm.crm_id, LINKED, "linked", 100, linked[crm.crm_id]))
        else:
            proposals.append(match_one(crm, index))
    return proposals
