"""`flask --app wsgi sandbox pay|approve|void|credit|allocate|merge`: change a demo organisation
as a person would in Xero, to watch a panel react (webhooks follow when they are switched on)."""

import click
from flask import current_app

from widget.sandbox import actions


def _sandbox():
    return current_app.extensions["sandbox"]


def _tenant(org_name: str) -> str:
    try:
        return _sandbox().find_org(org_name).tenant_id
    except LookupError as exc:
        raise click.ClickException(str(exc)) from None


def _run(action, *args):
    """Run an action; refusals become a clear CLI error; webhooks are sent before exiting."""
    box = _sandbox()
    try:
        return action(box, *args)
    except actions.ActionError as exc:
        raise click.ClickException(str(exc)) from None
    finally:
        if box.webhooks.flush():
            for delivery in box.webhooks.deliveries:
                click.echo(f"webhook: {delivery['events']} events, {delivery['outcome']}")


ORG = click.option("--org", "org_name", required=True, help="Organisation name or unique prefix.")
INVOICE = click.option("--invoice", required=True, help="Invoice number (INV-0007) or InvoiceID.")


def register(group: click.Group) -> None:
    @group.command("pay")
    @ORG
    @INVOICE
    @click.option("--amount", help="Amount to pay (default: all that is due).")
    @click.option("--account", default="090", show_default=True, help="Bank account code.")
    def pay_command(org_name, invoice, amount, account):
        """Record a payment against an AUTHORISED invoice or bill."""
        payment = _run(actions.pay, _tenant(org_name), invoice, amount, account)
        click.echo(
            f"paid {payment['Amount']:.2f} on {payment['Invoice']['InvoiceNumber'] or invoice}"
        )

    @group.command("approve")
    @ORG
    @INVOICE
    def approve_command(org_name, invoice):
        """Approve a DRAFT or SUBMITTED invoice or bill (it becomes AUTHORISED)."""
        done = _run(actions.approve, _tenant(org_name), invoice)
        click.echo(f"{done.get('InvoiceNumber') or done['InvoiceID']}: {done['Status']}")

    @group.command("void")
    @ORG
    @INVOICE
    def void_command(org_name, invoice):
        """Void an AUTHORISED invoice without payments (a draft is deleted)."""
        done = _run(actions.void, _tenant(org_name), invoice)
        click.echo(f"{done.get('InvoiceNumber') or done['InvoiceID']}: {done['Status']}")

    @group.command("credit")
    @ORG
    @click.option("--contact", required=True, help="Contact name, number or ContactID.")
    @click.option("--amount", required=True, help="Credit amount (no tax).")
    @click.option("--purchase", is_flag=True, help="A supplier's credit note (ACCPAYCREDIT).")
    def credit_command(org_name, contact, amount, purchase):
        """Raise an AUTHORISED credit note for a contact."""
        note = _run(actions.credit, _tenant(org_name), contact, amount, not purchase)
        click.echo(f"{note['CreditNoteNumber'] or note['CreditNoteID']}: {note['Total']:.2f}")

    @group.command("allocate")
    @ORG
    @click.option("--credit-note", "note", required=True, help="CN-0003 or CreditNoteID.")
    @INVOICE
    @click.option("--amount", help="Amount (default: as much as both allow).")
    def allocate_command(org_name, note, invoice, amount):
        """Allocate a credit note to an invoice of the same contact."""
        done = _run(actions.allocate_credit, _tenant(org_name), note, invoice, amount)
        click.echo(f"allocated {done['Amount']:.2f} to {done['Invoice']['InvoiceNumber']}")

    @group.command("merge")
    @ORG
    @click.option("--from", "source", required=True, help="The contact that goes (name or id).")
    @click.option("--into", "target", required=True, help="The contact that stays.")
    def merge_command(org_name, source, target):
        """Merge one contact into another: its documents move, it is archived."""
        done = _run(actions.merge, _tenant(org_name), source, target)
        moved = ", ".join(f"{n} {kind}s" for kind, n in done["moved"].items())
        click.echo(f"merged {done['from']} into {done['into']} ({moved})")
