"""``GET /v1/losses/triangle``: loss development triangles per currency, in JSON or CSV,
for the readers of the loss run and scoped like it."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Annotated, Any, Literal

from litestar import Request, Response, get
from litestar.params import FromQuery, QueryParameter

from ledger_api import access, moments
from ledger_api.app_state import AppState
from ledger_api.auth import READERS, Principal, roles
from ledger_api.paging import BadParameter
from ledger_api.problems import READ, TEXT_CSV, alternatives, attachment
from ledger_api.routes import loss_records
from projector.domain.development import Basis, Measure
from projector.views.csv_text import BOM, CsvWriter
from projector.views.lossrun_xlsx import Stamp, stamp_lines
from projector.views.tabular import Workbook
from projector.views.triangle import MONTHS, Period, Shape
from projector.views.triangle_read import TriangleQuery, answer
from projector.views.triangle_render import TriangleAnswer, csv_rows, header_lines, xlsx_rows

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_Text = Annotated[str | None, QueryParameter(max_length=40)]


def _choice(name: str, text: str | None, kind: type[Any], default: Any) -> Any:
    if text is None:
        return default
    try:
        return kind(text)
    except ValueError:
        known = ", ".join(k.value for k in kind)
        raise BadParameter(name, f"must be one of {known} (got {text!r})") from None


def _valuation(valuation_date: str | None, as_of: str | None) -> datetime:
    if (instant := moments.as_of("as_of", as_of)) is not None:
        return instant
    day = moments.as_of_day("valuation_date", valuation_date)
    if day is None:
        return datetime.now(UTC)
    return datetime.combine(day + timedelta(days=1), time(), UTC) - timedelta(microseconds=1)


def _shape(params: dict[str, str | None]) -> Shape:
    origin = _choice("origin", params["origin"], Period, Period.QUARTER)
    development = _choice("development", params["development"], Period, origin)
    if MONTHS[development] > MONTHS[origin]:
        raise BadParameter("development", f"must not be longer than the origin ({origin})")
    low = moments.bound_day("from", params["from"])
    high = moments.bound_day("to", params["to"])
    if low and high and low > high:
        raise BadParameter("to", "must not be before 'from'")
    valuation = _valuation(params["valuation_date"], params["as_of"])
    return Shape(origin=origin, development=development, valuation=valuation,
                 loss_from=low, loss_to=high)  # fmt: skip


def _currency(text: str | None) -> str | None:
    if text is not None and not (len(text) == 3 and text.isascii() and text.isupper()):
        raise BadParameter("currency", "must be an ISO 4217 code such as EUR")
    return text


@get(
    "/v1/losses/triangle",
    opt=roles(*READERS),
    tags=["losses"],
    summary="Loss development triangles",
    responses=READ,
    operation_class=alternatives(TEXT_CSV, XLSX),
)
async def loss_triangle(
    request: Request[Principal, Any, Any],
    state: AppState,
    measure: _Text = None,
    origin: _Text = None,
    development: _Text = None,
    loss_from: Annotated[str | None, moments.day("date of loss on or after", "from")] = None,
    loss_to: Annotated[str | None, moments.day("date of loss on or before", "to")] = None,
    basis: _Text = None,
    currency: _Text = None,
    with_: Annotated[str | None, QueryParameter(name="with", max_length=20)] = None,
    valuation_date: Annotated[
        str | None, moments.day("valued at the end of this day (UTC)")
    ] = None,
    as_of: Annotated[
        str | None, moments.date_time("valued at this instant instead (overrides the date)")
    ] = None,
    format: FromQuery[Literal["json", "csv", "xlsx"]] = "json",
) -> Response[Any]:
    """Cumulative triangles per currency of ``measure`` (paid | incurred | reported_count,
    default paid) by ``origin`` period of the date of loss and ``development`` period
    (month | quarter | year; default quarter, development the origin's), on ``basis``
    occurred (each movement at its occurred_at; default) or recorded (what the ledger knew
    at the end of each period), valued at the end of ``valuation_date`` or at the instant
    ``as_of``. ``with=factors`` adds volume-weighted age-to-age factors and
    chain-ladder ultimates."""
    params = {"origin": origin, "development": development, "from": loss_from, "to": loss_to,
              "valuation_date": valuation_date, "as_of": as_of}  # fmt: skip
    if with_ not in (None, "factors"):
        raise BadParameter("with", "must be factors")
    scope = request.user.scope
    query = TriangleQuery(
        measure=_choice("measure", measure, Measure, Measure.PAID),
        basis=_choice("basis", basis, Basis, Basis.OCCURRED),
        shape=_shape(params),
        currency=_currency(currency),
        factors=with_ == "factors",
        organisation_id=None if scope is None else scope.organisation_id,
        site_id=None if scope is None else scope.site_id,
    )
    async with state.pool.acquire() as conn:
        await access.record(conn, request, "loss_triangle", "losses")
        found = await answer(conn, query)
    if format == "xlsx":
        return _xlsx(found, state.insured, await loss_records.stamp(state.pool))
    return _respond(found, format)


def _name(found: TriangleAnswer, format: str) -> dict[str, str]:
    return attachment(f"loss-triangle-{found.measure}-{found.valuation.date()}.{format}")


def _xlsx(found: TriangleAnswer, insured: str, stamp: Stamp) -> Response[bytes]:
    """The triangles (a total line per currency), then a header sheet naming what they are
    of and where the ledger stood."""
    with Workbook("Loss triangle") as book:
        for line, bold in xlsx_rows(found):
            book.write(line, bold=bold)
        lines = header_lines(found, insured) + stamp_lines(stamp)
        book.label_sheet("Header", "Loss triangle", lines)
        data = b"".join(book.chunks())
    return Response(data, media_type=XLSX, headers=_name(found, "xlsx"))


def _respond(found: TriangleAnswer, format: str) -> Response[Any]:
    if format == "csv":
        body = BOM + CsvWriter().encode(csv_rows(found))
        return Response(body, media_type=TEXT_CSV, headers=_name(found, "csv"))
    return Response(found)
