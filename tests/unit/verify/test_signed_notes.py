"""Checkpoints are C2SP signed notes: the reference example verifies byte for byte, and any
change to the text, the key or the signature is refused."""

from __future__ import annotations

import pytest
from ledger_verify.merkle import EMPTY_ROOT
from ledger_verify.note import (
    NoteError,
    UntrustedNote,
    checkpoint_body,
    generate,
    open_note,
    parse_checkpoint,
    parse_signer,
    parse_verifier,
    sign,
)

pytestmark = pytest.mark.unit

VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
SKEY = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
TEXT = (
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n"
)
SIGNATURE = "x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNX" + (
    "gKvqfqdngotpRZb6KE6RyyBwJnAM="
)
NOTE = f"{TEXT}\n\u2014 PeterNeumann {SIGNATURE}\n"


def test_the_reference_note_is_reproduced_byte_for_byte() -> None:
    signer = parse_signer(SKEY)
    assert str(signer.verifier()) == VKEY
    assert str(signer) == SKEY
    assert sign(TEXT, signer) == NOTE
    assert open_note(NOTE, [parse_verifier(VKEY)]) == TEXT


def test_an_edited_note_or_a_foreign_key_is_untrusted() -> None:
    trusted = [parse_verifier(VKEY)]
    with pytest.raises(UntrustedNote):
        open_note(NOTE.replace("cryptography", "cryptographY"), trusted)
    with pytest.raises(UntrustedNote):
        open_note(NOTE, [generate("PeterNeumann").verifier()])
    with pytest.raises(NoteError):
        open_note(TEXT, trusted)


def test_mangled_keys_are_refused() -> None:
    for bad in (VKEY[:-1], VKEY.replace("c74f20a3", "c74f20a4"), "Peter+Neumann+" + VKEY[13:]):
        with pytest.raises(NoteError):
            parse_verifier(bad)


def test_a_checkpoint_round_trips() -> None:
    signer = generate("ledger.example/incidents")
    body = checkpoint_body("ledger.example/incidents", 42, EMPTY_ROOT)
    opened = open_note(sign(body, signer), [signer.verifier()])
    assert parse_checkpoint(opened) == ("ledger.example/incidents", 42, EMPTY_ROOT)
    for bad in ("o\n-1\nAAAA\n", "o\n01\n" + body.split("\n")[2] + "\n", "o\n1\n"):
        with pytest.raises(NoteError):
            parse_checkpoint(bad)


def test_base64_with_bits_set_past_the_data_is_refused_not_read_as_the_same_bytes() -> None:
    """A plain decoder reads ``…AN=`` as ``…AM=``: one signature, four spellings."""
    assert SIGNATURE.endswith("AM=")
    with pytest.raises(NoteError, match="malformed signature line"):
        open_note(NOTE.replace("AM=\n", "AN=\n"), [parse_verifier(VKEY)])
    root = checkpoint_body("o", 1, EMPTY_ROOT).split("\n")[2]
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    spelled = root[:-2] + last[last.index(root[-2]) + 1] + "="
    with pytest.raises(NoteError, match="bad size or root hash"):
        parse_checkpoint(f"o\n1\n{spelled}\n")


def test_a_signature_line_that_is_not_ascii_is_malformed_not_a_crash() -> None:
    with pytest.raises(NoteError, match="malformed signature line"):
        open_note(f"{TEXT}\n\u2014 PeterNeumann AA\u00e9=\n", [parse_verifier(VKEY)])
