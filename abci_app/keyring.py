"""Named ed25519 keys on disk, like the Cosmos SDK keyring.

Two backends:

* ``file`` (default): each key's 32-byte seed is encrypted at rest with AES-256-GCM under a
  key derived from a passphrase by scrypt. The passphrase comes from ``BPDAO_KEYRING_PASSPHRASE``
  or, on a terminal, a prompt.
* ``test``: seeds stored **unencrypted**, for devnets and tests only (the directory is named
  ``keyring-test`` so nobody mistakes it for the real thing).

A key file is JSON: ``{"name", "address", "pub_key", "seed" | "encrypted"}``; the public part is
readable without the passphrase, so ``keys list`` / ``keys show`` never ask for it.
"""

from __future__ import annotations

import getpass
import json
import os
import re
import secrets
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from modules.core.address import address_from_pubkey, to_bech32

Backend = Literal["file", "test"]
BACKENDS: tuple[Backend, ...] = ("file", "test")
PASSPHRASE_ENV = "BPDAO_KEYRING_PASSPHRASE"
SEED_LEN = 32
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")
_FORMAT = 1
# scrypt cost: n=2**15, r=8 is ~32 MiB and ~0.1 s per unlock, the interactive setting
# recommended for file encryption; stored per key so it can change without breaking old files.
DEFAULT_SCRYPT_N = 2**15
_SCRYPT_R = 8
_SCRYPT_P = 1


class KeyringError(Exception):
    """A keyring operation failed; the message says why in terms a user can act on."""


@dataclass(frozen=True)
class KeyInfo:
    """The public part of a key."""

    name: str
    pub_key: bytes

    @property
    def address(self) -> bytes:
        return address_from_pubkey(self.pub_key)

    @property
    def bech32(self) -> str:
        return to_bech32(self.address)

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "address": self.bech32, "pub_key": self.pub_key.hex()}


def public_key_of(seed: bytes) -> bytes:
    """The 32-byte ed25519 public key of a 32-byte seed."""
    if len(seed) != SEED_LEN:
        raise KeyringError(f"a seed is {SEED_LEN} bytes, got {len(seed)}")
    return (
        Ed25519PrivateKey.from_private_bytes(seed).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    )


def parse_seed_hex(text: str) -> bytes:
    """A seed typed or pasted by a user: 64 hex characters."""
    cleaned = text.strip().lower().removeprefix("0x")
    try:
        seed = bytes.fromhex(cleaned)
    except ValueError:
        raise KeyringError("the seed must be 64 hexadecimal characters") from None
    if len(seed) != SEED_LEN:
        raise KeyringError(f"the seed must be {SEED_LEN} bytes (64 hex characters), got {len(seed)} bytes")
    return seed


def env_or_prompt_passphrase(confirm: bool) -> str:
    """The passphrase from ``BPDAO_KEYRING_PASSPHRASE``, else asked on the terminal."""
    from_env = os.environ.get(PASSPHRASE_ENV)
    if from_env is not None:
        return from_env
    if not sys.stdin.isatty():
        raise KeyringError(
            f"the file keyring needs a passphrase: set {PASSPHRASE_ENV} or run on a terminal "
            "(or use --keyring-backend test on a devnet)"
        )
    first = getpass.getpass("Keyring passphrase: ")
    if confirm and getpass.getpass("Repeat passphrase: ") != first:
        raise KeyringError("passphrases do not match")
    return first


PassphraseSource = Callable[[bool], str]


