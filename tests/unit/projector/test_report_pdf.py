"""Stories for a report as a PDF: given an incident's report, when printed to PDF in
English, in Chinese or in both, then the text read back out of the file (pypdf) is the
printed page's, word for word (labels, local times with their offset, amounts per locale,
translated deadline states, the footer that ties it to the ledger), and the font it is
set in travels with it: embedded as a TrueType subset (``FontFile2``)."""

from __future__ import annotations

import io
import logging
import re
from typing import Any

import msgspec
import pypdf
import pytest

from contracts import builders as b
from contracts.enums import IncidentKind, ReportChannel
from contracts.events import Site
from projector.domain.deadlines import parse_pack
from projector.domain.facts import Fact
from projector.domain.models import Config, project
from projector.views import printable, report_pdf
from projector.views.catalogue import Language
from projector.views.report_outline import outline
from projector.views.reporting import Reader, Report, build
from tests.unit.projector.registrar import Registrar
from tests.unit.projector.test_report_document import ENV, SHANGHAI, STORY, TIE, _report, at

pytestmark = pytest.mark.unit

PACK = parse_pack(
    """
id = "desk"
version = "1"
title = "Front desk"
plan = "property"

[[rule]]
id = "superior"
stage = "internal"
title = "Superior notified within 5 minutes"
start = { event = "incident.reported.v1" }
within = "5m"
satisfied_by = { event = "notification.sent.v1", match = { recipient_role = ["supervisor"] } }

[[rule]]
id = "written"
stage = "internal"
title = "Written report within 10 minutes"
start = { event = "incident.reported.v1" }
within = "10m"
satisfied_by = { event = "report.filed.v1" }
""",
    "desk.toml",
)


def _with_deadlines(language: Language | None) -> Report:
    """The story at a site in Shanghai whose plan owes the desk's two deadlines."""
    registrar = Registrar().organisation(
        "acme", country="CN", timezone=SHANGHAI, plans=("property",)
    )
    registrar.site("acme", "TWR-A")
    story = [Fact(10 + i, 1, at(i), e) for i, e in enumerate(STORY)]
    models = project(story, now=at(30), config=Config([PACK]), registry=registrar.registry)
    reader = Reader(language, SHANGHAI)
    return build(story, models, None, None, at(30), reader=reader, ledger=TIE)


def _read(document: bytes) -> pypdf.PdfReader:
    return pypdf.PdfReader(io.BytesIO(document))


def _squeezed(text: str) -> str:
    """Text without whitespace: a PDF keeps glyphs and positions, not the spaces and line
    breaks between them, which each reader guesses."""
    return re.sub(r"\s+", "", text)


def _text(document: bytes) -> str:
    return _squeezed("".join(page.extract_text() for page in _read(document).pages))


def _printed(report: Report) -> list[str]:
    """Every string the page prints: title, scope, headings, each row's label and value."""
    page = outline(report)
    sections = [*page.sections, *([page.ledger] if page.ledger else [])]
    rows = [text for s in sections for r in s.rows for text in (r.label, *r.value.split("\n"))]
    return [page.title, page.scope, *(s.heading for s in sections), *rows]


@pytest.mark.parametrize("language", ["en", "zh", None])
def test_the_pdf_says_word_for_word_what_the_printed_page_says(language: Language | None) -> None:
    report = _with_deadlines(language)
    text = _text(report_pdf.pdf(report))
    missing = [s for s in _printed(report) if _squeezed(s) not in text]
    assert not missing


def test_in_english_labels_times_amounts_and_states_are_the_readers() -> None:
    text = _text(report_pdf.pdf(_with_deadlines("en")))
    for shown in ("First superior notified", "2026-11-20T10:22:07+08:00", "CN¥12,500.00",
                  "Notified the fire brigade (119) by phone",
                  "missed · due 2026-11-20T10:30:07+08:00",
                  "met · due 2026-11-20T10:25:07+08:00"):  # fmt: skip
        assert _squeezed(shown) in text, shown
    assert "first_superior_notified_at" not in text
    assert "fire_119" not in text


