"""Audit entries in words for the admin page; unknown actions fall back to their raw form."""

from widget.auth.models import AuditEntry

ACCESS_LABELS = {"none": "No access", "view": "View", "edit": "Edit"}
DRAFT_NAMES = {"quote": "quote", "invoice": "draft invoice", "bill": "draft bill"}
SOURCES = {"api": "pushed by the CRM", "csv": "from a CSV file", "admin": "on this page"}
CRM_RECORDS = {
    "crm.contacts.push": ("CRM contacts", "Received"),
    "crm.users.push": ("CRM users", "Received"),
    "crm.contacts.upload": ("CRM contacts", "Uploaded"),
    "crm.users.upload": ("CRM users", "Uploaded"),
}


def _counted(entry: AuditEntry, details: dict) -> str:
    what, verb = CRM_RECORDS[entry.action]
    how = " from the CRM" if entry.action.endswith(".push") else " from a CSV file"
    return (
        f"{verb} {what}{how}: {details.get('created', 0)} new, "
        f"{details.get('updated', 0)} updated, {details.get('unchanged', 0)} unchanged"
    )


def describe(entry: AuditEntry) -> str:
    details = entry.details or {}
    if entry.action in CRM_RECORDS:
        return _counted(entry, details)
    if entry.action == "crm.match.run":
        return (
            f"Matched CRM contacts with Xero: {details.get('exact', 0)} exact, "
            f"{details.get('likely', 0)} likely, {details.get('none', 0)} without a match, "
            f"{details.get('linked', 0)} already linked"
        )
    if entry.action == "crm.match.accept_exact":
        return f"Accepted all exact matches: linked {details.get('linked', 0)} CRM contacts"
    if entry.action == "crm.create_missing":
        return f"Asked to create {details.get('pending', 0)} missing Xero contacts"
    if entry.action == "setup.defaults.keep":
        return "Kept the standard defaults for new drafts"
    if entry.action == "user.add":
        name = details.get("user_name") or entry.subject
        how = SOURCES.get(details.get("source"), "")
        return f"Added {name} ({entry.subject}) before their first visit{', ' + how if how else ''}"
    if entry.action in ("access.grant", "access.revoke"):
        name = details.get("user_name") or entry.subject
        before = ACCESS_LABELS.get(details.get("from"), details.get("from"))
        after = ACCESS_LABELS.get(details.get("to"), details.get("to"))
        return f"Changed {name}'s access from {before} to {after}"
    if entry.action == "draft.create":  # widget/drafts
        kind = DRAFT_NAMES.get(details.get("kind"), "draft")
        number = f" {details['number']}" if details.get("number") else ""
        amount = details.get("amount")
        amount = f" ({details.get('currency')} {amount})" if amount else ""
        return f"Created {kind}{number}{amount} in Xero ({entry.subject})"
    if entry.action == "settings.change":  # the drafts' defaults
        return "Changed draft defaults: " + ", ".join(
            f"{name.replace('_', ' ')} {before!r} → {after!r}"
            for name, (before, after) in sorted((details.get("changed") or {}).items())
        )
    shown = ", ".join(f"{key}: {value}" for key, value in sorted(details.items()))
    text = f"{entry.action} {entry.subject}".strip()
    return f"{text} ({shown})" if shown else text
