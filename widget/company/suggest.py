"""Which Xero contacts to suggest for a CRM company, best first: same name, then same email
domain (the company's own email, or its people's), then a similar name.

Xero contacts for companies usually carry the company's name and an email at its domain. The CRM
gives a company's name and its people's emails; a domain shared by its people (not a mail
provider's: gmail.com says nothing) is the company's. Pure: the ranking is `widget.suggest`'s,
the Xero lookups are planned here and run by `widget.company.service`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from widget import suggest as person
from widget.suggest import ContactLike, Reason, Suggestion

#: domains looked up at most (the most common among the company's people first)
MAX_DOMAINS = 2


@dataclass(frozen=True)
class CrmCompany:
    name: str
    domains: tuple[str, ...] = ()


def company_of(record: dict) -> CrmCompany:
    """The company as the launch token describes it: its name, and the email domains of its own
    email and its people's, most used first (mail providers left out)."""
    emails = [record.get("email") or ""] + [
        c.get("email") or "" for c in record.get("contacts") or []
    ]
    domains = Counter(d for d in (_domain(e) for e in emails) if d and not person.is_freemail(d))
    ranked = sorted(domains, key=lambda d: (-domains[d], d))
    return CrmCompany(" ".join(str(record.get("name") or "").split()), tuple(ranked[:MAX_DOMAINS]))


def plan_queries(company: CrmCompany) -> list[tuple[str, Reason]]:
    """Xero `searchTerm`s, best first: the name without its legal suffix (searchTerm covers Name),
    then each domain (it covers EmailAddress)."""
    terms: list[tuple[str, Reason]] = []
    core = person.search_core(company.name)
    if core:
        terms.append((core, Reason.COMPANY_NAME))
    terms += [(domain, Reason.EMAIL_DOMAIN) for domain in company.domains]
    seen: set[str] = set()
    return [(t, r) for t, r in terms if not (t.casefold() in seen or seen.add(t.casefold()))]


def suggest_for_company(
    company: CrmCompany, candidates: Iterable[ContactLike], *, limit: int = person.DEFAULT_LIMIT
) -> list[Suggestion]:
    """The best `limit` contacts: by name through `widget.suggest` (same rules as for people),
    by domain here (on the contact's email or one of its contact persons')."""
    contacts = list(candidates)
    crm = person.CrmContact(name=company.name, company=company.name)
    best = {s.contact.contact_id: s for s in person.suggest(crm, contacts, limit=len(contacts))}
    wanted = set(company.domains)
    for contact in contacts:
        if contact.merged_to_contact_id or _inactive(contact):
            continue
        emails = [contact.email_address, *(p.email_address for p in contact.contact_persons or ())]
        shared = sorted({_domain(e) for e in emails} & wanted)
        if not shared:
            continue
        found = Suggestion(
            contact,
            Reason.EMAIL_DOMAIN,
            person.name_similarity(company.name, contact.name),
            shared[0],
        )
        kept = best.get(contact.contact_id)
        if kept is None or _rank(found) < _rank(kept):
            best[contact.contact_id] = found
    return sorted(best.values(), key=_rank)[:limit]


def _rank(suggestion: Suggestion) -> tuple:
    contact = suggestion.contact
    reason = suggestion.reason
    return (
        reason.tier,
        -suggestion.score,
        reason,
        (contact.name or "").casefold(),
        contact.contact_id,
    )


def _inactive(contact: ContactLike) -> bool:
    return (contact.contact_status or "ACTIVE").upper() in person.INACTIVE_STATUSES


def _domain(email: str | None) -> str:
    if not email or "@" not in email:
        return ""
    return email.rsplit("@", 1)[1].strip().casefold().strip(".")
