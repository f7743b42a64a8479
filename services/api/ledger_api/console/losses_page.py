"""The loss run in the console: at a valuation date (default today), its totals per
currency, incurred amounts charted by month of loss and by kind or site, the first rows
with each incident's claim pack, and the whole run to download (the API's CSV and XLSX,
which the session may fetch). An audited read, like the API's; a clerk's rows are
redacted as the API's are, and the console shows no personal column at all."""

from __future__ import annotations

import contextlib
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from litestar import Request, get
from litestar.params import QueryParameter
from litestar.response import Template

from contracts import money
from ledger_api import access, app_state, moments
from ledger_api.auth import READERS, roles, sees_personal_data
from ledger_api.console.loss_chart import Sums
from ledger_api.console.rendering import page
from ledger_api.routes.loss_records import Asked, plan
from projector.domain.loss_run import Line
from projector.views import lossrun, lossrun_cells

SHOWN = 200  # rows listed on the page; the downloads hold them all
By = Literal["kind", "site"]


class Run:
    """What the page shows of a run: the first rows, totals, sums for the charts."""

    def __init__(self) -> None:
        self.rows: list[Line] = []
        self.count = 0
        self.totals = lossrun_cells.Totals()
        self.sums = Sums(("month", "kind", "site"))

    def add(self, batch: list[Line]) -> None:
        for row in batch:
            self.totals.add(row)
            self.sums.add(row)
        self.rows.extend(batch[: max(SHOWN - len(self.rows), 0)])
        self.count += len(batch)


async def _read(request: Request[Any, Any, Any], valuation_date: str | None) -> tuple[Run, Any]:
    state = app_state.of(request)
    scope = request.user.scope
    query, header = plan(
        Asked(moments.as_of_day("valuation_date", valuation_date), None, None, None),
        lossrun.Query(
            redact=not sees_personal_data(request.user),
            organisation_id=None if scope is None else scope.organisation_id,
            site_id=None if scope is None else scope.site_id,
        ),
        state.insured,
    )
    run = Run()
    async with (
        state.pool.acquire() as conn,
        conn.transaction(),
        contextlib.aclosing(lossrun.batches(conn, query)) as batches,
    ):
        async for batch in batches:
            run.add(batch)
    await state.access_writer.record(access.values(request, "loss_run", "console/losses"), 200)
    return run, header


def _totals(run: Run) -> list[tuple[str, list[int], list[str]]]:
    """Per currency: the counts (rows, claims, unclaimed losses) and the amounts shown."""
    return [
        (cur, acc[:3], [money.formatter(cur)(a) for a in acc[3:]])
        for cur, acc in sorted(run.totals.by_currency.items())
    ]


@get("/console/losses", include_in_schema=False, opt=roles(*READERS))
async def losses(
    request: Request[Any, Any, Any],
    valuation_date: Annotated[str | None, QueryParameter(max_length=10)] = None,
    by: By = "kind",
) -> Template:
    run, header = await _read(request, valuation_date or None)
    day = header.valuation_date.isoformat()
    return page(
        request, "losses.html", run=run, day=day, by=by,
        totals=_totals(run), months=run.sums.charts("month"), groups=run.sums.charts(by),
        amount=lambda minor, currency: money.formatter(currency)(minor),
        csv="/v1/losses?" + urlencode({"valuation_date": day, "format": "csv"}),
        xlsx="/v1/losses?" + urlencode({"valuation_date": day, "format": "xlsx"}),
    )  # fmt: skip
