"""The console's verifier (``verify.js``) in a real Chromium, held to the vectors
``ledger-verify``'s own tests use: RFC 6962's Merkle tree, the C2SP reference note, and
bundles the server's writers make, untouched and edited every way an attacker would,
where it must reach ``ledger-verify``'s verdict and name the same first record, and say
what it checked and what failed in Chinese as well as in English."""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import pytest
import pytest_asyncio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_verify import bundle as offline
from ledger_verify import merkle, note
from ledger_verify.report import VALID, Report
from playwright.async_api import Browser, Page, Route, expect

from ledger.audit import bundle_json
from ledger_api.console import words
from tests.browser.verify_page import (
    ORIGIN,
    VERIFY_UI_JS,
    chromium,
    copy,
    verifier_page,
    verify,
    zip_of,
)
from tests.unit.verify.ledgers import KEY, SIGNER, build
from tests.unit.verify.test_merkle import LEAVES, VECTOR_LEAVES, VECTOR_ROOTS
from tests.unit.verify.test_signed_notes import NOTE, TEXT, VKEY

pytestmark = [pytest.mark.browser, pytest.mark.asyncio(loop_scope="module")]
INCIDENTS = ["A", "B", "A", "C", "A", "A", "B", "A", "A"] * 4
ATTACKS: dict[str, Callable[[list[dict[str, Any]]], list[dict[str, Any]]]] = {}


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    """One Chromium for the module (each test gets a page of its own)."""
    async for launched in chromium():
        yield launched


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser) -> AsyncIterator[Page]:
    page = await verifier_page(browser)
    yield page
    await page.close()


async def test_leaf_hashes_and_inclusion_proofs_match_rfc_6962(page: Page) -> None:
    """Given RFC 6962's eight test leaves, then the page hashes each as the published tree
    does, accepts every true inclusion proof in every prefix, and refuses bent ones."""
    cases = []
    for size in range(1, len(LEAVES) + 1):
        for index in range(size):
            proof = [h.hex() for h in merkle.inclusion_proof(LEAVES[:size], index)]
            cases.append([index, size, proof, VECTOR_ROOTS[size - 1]])
    got = await page.evaluate(INCLUSION, [[d.hex() for d in VECTOR_LEAVES], cases])
    assert got["leaves"] == [h.hex() for h in LEAVES]
    assert got["true"] == [True] * len(cases)
    assert not any(got["bent"])
    assert got["moved"] == []


INCLUSION = """async ([data, cases]) => {
  const bytes = (hex) => Uint8Array.from(hex.match(/../g) || [], (b) => parseInt(b, 16));
  const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
  const leaves = await Promise.all(data.map((d) => LedgerVerify.leafHash(bytes(d))));
  const check = ([index, size, proof, root], edit) => {
    const path = proof.map(bytes), at = bytes(root);
    if (edit === "bent") (path.length ? path[0] : at)[31] ^= 1;
    const place = edit === "moved" ? (index + 1) % size : index;
    return LedgerVerify.verifyInclusion(leaves[index], place, size, path, at);
  };
  const all = (edit) => Promise.all(cases.map((c) => check(c, edit)));
  return { leaves: leaves.map(hex), true: await all(""), bent: await all("bent"),
           moved: (await all("moved")).filter((ok, i) => ok && cases[i][1] > 1) };
}"""


async def test_the_reference_note_opens_with_its_key_and_only_with_it(page: Page) -> None:
    """Given C2SP's reference note and key, then its text comes out; edited, or under
    another key or a mangled key, it does not."""
    other = str(note.generate("PeterNeumann").verifier())
    got = await page.evaluate(NOTES, [NOTE, VKEY, other])
    assert got["text"] == TEXT
    assert got["edited"] == got["foreign"] == "not signed by the pinned key"
    assert got["mangled"] == ["not a verifier key"] * 3


NOTES = """async ([note, key, other]) => {
  const opened = async (n, k) => {
    try { return await LedgerVerify.openNote(n, await LedgerVerify.parseKey(k), "note"); }
    catch (e) { return e.message.includes("not signed by the pinned key")
      ? "not signed by the pinned key" : e.message; }
  };
  const refused = (e) =>
    e.message.includes("not a verifier key") ? "not a verifier key" : e.message;
  const mangled = await Promise.all([key.slice(0, -1), key.replace("c74f20a3", "c74f20a4"),
    "Peter+Neumann+" + key.slice(13)].map((k) =>
      LedgerVerify.parseKey(k).then(() => "accepted", refused)));
  return { text: await opened(note, key), edited: await opened(note.replace("cryptography",
    "cryptographY"), key), foreign: await opened(note, other), mangled };
}"""


