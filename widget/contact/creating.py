"""Add contact: create the Xero contact from the form and link it to the CRM record.

Shared by the contact and company panels, whose records both link to one Xero contact.
"""

from widget.contact import links
from widget.contact import panel as states
from widget.contact.forms import ContactForm
from widget.db import get_session
from widget.xero import XeroError, XeroValidationError


def create_and_link(ctx, form: ContactForm) -> int | None:
    """None once the new contact is linked; otherwise the status to show the form again with
    (its messages set beside the fields, or at the top)."""
    if ctx.problem is not None:
        form.general_errors.append(ctx.problem.message_for(ctx.is_admin))
        return 409
    if not form.validate():
        return 422
    try:
        contact = ctx.xero.create_contact(form.draft(), form.idempotency_key)
    except XeroValidationError as exc:
        form.refused(exc)
        return 422
    except (XeroError, TimeoutError) as exc:
        form.general_errors.append(states.failure(ctx, exc).message)
        return 503
    db = get_session()
    links.record_created_contact(db, ctx.link_key, contact.contact_id, contact.name, ctx.user)
    links.link(db, ctx.link_key, contact.contact_id, contact.name, ctx.user)
    db.commit()
    return None
