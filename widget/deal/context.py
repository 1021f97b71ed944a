"""Everything a deal-panel request needs: the company/deal context (people and their links,
organisation, grant) plus the deal's picked documents."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from widget.company.associated import Person
from widget.company.context import GroupContext
from widget.company.context import load as load_group
from widget.db import get_session
from widget.deal import picks as picking
from widget.deal.models import DealDocument

DEAL = "deal"


@dataclass
class DealContext(GroupContext):
    @cached_property
    def deal_key(self) -> picking.DealKey:
        return picking.DealKey(self.workspace_id, self.tenant_id, self.crm_contact_id)

    @cached_property
    def picks(self) -> list[DealDocument]:
        """The deal's documents under the connected organisation (none while not connected)."""
        if self.problem is not None:
            return []
        return picking.picks(get_session(), self.deal_key)

    def forget_picks(self) -> None:
        self.__dict__.pop("picks", None)

    @property
    def primary(self) -> Person | None:
        return next((p for p in self.people if p.primary), None)

    @property
    def deal_name(self) -> str:
        return str(self.record.get("name") or "")

    def document_contact_ids(self) -> list[str]:
        """Whose documents to fetch: the people's linked Xero contacts (what can be picked) and
        the picks' own contacts (a pick stays when its contact is unlinked)."""
        ids = self.xero_contact_ids() + [p.xero_contact_id for p in self.picks]
        return list(dict.fromkeys(i.lower() for i in ids))


def load() -> DealContext:
    return load_group(DEAL, DEAL, DealContext)