def _record(entry: dict[str, Any], edit: Callable[[bytes], bytes]) -> None:
    entry["record"] = base64.b64encode(edit(base64.b64decode(entry["record"]))).decode()


def _edited(entries: list[dict[str, Any]], rehash: bool) -> list[dict[str, Any]]:
    _record(entries[3], lambda r: r.replace(b"smoke", b"SMOKE"))
    if rehash:  # the columns' hash made to match, as a superuser would
        record = base64.b64decode(entries[3]["record"])
        entries[3]["columns"]["hash"] = hashlib.sha256(record).hexdigest()
    return entries


def _column(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    entries[2]["columns"]["type"] = "incident.closed"
    return entries


BUNDLE = bundle_json.document(key=SIGNER.verifier(), **build(INCIDENTS).bundle_parts("A"))
FOREIGN = bundle_json.document(key=SIGNER.verifier(), **build(INCIDENTS).bundle_parts("B"))
ATTACKS.update({
    "untouched": lambda entries: entries,
    "payload edited": lambda entries: _edited(entries, rehash=False),
    "payload edited, hashes recomputed": lambda entries: _edited(entries, rehash=True),
    "column edited alone": _column,
    "event dropped": lambda entries: entries[:4] + entries[5:],
    "event duplicated": lambda entries: entries[:5] + entries[4:],
    "last event dropped": lambda entries: entries[:-1],
    "events swapped": lambda entries: [entries[1], entries[0], *entries[2:]],
    "another incident's event added": lambda entries: [
        *entries[:3], copy(FOREIGN)["records"][2], *entries[3:]
    ],
})  # fmt: skip


def _first_position(report: Report) -> int | None:
    return next((f.position for f in report.findings if f.position is not None), None)


async def _both(page: Page, doc: dict[str, Any], key: str, tmp: Path) -> tuple[Any, Any]:
    """The page's verdict on ``doc`` and ``ledger-verify``'s on the same bundle as a zip."""
    (tmp / "bundle.zip").write_bytes(zip_of(doc))
    report = offline.verify(tmp / "bundle.zip", [note.parse_verifier(key)])
    result = await verify(page, doc, key)
    first = result["first_failure"]
    return (
        (result["ok"], first and first["position"]),
        (report.exit_code == VALID, _first_position(report)),
    )


async def _said_in_chinese(page: Page, result: dict[str, Any]) -> None:
    """Every sentence of ``result`` (what was checked, what failed) reads in Chinese, each
    value in its place."""
    said = result["checks"] + (result["first_failure"] or {}).get("said", [])
    spelled = await page.evaluate(
        "([said, words]) => said.map((m) => LedgerVerify.spell(m, words))",
        [said, words.verifier_words("zh")],
    )
    assert said
    for sentence in spelled:
        assert not re.search(r"\{\w+\}", sentence), sentence
        assert re.search(r"[\u4e00-\u9fff]", sentence), sentence


@pytest.mark.parametrize("attack", list(ATTACKS))
async def test_the_page_and_ledger_verify_agree_on_every_attack(
    page: Page, tmp_path: Path, attack: str
) -> None:
    """Given a bundle the server's writer made, when it is edited as ``attack`` says, then
    the page's verdict and the first record it names are ``ledger-verify``'s."""
    doc = copy(bundle_json.document(key=SIGNER.verifier(), **build(INCIDENTS).bundle_parts("A")))
    doc["records"] = ATTACKS[attack](doc["records"])
    page_says, cli_says = await _both(page, doc, KEY, tmp_path)
    assert page_says == cli_says
    assert page_says[0] == (attack == "untouched")
    await _said_in_chinese(page, await verify(page, doc, KEY))


async def test_non_canonical_bytes_signed_as_they_are_are_named(page: Page, tmp_path: Path) -> None:
    """Given a record whose bytes were signed with a space in them, then both name it."""
    spaced = build(INCIDENTS, mangle=lambda p, r: r.replace(b'{"event":', b'{ "event":', 1)
                   if p == 6 else r)  # fmt: skip
    doc = copy(bundle_json.document(key=SIGNER.verifier(), **spaced.bundle_parts("A")))
    page_says, cli_says = await _both(page, doc, KEY, tmp_path)
    assert page_says == cli_says == (False, 6)
    result = await verify(page, doc, KEY)
    assert "not canonical" in result["first_failure"]["reason"]


async def test_a_valid_bundle_says_what_was_checked_against_which_key(page: Page) -> None:
    doc = bundle_json.document(key=SIGNER.verifier(), **build(INCIDENTS).bundle_parts("A"))
    result = await verify(page, bundle_json.encoded(doc).decode(), KEY)
    assert result["ok"], result
    assert (result["key_id"], result["key_name"]) == (SIGNER.key_id.hex(), SIGNER.name)
    assert (result["tree_size"], result["incident_id"]) == (len(INCIDENTS), "A")
    root = merkle.root(build(INCIDENTS).leaves())
    assert result["root"] == base64.b64encode(root).decode()
    assert any(KEY.split("+")[1] in line for line in result["checked"])
    assert len(result["checked"]) == 5


@pytest.mark.parametrize("what", ["another key", "an edited checkpoint", "an edited claim"])
async def test_a_signature_that_does_not_verify_stops_everything(
    page: Page, tmp_path: Path, what: str
) -> None:
    doc = copy(bundle_json.document(key=SIGNER.verifier(), **build(INCIDENTS).bundle_parts("A")))
    key = str(note.generate(SIGNER.name).verifier()) if what == "another key" else KEY
    if what == "an edited checkpoint":
        doc["checkpoint"] = doc["checkpoint"].replace(f"\n{len(INCIDENTS)}\n", "\n1\n", 1)
    if what == "an edited claim":
        doc["completeness"] = doc["completeness"].replace("events ", "events 1", 1)
    page_says, cli_says = await _both(page, doc, key, tmp_path)
    assert page_says == cli_says == (False, None)
    result = await verify(page, doc, key)
    assert "is not signed by the pinned key" in result["first_failure"]["reason"]
    await _said_in_chinese(page, result)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.data())
