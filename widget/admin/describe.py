"""Audit entries in words for the admin page; unknown actions fall back to their raw form."""

from widget.auth.models import AuditEntry

ACCESS_LABELS = {"none": "No access", "view": "View", "edit": "Edit"}


def describe(entry: AuditEntry) -> str:
    details = entry.details or {}
    if entry.action in ("access.grant", "access.revoke"):
        name = details.get("user_name") or entry.subject
        before = ACCESS_LABELS.get(details.get("from"), details.get("from"))
        after = ACCESS_LABELS.get(details.get("to"), details.get("to"))
        return f"Changed {name}'s access from {before} to {after}"
    shown = ", ".join(f"{key}: {value}" for key, value in sorted(details.items()))
    text = f"{entry.action} {entry.subject}".strip()
    return f"{text} ({shown})" if shown else text
