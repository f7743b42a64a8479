"""The loss run's rows and totals as cells: text for CSV, typed for XLSX (dates as dates,
amounts as the doubles nearest their exact decimals, :func:`contracts.money.cell`), an
object for JSON (decimal strings, the minor
units beside them). All made from one table of columns and their kinds,
:data:`projector.views.lossrun_columns.TABLE`, in its order.

Totals come after the rows, in the same columns: per currency (``incident_id`` ``TOTAL``),
then per currency, carrier and policy (``TOTAL BY CARRIER AND POLICY``); ``claim_number``
holds the count of claims, ``loss_ids`` the count of unclaimed losses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import date
from operator import add, attrgetter
from typing import Any, TypeVar

from contracts import money
from projector.domain.loss_run import UNCLAIMED, Line
from projector.views.lossrun_columns import AMOUNTS, COLUMNS, TABLE, Column, Kind
from projector.views.tabular import day_number

TOTAL, BY_CARRIER = "TOTAL", "TOTAL BY CARRIER AND POLICY"
_COUNTS = ("rows", "claims", "unclaimed")
_WIDTH = len(_COUNTS) + len(AMOUNTS)  # a totals row: the counts, then the sums
amounts = attrgetter(*(column.field for column in TABLE if column.kind is Kind.AMOUNT))
"""A row's amounts in minor units, in the order of :data:`AMOUNTS`."""

K = TypeVar("K")
V = TypeVar("V")
Shown = Callable[[str], Any]  # a currency → its amounts' cell maker (called, or indexed)
Cells = Mapping[Kind, str]  # a kind → its cell as an expression of ``{v}``, the row's field


def maker(
    name: str,
    cells: Cells,
    shown: Shown,
    brackets: str = "()",
    table: Sequence[Column] = TABLE,
    names: Mapping[str, Any] | None = None,
) -> Callable[[Line], Any]:
    """A row's cells in one format, made from ``table``: each column's cell the
    expression ``cells`` gives its kind (``amount`` being ``shown`` for the row's currency,
    ``names`` what else the expressions name),
    the whole row one tuple (or list) display, as fast as one written out by hand (a long
    run calls it for every row). The source is made from the table's names, never input."""
    shown_cells = ", ".join(cells[c.kind].format(v=f"row.{c.field}") for c in table)
    opening, closing = brackets[0], brackets[1]
    source = (
        f"def {name}(row):\n    amount = shown(row.currency)\n"
        f"    return {opening}{shown_cells}{closing}\n"
    )
    return _compiled(name, source, {"shown": shown, "day_number": day_number, **(names or {})})


def _compiled(name: str, source: str, scope: dict[str, Any]) -> Callable[..., Any]:
    """The function ``name`` defined by ``source`` (made from :data:`TABLE` only)."""
    exec(compile(source, f"<loss-run cells: {name}>", "exec"), scope)
    made: Callable[..., Any] = scope[name]
    return made


def _summer() -> Callable[[list[int], Line], None]:
    """Adds a row's amounts to a totals row's sums (after its counts), one statement an
    amount, as fast as written out by hand: every row of a run passes through it twice."""
    fields = [column.field for column in TABLE if column.kind is Kind.AMOUNT]
    body = "".join(f"    acc[{at}] += row.{f}\n" for at, f in enumerate(fields, len(_COUNTS)))
    return _compiled("add_amounts", f"def add_amounts(acc, row):\n{body}", {})


_add_amounts = _summer()


AS_IT_IS = {Kind.TEXT: "{v}", Kind.CURRENCY: "{v}", Kind.AMOUNT: "amount({v})",
             Kind.IDS: '", ".join({v})'}  # fmt: skip
_CSV = AS_IT_IS | {Kind.OPTIONAL: "{v}", Kind.DAY: "d.date().isoformat() if (d := {v}) else None",
                   Kind.COUNT: "None if (n := {v}) is None else str(n)"}  # fmt: skip
cells = maker("cells", _CSV, money.formatter)
"""A row as CSV cells: amounts in currency units, exactly as many places as the currency;
absent values ``None`` (an empty cell)."""

REMEMBERED = 1 << 14  # cells of one kind (a currency's amounts, days) a run's CSV keeps made


class _Memo(dict[K, V]):
    """``made(key)`` for each key, made once and looked up after (a run's cells repeat:
    zero amounts, round reserves, the few days its rows share), up to :data:`REMEMBERED`
    keys; any more made each time."""

    def __init__(self, made: Callable[[K], V]) -> None:
        super().__init__()
        self.made = made

    def __missing__(self, key: K) -> V:
        value = self.made(key)
        if len(self) < REMEMBERED:
            self[key] = value
        return value


class _Currencies(dict[str, _Memo[int, str]]):
    """Each currency's amounts as :func:`contracts.money.formatter` shows them, remembered."""

    def __missing__(self, currency: str) -> _Memo[int, str]:
        made = self[currency] = _Memo(money.formatter(currency))
        return made


_CSV_TEXTS = _CSV | {Kind.OPTIONAL: '{v} or ""', Kind.AMOUNT: "amount[{v}]",
                    Kind.DAY: 'days[d.date()] if (d := {v}) else ""',
                    Kind.COUNT: '"" if (n := {v}) is None else str(n)'}  # fmt: skip