class Keyring:
    """Keys stored under ``<home>/keyring-<backend>/<name>.json``."""

    def __init__(
        self,
        home: Path,
        backend: Backend = "file",
        passphrase: PassphraseSource = env_or_prompt_passphrase,
        scrypt_n: int = DEFAULT_SCRYPT_N,
    ) -> None:
        if backend not in BACKENDS:
            raise KeyringError(f"unknown keyring backend {backend!r} (choose from {', '.join(BACKENDS)})")
        self.backend = backend
        self.directory = Path(home) / f"keyring-{backend}"
        self._passphrase = passphrase
        self._scrypt_n = scrypt_n

    # -- public part -------------------------------------------------------------------------

    def list_keys(self) -> list[KeyInfo]:
        if not self.directory.is_dir():
            return []
        return [self._read_info(path) for path in sorted(self.directory.glob("*.json"))]

    def show(self, name: str) -> KeyInfo:
        return self._read_info(self._path(name))

    def find(self, name_or_address: str) -> KeyInfo | None:
        """The key with this name or bech32 address, if the keyring has it."""
        if _NAME_RE.match(name_or_address) and self._path(name_or_address).exists():
            return self.show(name_or_address)
        return next((k for k in self.list_keys() if k.bech32 == name_or_address), None)

    # -- secrets -----------------------------------------------------------------------------

    def add(self, name: str, seed: bytes | None = None) -> tuple[KeyInfo, bytes]:
        """Create (or, given ``seed``, recover) a key; returns its info and seed. Never overwrites."""
        path = self._path(name)
        if path.exists():
            raise KeyringError(f"key {name!r} already exists in {self.directory}")
        seed = secrets.token_bytes(SEED_LEN) if seed is None else seed
        info = KeyInfo(name, public_key_of(seed))
        record: dict[str, Any] = {"format": _FORMAT, **info.to_json()}
        if self.backend == "test":
            record["seed"] = seed.hex()
        else:
            record["encrypted"] = self._encrypt(seed, info, self._passphrase(True))
        self._write(path, record)
        return info, seed

    def seed(self, name: str) -> bytes:
        """The key's 32-byte seed (asks for the passphrase on the file backend)."""
        path = self._path(name)
        record = self._load(path)
        info = self._info_from(record, path)
        if self.backend == "test":
            seed = parse_seed_hex(str(record.get("seed", "")))
        else:
            seed = self._decrypt(record.get("encrypted"), info, self._passphrase(False))
        if public_key_of(seed) != info.pub_key:
            raise KeyringError(f"key file {path} is corrupt: its seed does not match its public key")
        return seed

    def delete(self, name: str) -> None:
        path = self._path(name)
        if not path.exists():
            raise KeyringError(f"no key named {name!r} in {self.directory}")
        path.unlink()

    # -- storage -----------------------------------------------------------------------------

    def _path(self, name: str) -> Path:
        if not _NAME_RE.match(name):
            raise KeyringError(
                f"invalid key name {name!r}: use 1-64 letters, digits, '.', '_' or '-', starting alphanumeric"
            )
        return self.directory / f"{name}.json"

    def _load(self, path: Path) -> dict[str, Any]:
        if not path.exists():
            raise KeyringError(f"no key named {path.stem!r} in {self.directory}")
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise KeyringError(f"cannot read key file {path}: {exc}") from None
        if not isinstance(record, dict) or record.get("format") != _FORMAT:
            raise KeyringError(f"key file {path} has an unknown format")
        return record

    def _info_from(self, record: dict[str, Any], path: Path) -> KeyInfo:
        try:
            pub_key = bytes.fromhex(str(record["pub_key"]))
        except (KeyError, ValueError):
            raise KeyringError(f"key file {path} has no valid pub_key") from None
        if len(pub_key) != 32:
            raise KeyringError(f"key file {path} has a pub_key of the wrong length")
        return KeyInfo(str(record.get("name", path.stem)), pub_key)

    def _read_info(self, path: Path) -> KeyInfo:
        return self._info_from(self._load(path), path)

    def _write(self, path: Path, record: dict[str, Any]) -> None:
        self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_suffix(".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as out:
            json.dump(record, out, indent=2, sort_keys=True)
            out.write("\n")
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)

    # -- encryption --------------------------------------------------------------------------

    def _encrypt(self, seed: bytes, info: KeyInfo, passphrase: str) -> dict[str, Any]:
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        key = _derive(passphrase, salt, self._scrypt_n)
        # The public part is authenticated data: swapping a file's name/pub_key is detected.
        ciphertext = AESGCM(key).encrypt(nonce, seed, _aad(info))
        return {
            "kdf": "scrypt",
            "n": self._scrypt_n,
            "r": _SCRYPT_R,
            "p": _SCRYPT_P,
            "salt": salt.hex(),
            "cipher": "aes-256-gcm",
            "nonce": nonce.hex(),
            "ciphertext": ciphertext.hex(),
        }

    def _decrypt(self, blob: Any, info: KeyInfo, passphrase: str) -> bytes:
        if not isinstance(blob, dict) or blob.get("kdf") != "scrypt" or blob.get("cipher") != "aes-256-gcm":
            raise KeyringError(f"key {info.name!r} is not an encrypted key of this keyring backend")
        try:
            key = _derive(
                passphrase, bytes.fromhex(blob["salt"]), int(blob["n"]), int(blob["r"]), int(blob["p"])
            )
            return AESGCM(key).decrypt(
                bytes.fromhex(blob["nonce"]), bytes.fromhex(blob["ciphertext"]), _aad(info)
            )
        except InvalidTag:
            raise KeyringError(
                f"wrong passphrase for key {info.name!r} (or the key file was altered)"
            ) from None
        except (KeyError, ValueError, TypeError):
            raise KeyringError(f"key file for {info.name!r} is corrupt") from None


def _derive(passphrase: str, salt: bytes, n: int, r: int = _SCRYPT_R, p: int = _SCRYPT_P) -> bytes:
    return Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase.encode())


def _aad(info: KeyInfo) -> bytes:
    return b"bpdao/keyring/v1\x00" + info.name.encode() + b"\x00" + info.pub_key
