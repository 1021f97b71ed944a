"""Every table the app stores, imported in one place so Alembic and tests see them all."""

from widget.auth.models import (  # noqa: F401
    AuditEntry,
    PanelSession,
    UsedLaunchToken,
    User,
    Workspace,
    WorkspaceSecret,
)
from widget.connection.models import PendingConnect, XeroConnection  # noqa: F401
from widget.contact.models import ContactLink  # noqa: F401
from widget.crm.models import CrmContact, CrmCreation, CrmMatch, UsedSignature  # noqa: F401
from widget.deal.models import DealDocument  # noqa: F401
from widget.drafts.models import DraftSubmission  # noqa: F401
from widget.mirror.models import (  # noqa: F401
    MirrorContact,
    MirrorCreditNote,
    MirrorInvoice,
    MirrorQuote,
    MirrorState,
    WebhookEvent,
)
from widget.xero_usage import OrganisationUsage  # noqa: F401