def test_in_chinese_labels_times_amounts_and_states_are_the_readers() -> None:
    text = _text(report_pdf.pdf(_with_deadlines("zh")))
    for shown in ("首次报告上级时间", "2026-11-20T10:22:07+08:00", "¥12,500.00", "火灾",
                  "已通过电话通知消防 (119)", "已逾期 · 截止 2026-11-20T10:30:07+08:00",
                  "已按时完成"):  # fmt: skip
        assert _squeezed(shown) in text, shown
    assert "Notified" not in text
    assert "missed" not in text


def test_deadlines_are_due_in_the_sites_zone_with_their_state_in_words() -> None:
    report = _with_deadlines("zh")
    assert {d["due_at"].isoformat() for d in report.deadlines} == {
        "2026-11-20T10:25:07+08:00", "2026-11-20T10:30:07+08:00"}  # fmt: skip
    page = printable.html(report).decode()
    assert "已逾期 · 截止 2026-11-20T10:30:07+08:00" in page
    assert "missed" not in page


def test_the_footer_ties_the_pdf_to_the_ledger() -> None:
    text = _text(report_pdf.pdf(_report(STORY, "en")))
    footer = text[text.index("Ledgerrecord") :]
    for shown in ("INC-DOC", "ab" * 32, "cd" * 32, "2026-11-20T10:30:07+08:00",
                  "/v1/incidents/INC-DOC/bundle", "ledger-verify INC-DOC-bundle.zip"):  # fmt: skip
        assert _squeezed(shown) in footer, shown


def _fonts(document: bytes) -> list[Any]:
    fonts: list[Any] = []
    for page in _read(document).pages:
        resources: Any = page["/Resources"]
        fonts += [f.get_object() for f in resources["/Font"].values()]
    return fonts


def test_the_font_is_embedded_as_a_truetype_subset() -> None:
    document = report_pdf.pdf(_report(STORY, None))
    fonts = _fonts(document)
    assert fonts
    for font in fonts:
        assert re.fullmatch(r"/[A-Z]{6}\+NotoSansSC.*", font["/BaseFont"]), font["/BaseFont"]
        descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
        assert "/FontFile2" in descriptor
    assert len(document) < 200_000  # a subset: the whole font is 17 MB


def test_an_ended_incident_prints_no_further_loss() -> None:
    closed = [*STORY, b.close(reason="done", occurred_at=at(20), **ENV)]
    text = _text(report_pdf.pdf(_report(closed, "en")))
    assert "Trend" in text
    assert "furtherloss" not in text.lower()


def test_hangul_the_chinese_font_lacks_comes_from_the_packs_korean_font() -> None:
    document = report_pdf.pdf(_titled("화재 fire"))
    assert "화재fire" in _text(document)
    families = {str(f["/BaseFont"]).split("+")[1][:10] for f in _fonts(document)}
    assert families == {"NotoSansSC", "NotoSansKR"}


def _titled(title: str) -> Report:
    report = _report(STORY, "en")
    return msgspec.structs.replace(report, type={**report.type, "title": title})


def test_characters_no_font_holds_print_as_a_mark_and_are_not_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Given a title with an emoji, Arabic, a tab, a zero-width space and a bell, when the
    report is printed, then each character none of the pack's fonts holds shows as □, the
    tab as a space, the invisible ones not at all; and nothing names them in the log."""
    with caplog.at_level(logging.DEBUG, logger="fpdf"):
        document = report_pdf.pdf(_titled("火灾 😀 fire\tحريق\u200bend\x07!"))
    assert "火灾□fire□□□□end!" in _text(document)
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_a_description_longer_than_a_page_runs_on_over_pages() -> None:
    """Given an incident described in 4,000 Chinese characters (as long as a description
    may be), when its report is printed, then the PDF holds all of it, word for word, over
    as many table rows and pages as it takes (fpdf2 cannot break one row across pages)."""
    text = ("澎湖湾物业大堂起火，" * 400)[:4000]
    reported = b.report_incident(kind=IncidentKind.FIRE, title="Smoke", description=text,
                                 site=Site(name="Tower A", location_code="TWR-A"),
                                 channel=ReportChannel.PHONE, occurred_at=at(0), **ENV)  # fmt: skip
    document = report_pdf.pdf(_report([reported], "zh"))
    unfooted = re.sub(r"事件报告INC-DOC·\d+/\d+", "", _text(document))  # each page's foot
    assert text in unfooted
    assert len(_read(document).pages) >= 3
