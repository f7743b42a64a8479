"""A correction's personal values (contracts.subjects.corrected_values): given a
correction whose ``corrected`` names a personal field of the corrected event, when its
values are found, then each is the subject's whom the corrected event's type names (a
claim's claimant, a notification's recipient by role), or ``<incident>:correction`` when
the corrected event is unknown; every string under such a field is found, whatever its
shape, and replacing them leaves none in the clear; a field that is not personal is left
as it is, and the ingest's cheap look always decodes a correction."""

from __future__ import annotations

import uuid
from typing import Any

import msgspec
import pytest
from hypothesis import given
from hypothesis import strategies as st

from contracts import builders, canonical
from contracts.envelope import Actor
from contracts.personal import EVENT, redact, replaced, transform
from contracts.subjects import Target, corrected_values, corrects_personal, holds_values_of
from ledger.domain.sealable import may_hold_personal

pytestmark = pytest.mark.unit
TARGET = uuid.uuid4()


def _correction(corrected: dict[str, Any], incident: str = "INC-1") -> dict[str, Any]:
    envelope = builders.correct_event(
        corrects_event_id=TARGET, corrected=corrected, reason="misspelt",
        incident_id=incident, source="desk", actor=Actor(id="cad"),
    )  # fmt: skip
    assert may_hold_personal(canonical.encode(envelope))
    return dict(msgspec.json.decode(canonical.encode(envelope)))


def test_a_corrected_claimant_name_is_the_claimants() -> None:
    event = _correction({"personal": {"name": "Wang Fang", "phone": "+86 1"}, "insurer": "PICC"})
    assert corrects_personal(event) == str(TARGET)
    found = corrected_values(event, Target("claim.opened.v1"))
    assert found == [
        (("payload", "corrected", "personal", "name"), "INC-1:claimant", "Wang Fang"),
        (("payload", "corrected", "personal", "phone"), "INC-1:claimant", "+86 1"),
    ]
    assert holds_values_of(event, "INC-1:claimant")
    assert not holds_values_of(event, "INC-2:claimant")


def test_a_corrected_recipient_is_the_recipient_of_the_notifications_role() -> None:
    event = _correction({"recipient_name": "Li Lei"})
    target = Target("notification.sent.v1", "regulator")
    assert corrected_values(event, target) == [
        (("payload", "corrected", "recipient_name"), "INC-1:recipient:regulator", "Li Lei")
    ]


def test_an_unknown_target_seals_under_the_incidents_correction_subject() -> None:
    event = _correction({"personal": {"name": "Zhao"}})
    assert [s for _, s, _ in corrected_values(event, None)] == ["INC-1:correction"]


def test_a_correction_of_fields_that_are_not_personal_holds_none() -> None:
    event = _correction({"title": "Fire in the canteen", "insurer": "PICC"})
    assert corrects_personal(event) is None


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(_JSON, st.sampled_from(["personal", "recipient_name"]))
def test_every_string_under_a_personal_field_is_found_whatever_its_shape(
    value: Any, field: str
) -> None:
    event = _correction({field: value, "title": "kept"})
    found = corrected_values(event, Target("incident.reported.v1"))
    sealed = replaced(event, [(path, "pd1.x") for path, _, _ in found])
    assert not _strings(sealed["payload"]["corrected"][field]) - {"pd1.x"}
    assert sealed["payload"]["corrected"]["title"] == "kept"


def _strings(node: Any) -> set[str]:
    if isinstance(node, str):
        return {node} if node else set()
    if isinstance(node, dict):
        return {s for v in node.values() for s in _strings(v)}
    if isinstance(node, list):
        return {s for v in node for s in _strings(v)}
    return set()


def test_a_corrections_personal_values_are_blanked_for_clerks_and_opened_for_auditors() -> None:
    event = _correction({"personal": {"name": "pd1.sealed"}, "title": "kept"})
    typed = builders.correct_event(
        corrects_event_id=TARGET, corrected={"recipient_name": "pd1.sealed", "title": "kept"},
        reason="misspelt", incident_id="INC-1", source="desk", actor=Actor(id="cad"),
    )  # fmt: skip
    assert redact(event, EVENT)["payload"]["corrected"] == {
        "personal": {"name": ""},
        "title": "kept",
    }
    assert redact(typed).payload.corrected == {"recipient_name": "", "title": "kept"}  # type: ignore[attr-defined]
    opened = transform(event, lambda _blank, v: "Wang Fang" if v == "pd1.sealed" else v, EVENT)
    assert opened["payload"]["corrected"]["personal"] == {"name": "Wang Fang"}
