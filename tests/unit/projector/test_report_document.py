"""Stories for a report as a document: given an incident, when reported in Chinese, in
English or in both, then its labels and enumerations are the catalogue's words (never a
raw identifier), its times are in the site's zone with the offset and to the second, its
amounts are per locale with the currency's exact places, an ended incident has no further
loss to expect, and its footer ties it to the ledger."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from contracts import builders as b
from contracts.enums import IncidentKind, NotifyChannel, RecipientRole, ReportChannel
from contracts.envelope import Actor, Envelope
from contracts.events import Site
from contracts.levels import Basis, LossCategory
from projector.domain.facts import Fact
from projector.domain.models import Config, project
from projector.domain.profiles import Registry
from projector.views import printable, report_text
from projector.views.catalogue import Language
from projector.views.ledger_tie import Checkpoint, LedgerTie, verify_command
from projector.views.reporting import Reader, Report, build
from tests.unit.projector.registrar import Registrar

pytestmark = pytest.mark.unit

T0 = datetime(2026, 11, 20, 2, 20, 7, 654_321, tzinfo=UTC)
ENV: dict[str, Any] = {"incident_id": "INC-DOC", "source": "test", "actor": Actor(id="desk-1")}
SHANGHAI = "Asia/Shanghai"


def at(minute: float) -> datetime:
    return T0 + timedelta(minutes=minute)


REPORTED = b.report_incident(kind=IncidentKind.FIRE, title="Smoke on floor 11",
                             site=Site(name="Tower A", unit="11", location_code="TWR-A"),
                             channel=ReportChannel.PHONE, occurred_at=at(0), **ENV)  # fmt: skip
SUPERIOR = b.notify(recipient_role=RecipientRole.SUPERVISOR, channel=NotifyChannel.RADIO,
                    occurred_at=at(2), **ENV)  # fmt: skip
BRIGADE = b.notify(recipient_role=RecipientRole.FIRE_119, channel=NotifyChannel.PHONE,
                   occurred_at=at(3), **ENV)  # fmt: skip
LOSS = b.record_loss(loss_id="L-1", category=LossCategory.PROPERTY, amount_minor=1_250_000,
                     currency="CNY", basis=Basis.ESTIMATE, insured=False, occurred_at=at(4),
                     **ENV)  # fmt: skip
STORY = [REPORTED, SUPERIOR, BRIGADE, LOSS]
TIE = LedgerTie(incident_id="INC-DOC", position=4, hash="ab" * 32,
                checkpoint=Checkpoint(size=9, root="cd" * 32, signed_at=at(10)),
                verify=verify_command("INC-DOC"))  # fmt: skip


def _report(envelopes: list[Envelope], language: Language | None, zone: str = SHANGHAI) -> Report:
    story = [Fact(i, i, at(i), e) for i, e in enumerate(envelopes, start=1)]
    models = project(story, now=at(30), config=Config([]), registry=Registry())
    return build(story, models, None, None, at(30), reader=Reader(language, zone), ledger=TIE)


def _page(envelopes: list[Envelope], language: Language | None) -> str:
    return printable.html(_report(envelopes, language)).decode()


def test_labels_and_enumerations_are_in_english() -> None:
    page = _page(STORY, "en")
    assert "First superior notified" in page
    assert "Notified the fire brigade (119) by phone" in page
    assert "first_superior_notified_at" not in page
    assert "fire_119" not in page
    assert ">fire<" in page


def test_labels_and_enumerations_are_in_chinese() -> None:
    page = _page(STORY, "zh")
    assert "首次报告上级时间" in page
    assert "已通过电话通知消防 (119)" in page
    assert ">火灾<" in page
    assert "first_superior_notified_at" not in page
    assert "Notified" not in page


def test_without_a_language_the_document_speaks_both() -> None:
    page = _page(STORY, None)
    assert "首次报告上级时间 First superior notified" in page
    assert "现场 Site and location" in page


def test_times_are_in_the_sites_zone_with_its_offset_to_the_second() -> None:
    report = _report(STORY, "en")
    notified = report.time["first_superior_notified_at"]
    assert notified.isoformat() == "2026-11-20T10:22:07+08:00"  # 02:22:07.654321Z
    assert report.measures[1]["at"].isoformat() == "2026-11-20T10:23:07+08:00"
    assert "2026-11-20T10:22:07+08:00" in printable.html(report).decode()
    assert _report(STORY, "en", "UTC").time["reported_at"].utcoffset() == timedelta(0)


def test_amounts_follow_the_locale_with_the_currencys_exact_places() -> None:
    assert "CN¥12,500.00" in _page(STORY, "en")
    assert "¥12,500.00" in _page(STORY, "zh")
    assert report_text.amount(1000, "KWD", "en") == "KWD1.000"
    assert report_text.amount(500, "JPY", "en") == "¥500"
    assert report_text.amount(-5, "EUR", "en") == "-€0.05"


def test_an_open_incident_expects_further_loss_and_a_closed_one_does_not() -> None:
    closed = [*STORY, b.close(reason="done", occurred_at=at(20), **ENV)]
    assert _report(STORY, "en").trend["potential_further_loss"] == ["CN¥12,500.00"]
    report = _report(closed, "en")
    assert "potential_further_loss" not in report.trend
    assert "open_deadlines" not in report.trend
    assert "further loss" not in printable.html(report).decode().lower()


def test_the_footer_ties_the_document_to_the_ledger() -> None:
    page = _page(STORY, "en")
    footer = page[page.index("<footer>") :]
    for shown in ("INC-DOC", "ab" * 32, ">9<", "cd" * 32, "/v1/incidents/INC-DOC/bundle",
                  "ledger-verify INC-DOC-bundle.zip"):  # fmt: skip
        assert shown in footer, shown
    assert "签名检查点：根哈希" in _page(STORY, "zh")


def test_the_zone_is_the_sites_profiles_else_utc() -> None:
    registrar = Registrar().organisation("acme", country="CN", timezone="Asia/Shanghai")
    registrar.site("acme", "TWR-A")
    story = [Fact(10 + i, 1, at(i), e) for i, e in enumerate(STORY)]
    assert report_text.zone(registrar.registry, story) == SHANGHAI
    assert report_text.zone(Registrar().registry, story) == "UTC"
