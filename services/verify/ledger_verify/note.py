"""C2SP signed notes (https://c2sp.org/signed-note) with Ed25519, and the tlog checkpoint
body they carry (https://c2sp.org/tlog-checkpoint). Standard library and ``cryptography``
only.

A note is its text (ending in a newline), a blank line, then one line per signature:
``— <key name> <base64(key id ‖ signature)>``. The key id is the first four bytes of
SHA-256(name ‖ "\\n" ‖ 0x01 ‖ public key). Keys are written as the Go ``sumdb/note``
package writes them: ``<name>+<key id hex>+<base64(0x01 ‖ public key)>`` for verifiers and
``PRIVATE+KEY+<name>+<key id hex>+<base64(0x01 ‖ seed)>`` for signers.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519 = 0x01
DASH = "\u2014"  # the em dash every signature line starts with


class NoteError(ValueError):
    """A malformed note or key."""


def b64decode(text: str) -> bytes:
    """Standard base64 in its one canonical spelling: padded, and without set bits past the
    data, which a plain decoder ignores, letting four spellings stand for one signature."""
    try:
        data = base64.b64decode(text, validate=True)
    except ValueError as error:  # non-ASCII text: not binascii.Error
        raise binascii.Error(f"not base64: {text!r}") from error
    if base64.b64encode(data).decode() != text:
        raise binascii.Error(f"not canonical base64: {text!r}")
    return data


class UntrustedNote(ValueError):
    """No signature by a trusted key verifies: unknown key, or a bad signature."""


@dataclass(frozen=True)
class Verifier:
    name: str
    key_id: bytes
    public_key: bytes

    def __str__(self) -> str:
        material = base64.b64encode(bytes([ED25519]) + self.public_key).decode()
        return f"{self.name}+{self.key_id.hex()}+{material}"


@dataclass(frozen=True)
class Signer:
    name: str
    key_id: bytes
    seed: bytes = field(repr=False)  # a log line or traceback showing the key must not leak it

    def verifier(self) -> Verifier:
        public = Ed25519PrivateKey.from_private_bytes(self.seed).public_key()
        return Verifier(self.name, self.key_id, public.public_bytes(Encoding.Raw, PublicFormat.Raw))

    def __str__(self) -> str:
        material = base64.b64encode(bytes([ED25519]) + self.seed).decode()
        return f"PRIVATE+KEY+{self.name}+{self.key_id.hex()}+{material}"


def key_id(name: str, public_key: bytes) -> bytes:
    return hashlib.sha256(name.encode() + b"\n" + bytes([ED25519]) + public_key).digest()[:4]


def _name_ok(name: str) -> bool:
    return bool(name) and "+" not in name and not any(c.isspace() for c in name)


def _parts(text: str, count: int, what: str) -> tuple[str, bytes, bytes]:
    parts = text.split("+", count - 1)
    if len(parts) != count:
        raise NoteError(f"malformed {what}: expected {count} '+'-separated parts")
    name, hex_id, material = parts[-3], parts[-2], parts[-1]
    try:
        ident, raw = bytes.fromhex(hex_id), b64decode(material)
    except (ValueError, binascii.Error):
        raise NoteError(f"malformed {what}: bad key id or key material") from None
    if not _name_ok(name) or len(ident) != 4 or len(raw) != 33 or raw[0] != ED25519:
        raise NoteError(f"malformed {what}: not an Ed25519 key")
    return name, ident, raw[1:]


def parse_verifier(text: str) -> Verifier:
    name, ident, public = _parts(text.strip(), 3, "verifier key")
    if key_id(name, public) != ident:
        raise NoteError("malformed verifier key: the key id does not match the key")
    return Verifier(name, ident, public)


def parse_signer(text: str) -> Signer:
    if not text.startswith("PRIVATE+KEY+"):
        raise NoteError("malformed signer key: it starts with PRIVATE+KEY+")
    name, ident, seed = _parts(text.strip()[len("PRIVATE+KEY+") :], 3, "signer key")
    signer = Signer(name, ident, seed)
    if signer.verifier().key_id != ident:
        raise NoteError("malformed signer key: the key id does not match the key")
    return signer


def generate(name: str) -> Signer:
    if not _name_ok(name):
        raise NoteError(f"a key name has no '+' and no spaces: {name!r}")
    seed = Ed25519PrivateKey.generate().private_bytes_raw()
    public = Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes_raw()
    return Signer(name, key_id(name, public), seed)


def sign(text: str, signer: Signer) -> str:
    """The signed note: ``text`` (which ends in a newline), a blank line, the signature."""
    if not text.endswith("\n") or "\n\n" in text:
        raise NoteError("a note's text ends in a newline and has no blank line")
    signature = Ed25519PrivateKey.from_private_bytes(signer.seed).sign(text.encode())
    blob = base64.b64encode(signer.key_id + signature).decode()
    return f"{text}\n{DASH} {signer.name} {blob}\n"


def open_note(note: str, trusted: list[Verifier]) -> str:
    """The text of ``note`` once a signature by one of ``trusted`` verifies."""
    text, sep, signatures = note.rpartition("\n\n")
    if not sep or not signatures.endswith("\n"):
        raise NoteError("malformed note: no blank line before the signatures")
    text += "\n"
    for line in signatures[:-1].split("\n"):
        if _verifies(text, line, trusted):
            return text
    names = ", ".join(v.name for v in trusted)
    raise UntrustedNote(f"no valid signature by a trusted key ({names})")


def _verifies(text: str, line: str, trusted: list[Verifier]) -> bool:
    parts = line.split(" ")
    if len(parts) != 3 or parts[0] != DASH:
        raise NoteError(f"malformed signature line: {line!r}")
    try:
        blob = b64decode(parts[2])
    except binascii.Error:
        raise NoteError(f"malformed signature line: {line!r}") from None
    for v in trusted:
        if v.name == parts[1] and blob[:4] == v.key_id and len(blob) == 68:
            try:
                Ed25519PublicKey.from_public_bytes(v.public_key).verify(blob[4:], text.encode())
                return True
            except InvalidSignature:
                return False
    return False


def checkpoint_body(origin: str, size: int, root: bytes) -> str:
    return f"{origin}\n{size}\n{base64.b64encode(root).decode()}\n"


def parse_checkpoint(text: str) -> tuple[str, int, bytes]:
    """(origin, tree size, root hash) of a checkpoint's text."""
    lines = text.split("\n")
    if len(lines) < 4 or lines[-1] != "":
        raise NoteError("malformed checkpoint: origin, size and root hash, one per line")
    try:
        size, root = int(lines[1]), b64decode(lines[2])
    except (ValueError, binascii.Error):
        raise NoteError("malformed checkpoint: bad size or root hash") from None
    if not lines[0] or size < 0 or len(root) != 32 or str(size) != lines[1]:
        raise NoteError("malformed checkpoint: bad origin, size or root hash")
    return lines[0], size, root