def csv_cells() -> Callable[[Line], tuple[str, ...]]:
    """:data:`cells` for one run, as the CSV writes them: every cell text (an absent value
    ``""``, written as ``None`` is), each distinct amount and each day formatted once in
    the run and looked up after (forgotten with it, so memory stays flat across runs)."""
    made = {"days": _Memo(date.isoformat)}
    return maker("csv_cells", _CSV_TEXTS, _Currencies().__getitem__, names=made)


xlsx_cells = maker(
    "xlsx_cells",
    AS_IT_IS | {Kind.OPTIONAL: '{v} or ""', Kind.DAY: "day_number(d) if (d := {v}) else None",
                 Kind.COUNT: "{v}"},
    money.cell,
    "[]",  # the bindings take lists only
)  # fmt: skip
"""A row for a spreadsheet: dates as day numbers (:func:`tabular.day_number`, shown in
:data:`tabular.DATE`), amounts as numbers (the doubles nearest their exact decimals)."""

_json_cells = maker(
    "json_cells",
    AS_IT_IS | {Kind.OPTIONAL: '{v} or ""', Kind.DAY: "d.date() if (d := {v}) else None",
                 Kind.COUNT: "{v}"},
    money.formatter,
)  # fmt: skip


def json_row(row: Line) -> dict[str, Any]:
    """A row as JSON: the columns (dates as ISO days, amounts as decimal strings), then
    ``<amount>_minor``."""
    out = dict(zip(COLUMNS, _json_cells(row), strict=True))
    out.update((f"{name}_minor", a) for name, a in zip(AMOUNTS, amounts(row), strict=True))
    return out


class Totals:
    """Totals per currency and per (currency, carrier, policy): counts of rows, claims and
    unclaimed losses, then the sums of :data:`AMOUNTS`; those per (currency, carrier,
    policy) kept while rows stream past, those per currency summed from them."""

    def __init__(self) -> None:
        self.by_carrier: dict[tuple[str, str, str], list[int]] = {}

    def add(self, row: Line) -> None:
        group = (row.currency, row.carrier, row.policy_number)
        if (acc := self.by_carrier.get(group)) is None:
            acc = self.by_carrier[group] = [0] * _WIDTH
        acc[0] += 1
        acc[2 if row.status == UNCLAIMED else 1] += 1
        _add_amounts(acc, row)

    @property
    def by_currency(self) -> dict[str, list[int]]:
        """The totals per currency: each a sum of its (currency, carrier, policy) totals,
        made once the rows are in rather than kept beside them for every row."""
        out: dict[str, list[int]] = {}
        for (cur, _, _), acc in self.by_carrier.items():
            if (sums := out.get(cur)) is None:
                out[cur] = list(acc)
            else:
                sums[:] = map(add, sums, acc)
        return out

    def as_json(self) -> dict[str, dict[str, Any]]:
        return {cur: _json(cur, acc) for cur, acc in sorted(self.by_currency.items())}

    def by_carrier_json(self) -> list[dict[str, Any]]:
        return [
            {"currency": cur, "carrier": carrier, "policy_number": policy, **_json(cur, acc)}
            for (cur, carrier, policy), acc in sorted(self.by_carrier.items())
        ]

    def lines(self) -> Iterator[tuple[str, str, str, str, list[int]]]:
        """(label, currency, carrier, policy, figures) for every totals row, in order."""
        for cur, acc in sorted(self.by_currency.items()):
            yield TOTAL, cur, "", "", acc
        for (cur, carrier, policy), acc in sorted(self.by_carrier.items()):
            yield BY_CARRIER, cur, carrier, policy, acc

    def cells(self) -> Iterator[list[Any]]:
        for label, cur, carrier, policy, acc in self.lines():
            yield _total_row(label, carrier, policy, acc, money.formatter(cur), cur)

    def xlsx_cells(self) -> Iterator[tuple[list[Any], str]]:
        """Each totals row with its currency (for the number format)."""
        for label, cur, carrier, policy, acc in self.lines():
            yield _total_row(label, carrier, policy, acc, money.cell(cur), cur), cur


def _total_row(label: str, carrier: str, policy: str, acc: list[int],
               shown: Callable[[int], Any], currency: str) -> list[Any]:  # fmt: skip
    """A totals row in the columns of :data:`TABLE`: the label, the counts of claims and of
    unclaimed losses, carrier, policy, the sums and the currency; the other cells blank."""
    named: dict[str, Any] = {
        "incident_id": label, "claim_number": acc[1], "loss_ids": acc[2], "carrier": carrier,
        "policy_number": policy, "currency": currency,
    }  # fmt: skip
    named.update(zip(AMOUNTS, map(shown, acc[3:]), strict=True))
    return [named.get(name, "") for name in COLUMNS]


def _json(currency: str, acc: list[int]) -> dict[str, Any]:
    out: dict[str, Any] = dict(zip(_COUNTS, acc[:3], strict=True))
    for name, amount in zip(AMOUNTS, acc[3:], strict=True):
        out[name], out[f"{name}_minor"] = money.units(amount, currency), amount
    return out
