"""Sealed personal values: the cryptography of crypto-shredding (docs/erasure.md). No I/O.

A personal value never enters a record. In its place the record holds a token,
``pd1.<commitment>``, the commitment being ``HMAC-SHA256(salt, value)`` (base64url) with a
128-bit salt. The value and its salt are kept apart, encrypted (AES-256-GCM, the commitment
as associated data) under a key of the value's data subject; that key is kept wrapped
(AES-256-GCM) by the master key, which the database never sees. Destroying the subject's
key erases every value sealed under it, and no record changes.

The salt is derived from the subject's key, the event and the value's place in it, so that
the same event sealed again (a redelivery) gives the same token, byte for byte; a value
repeated in another event gets another salt, so tokens link nothing.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import secrets
from pathlib import Path
from typing import Final

import msgspec
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as keyed
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

PREFIX: Final = "pd1."
ERASED: Final = "pd1.erased"
"""Stands for a value that arrived for a subject already erased: it is never stored."""
SALT_BYTES: Final = 16
_NONCE: Final = 12
KEY_PREFIX: Final = "LEDGER-PRIVACY-KEY-1:"


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class MasterKey(msgspec.Struct, frozen=True):
    """The key that wraps every subject's key; ``id`` names it in the key table."""

    id: str
    secret: bytes

    def __repr__(self) -> str:  # never the secret, wherever a key is printed or logged
        return f"MasterKey(id={self.id!r})"

    @classmethod
    def parse(cls, text: str) -> MasterKey:
        if not text.startswith(KEY_PREFIX):
            raise ValueError(f"a master key begins with {KEY_PREFIX}")
        secret = unb64(text[len(KEY_PREFIX) :].strip())
        if len(secret) != 32:
            raise ValueError("a master key holds 32 bytes")
        return cls(hashlib.sha256(secret).hexdigest()[:16], secret)

    @classmethod
    def read(cls, path: Path) -> MasterKey:
        return cls.parse(path.read_text().strip())

    def text(self) -> str:
        """The key as its file holds it."""
        return KEY_PREFIX + b64(self.secret)

    @staticmethod
    def generate() -> str:
        """A new master key's text (to be written to a file only its services read)."""
        return KEY_PREFIX + b64(secrets.token_bytes(32))


class SubjectKey:
    """A subject's key with its cipher and its salts' HMAC made once: making them costs
    more than using them (a copy of a keyed HMAC skips the key's set-up)."""

    __slots__ = ("_cipher", "_salts")

    def __init__(self, key: bytes) -> None:
        self._cipher = AESGCM(key)
        self._salts = keyed.HMAC(key, hashes.SHA256())

    def __repr__(self) -> str:  # never the key
        return "SubjectKey(…)"

    def salt(self, context: bytes) -> bytes:
        h = self._salts.copy()
        h.update(context)
        return h.finalize()[:SALT_BYTES]

    def encrypt(self, plain: bytes, aad: bytes, nonce: bytes | None = None) -> bytes:
        return _encrypted(self._cipher, plain, aad, nonce)


@functools.lru_cache(maxsize=2)
def _master_cipher(secret: bytes) -> AESGCM:
    """The master key's cipher, made once (a rotation holds the old key and the new)."""
    return AESGCM(secret)


def _encrypted(cipher: AESGCM, plain: bytes, aad: bytes, nonce: bytes | None = None) -> bytes:
    """``plain`` encrypted as every ciphertext here is kept: nonce ‖ AES-GCM output (the
    nonce random: drawn here unless the caller drew it, with others, from ``nonces``)."""
    nonce = os.urandom(_NONCE) if nonce is None else nonce
    return nonce + cipher.encrypt(nonce, plain, aad)


def nonces(count: int) -> list[bytes]:
    """``count`` random nonces from one call to the system's generator (one call each costs
    more than the encryption it is for). Drawn anew for every batch, never kept: a process
    forked with nonces kept would use them twice."""
    pool = os.urandom(_NONCE * count)
    return [pool[i : i + _NONCE] for i in range(0, len(pool), _NONCE)]


def _decrypted(cipher: AESGCM, sealed: bytes, aad: bytes) -> bytes:
    return cipher.decrypt(sealed[:_NONCE], sealed[_NONCE:], aad)


def new_subject_key() -> bytes:
    return AESGCM.generate_key(bit_length=256)


def wrap(master: MasterKey, subject: str, key: bytes) -> bytes:
    return _encrypted(_master_cipher(master.secret), key, subject.encode())


def unwrap(master: MasterKey, subject: str, wrapped: bytes) -> bytes:
    return _decrypted(_master_cipher(master.secret), wrapped, subject.encode())


_IPAD: Final = bytes(b ^ 0x36 for b in range(256))
_OPAD: Final = bytes(b ^ 0x5C for b in range(256))
_sha256 = hashlib.sha256


def commitment(salt: bytes, value: str) -> bytes:
    """HMAC-SHA256(salt, value), as RFC 2104 makes it from two hashes: OpenSSL 3's own
    HMAC sets each new key up at several times the cost (a unit test holds them equal)."""
    return _hmac(salt, value.encode())


def _hmac(key: bytes, message: bytes) -> bytes:
    if len(key) > 64:  # a disclosed salt may be any length: a long key is hashed first
        key = _sha256(key).digest()
    block = key.ljust(64, b"\0")
    inner = _sha256(block.translate(_IPAD) + message).digest()
    return _sha256(block.translate(_OPAD) + inner).digest()


class Sealed(msgspec.Struct, frozen=True):
    token: str
    commitment: bytes
    sealed: bytes  # nonce ‖ AES-GCM(salt ‖ value)


def seal(
    key: bytes | SubjectKey, event_id: str, path: str, value: str, nonce: bytes | None = None
) -> Sealed:
    """``value`` (at ``path`` of event ``event_id``) sealed under its subject's ``key``
    (``nonce``: one of :func:`nonces`, else drawn here)."""
    subject_key = key if isinstance(key, SubjectKey) else SubjectKey(key)
    plain = value.encode()
    salt = subject_key.salt(f"salt\x00{event_id}\x00{path}\x00{value}".encode())
    made = _hmac(salt, plain)
    return Sealed(PREFIX + b64(made), made, subject_key.encrypt(salt + plain, made, nonce))


def unseal(key: bytes, made: bytes, ciphertext: bytes) -> tuple[bytes, str]:
    """The salt and the value sealed as ``ciphertext`` under ``key``."""
    plain = _decrypted(AESGCM(key), ciphertext, made)
    return plain[:SALT_BYTES], plain[SALT_BYTES:].decode()


def commitment_of(token: str) -> bytes | None:
    """The commitment a token names (None: not a token, or the erased-on-arrival mark)."""
    if not token.startswith(PREFIX) or token == ERASED:
        return None
    try:
        made = unb64(token[len(PREFIX) :])
    except ValueError:
        return None
    return made if len(made) == 32 else None


def matches(token: str, value: str, salt: str) -> bool:
    """Whether ``value`` with the disclosed ``salt`` (base64url) is what ``token`` commits
    to: the proof a data subject can give that the value was recorded."""
    made = commitment_of(token)
    try:
        return made is not None and hmac.compare_digest(made, commitment(unb64(salt), value))
    except ValueError:
        return False