async def test_any_one_byte_changed_in_a_record_or_proof_is_caught_as_ledger_verify_does(
    page: Page, tmp_path: Path, data: st.DataObject
) -> None:
    """Given a valid bundle, when one byte of one record (or one hex digit of one proof)
    changes, then the page fails it, naming the record ``ledger-verify`` names first."""
    doc = copy(BUNDLE)
    entry = data.draw(st.sampled_from(doc["records"]))
    if data.draw(st.booleans()) and entry["proof"]:
        hashes, i = entry["proof"], data.draw(st.integers(0, len(entry["proof"]) - 1))
        digit = data.draw(st.sampled_from("0123456789abcdef").filter(lambda d: d != hashes[i][0]))
        hashes[i] = digit + hashes[i][1:]
    else:
        record = bytearray(base64.b64decode(entry["record"]))
        at = data.draw(st.integers(0, len(record) - 1))
        record[at] = data.draw(st.integers(0, 255).filter(lambda b: b not in (record[at], 10)))
        entry["record"] = base64.b64encode(record).decode()
    page_says, cli_says = await _both(page, doc, KEY, tmp_path)
    assert page_says == (False, entry["position"])
    assert not cli_says[0]
    if cli_says[1] is not None:  # a record that is not UTF-8 spoils the zip's whole file
        assert cli_says[1] == entry["position"]


MARKUP = "<img/src=x/onerror=window.pwned=1>"
FOREIGN_MARKUP = "<script>window.pwned=2</script>"
BUTTONS = """<section><button type="button" data-verify-bundle="/bundles/good">Verify one</button>
<output data-verify-result></output></section>
<section><button type="button" data-verify-bundle="/bundles/bad">Verify two</button>
<output data-verify-result></output></section>"""


async def test_ledger_strings_reach_the_page_as_text_never_as_markup(browser: Browser) -> None:
    """Given incidents named with markup, when the verify buttons show a valid bundle and
    one with another incident's record in it, then the names appear as text: no element,
    no script run."""
    ledger = build([MARKUP, FOREIGN_MARKUP, MARKUP, MARKUP, FOREIGN_MARKUP])
    good = bundle_json.document(key=SIGNER.verifier(), **ledger.bundle_parts(MARKUP))
    bad = copy(good)
    other = bundle_json.document(key=SIGNER.verifier(), **ledger.bundle_parts(FOREIGN_MARKUP))
    bad["records"].insert(1, other["records"][0])
    served = {"/bundles/good": good, "/bundles/bad": bad}

    async def serve(route: Route) -> None:
        body = bundle_json.encoded(served[route.request.url.removeprefix(ORIGIN)])
        await route.fulfill(body=body, content_type="application/json")

    page = await verifier_page(browser, BUTTONS, serve)
    await page.evaluate(
        "key => localStorage.setItem('incident-ledger.verify.pinned-key', key)", KEY
    )
    await page.add_script_tag(path=str(VERIFY_UI_JS))
    outputs = page.locator("output[data-verify-result]")
    await page.get_by_role("button", name="Verify one").click()
    await page.get_by_role("button", name="Verify two").click()
    await expect(outputs.nth(0)).to_contain_text(f"Verified: incident {MARKUP}")
    await expect(outputs.nth(1)).to_contain_text(f"belongs to incident {FOREIGN_MARKUP}")
    assert await page.locator("output img, output script").count() == 0
    assert await page.evaluate("window.pwned") is None
    await page.close()
