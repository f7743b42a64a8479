"""The loss run's columns: one table, in order, each column's name and kind. The names
(:data:`COLUMNS`, :data:`AMOUNTS`), each format's cells (:mod:`projector.views.lossrun_cells`)
and the spreadsheet's cell formats (:mod:`projector.views.lossrun_xlsx`) are all made from it,
so a column moved or added here moves or appears in JSON, CSV and XLSX alike."""

from __future__ import annotations

import enum
from typing import NamedTuple


class Kind(enum.Enum):
    TEXT = "text"  # as it is
    OPTIONAL = "optional"  # text that may be absent: blank in JSON and XLSX
    IDS = "ids"  # several identifiers, one cell: joined by ", "
    DAY = "day"  # an instant shown as its day (UTC)
    COUNT = "count"  # a whole number, or absent
    AMOUNT = "amount"  # integer minor units of the row's currency
    CURRENCY = "currency"  # the row's currency code: text, beside the amounts it qualifies


class Column(NamedTuple):
    name: str
    kind: Kind

    @property
    def field(self) -> str:
        """The :class:`projector.domain.loss_run.Line` field the column shows."""
        return f"{self.name}_minor" if self.kind is Kind.AMOUNT else self.name


TABLE = (
    Column("incident_id", Kind.TEXT),
    Column("claim_number", Kind.TEXT),
    Column("loss_ids", Kind.IDS),
    Column("date_of_loss", Kind.DAY),
    Column("date_reported", Kind.DAY),
    Column("kind", Kind.OPTIONAL),
    Column("location_code", Kind.OPTIONAL),
    Column("claimant", Kind.TEXT),
    Column("carrier", Kind.TEXT),
    Column("policy_number", Kind.TEXT),
    Column("coverage", Kind.TEXT),
    Column("status", Kind.TEXT),
    Column("days_unclaimed", Kind.COUNT),
    Column("recorded_loss", Kind.AMOUNT),
    Column("paid", Kind.AMOUNT),
    Column("reserve", Kind.AMOUNT),
    Column("incurred", Kind.AMOUNT),
    Column("recovered", Kind.AMOUNT),
    Column("net_incurred", Kind.AMOUNT),
    Column("currency", Kind.CURRENCY),
)
COLUMNS = tuple(column.name for column in TABLE)
AMOUNTS = tuple(column.name for column in TABLE if column.kind is Kind.AMOUNT)
