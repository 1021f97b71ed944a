"""Audit entries in words for the admin page: `sentence` says who did what ("Ana linked Jo Bloggs
to Xero contact Bloggs Ltd"), `describe` the what; unknown actions fall back to their raw form.
Entries store their details as JSON; names are in them for entries written since they were added,
older ones name the ids instead."""

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


RECORD_WORDS = {"contact": "CRM contact", "company": "CRM company", "deal": "CRM deal"}
DOCUMENT_NAMES = {"quote": "quote", "invoice": "invoice", "bill": "bill"}


def sentence(entry: AuditEntry) -> str:
    """The entry as one sentence with its actor: "Ana linked …", "System received …"."""
    what = describe(entry)
    actor = entry.actor or "system"
    if actor == "system":
        actor = _system_actor(entry)
    if what[:1].isupper():  # every description starts with its verb
        what = what[0].lower() + what[1:]
    return f"{actor} {what}"


def _system_actor(entry: AuditEntry) -> str:
    if (entry.details or {}).get("via") == "cli":
        return "An operator (command line)"
    if entry.action.startswith("xero."):
        return "Xero"
    return "The CRM" if entry.action.startswith("crm.") else "The widget"


def _crm_name(entry: AuditEntry, details: dict) -> str:
    kind = RECORD_WORDS.get(details.get("record_type") or "contact", "CRM record")
    name = details.get("crm_contact_name")
    return name if name else f"{kind} {details.get('crm_contact_id', '')}".strip()


def _xero_name(entry: AuditEntry, details: dict) -> str:
    return f"Xero contact {details.get('xero_contact_name') or entry.subject}"


def _plain(entry: AuditEntry, details: dict) -> str | None:
    """Sentences for links, the connection, deals and the workspace (None: not one of these)."""
    action = entry.action
    if action == "link.create":
        return f"Linked {_crm_name(entry, details)} to {_xero_name(entry, details)}"
    if action == "link.change":
        return f"Linked {_crm_name(entry, details)} to {_xero_name(entry, details)} instead"
    if action == "link.remove":
        name = details.get("xero_contact_name")
        return f"Unlinked {_crm_name(entry, details)} from " + (
            f"Xero contact {name}" if name else "its Xero contact"
        )
    if action == "link.restore":
        crm, xero = _crm_name(entry, details), _xero_name(entry, details)
        return f"Undid an unlink: linked {crm} to {xero} again"
    if action == "contact.relinked_after_merge":
        merged = details.get("xero_contact_name") or details.get("xero_contact_id")
        survivor = details.get("survivor_contact_name") or details.get("survivor_contact_id")
        return (
            f"Moved the link of {entry.subject} from Xero contact {merged} to {survivor}, "
            "which Xero merged it into"
        )
    organisation = details.get("tenant_name") or "the Xero organisation"
    if action == "xero.connected":
        return f"Connected {organisation}" + (" again" if details.get("restored") else "")
    if action == "xero.disconnected":
        return f"Disconnected {organisation}"
    if action == "xero.needs_reauthorisation":
        return f"Stopped accepting the connection to {organisation}: reconnect it"
    if action in ("deal.document.add", "deal.document.remove"):
        document = DOCUMENT_NAMES.get(details.get("document_type"), "document")
        number = details.get("number") or entry.subject
        deal = f"CRM deal {details.get('crm_deal_id', '')}".strip()
        if action == "deal.document.add":
            return f"Added {document} {number} to {deal}"
        return f"Removed {document} {number} from {deal}"
    if action == "workspace.create":
        return f"Created the workspace {entry.subject}"
    if action == "secret.rotate":
        return "Made a new signing secret (the previous ones still work)"
    if action == "secret.retire":
        return f"Retired {details.get('retired', 0)} older signing secret(s)"
    if action == "origins.set":
        return "Set the CRM addresses allowed to show the widget: " + ", ".join(
            details.get("origins") or []
        )
    return None


def describe(entry: AuditEntry) -> str:
    details = entry.details or {}
    plain = _plain(entry, details)
    if plain is not None:
        return plain
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
