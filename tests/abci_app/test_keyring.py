"""Keyring: named ed25519 keys, encrypted at rest on the file backend, plain on the test backend."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import nacl.signing
import pytest

from abci_app.keyring import Keyring, KeyringError, parse_seed_hex, public_key_of
from modules.core.address import address_from_pubkey, to_bech32

FAST_N = 2**10  # scrypt cost for tests only; the default is 2**15


def fixed(passphrase: str):  # type: ignore[no-untyped-def]
    return lambda confirm: passphrase


def file_keyring(home: Path, passphrase: str = "correct horse") -> Keyring:
    return Keyring(home, "file", passphrase=fixed(passphrase), scrypt_n=FAST_N)


def test_public_key_matches_libsodium() -> None:
    seed = bytes(range(32))
    assert public_key_of(seed) == bytes(nacl.signing.SigningKey(seed).verify_key)


def test_add_show_list_and_seed_round_trip(tmp_path: Path) -> None:
    kr = file_keyring(tmp_path)
    alice, alice_seed = kr.add("alice")
    bob, _ = kr.add("bob")
    assert alice.pub_key == public_key_of(alice_seed)
    assert alice.bech32 == to_bech32(address_from_pubkey(alice.pub_key))
    assert kr.show("alice") == alice
    assert [k.name for k in kr.list_keys()] == ["alice", "bob"]
    assert kr.seed("alice") == alice_seed
    assert kr.find(alice.bech32) == alice
    assert kr.find("bob") == bob
    assert kr.find("carol") is None


def test_file_backend_never_stores_the_seed_in_clear(tmp_path: Path) -> None:
    kr = file_keyring(tmp_path)
    _, seed = kr.add("alice")
    path = tmp_path / "keyring-file" / "alice.json"
    raw = path.read_bytes()
    assert seed.hex().encode() not in raw and seed not in raw
    assert "seed" not in json.loads(raw)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_wrong_passphrase_is_refused(tmp_path: Path) -> None:
    file_keyring(tmp_path, "right").add("alice")
    with pytest.raises(KeyringError, match="wrong passphrase"):
        file_keyring(tmp_path, "wrong").seed("alice")


def test_swapped_public_key_is_detected(tmp_path: Path) -> None:
    kr = file_keyring(tmp_path)
    kr.add("alice")
    bob, _ = kr.add("bob")
    path = tmp_path / "keyring-file" / "alice.json"
    record = json.loads(path.read_text())
    record["pub_key"] = bob.pub_key.hex()
    path.write_text(json.dumps(record))
    with pytest.raises(KeyringError, match="altered"):
        kr.seed("alice")


def test_test_backend_is_plain_and_separate(tmp_path: Path) -> None:
    def never(confirm: bool) -> str:
        raise AssertionError("the test backend must not ask for a passphrase")

    kr = Keyring(tmp_path, "test", passphrase=never)
    info, seed = kr.add("dev")
    assert json.loads((tmp_path / "keyring-test" / "dev.json").read_text())["seed"] == seed.hex()
    assert kr.seed("dev") == seed
    assert file_keyring(tmp_path).list_keys() == []
    assert info.name == "dev"


def test_recover_from_seed_gives_the_same_address(tmp_path: Path) -> None:
    kr = file_keyring(tmp_path)
    original, seed = kr.add("alice")
    other = Keyring(tmp_path / "elsewhere", "test")
    recovered, _ = other.add("alice2", parse_seed_hex(seed.hex().upper()))
    assert recovered.address == original.address


def test_refuses_duplicates_bad_names_and_missing_keys(tmp_path: Path) -> None:
    kr = file_keyring(tmp_path)
    kr.add("alice")
    with pytest.raises(KeyringError, match="already exists"):
        kr.add("alice")
    for bad in ["", "../x", "a/b", ".hidden", "x" * 65]:
        with pytest.raises(KeyringError, match="invalid key name"):
            kr.add(bad)
    with pytest.raises(KeyringError, match="no key named"):
        kr.show("nobody")
    with pytest.raises(KeyringError, match="no key named"):
        kr.delete("nobody")
    kr.delete("alice")
    assert kr.list_keys() == []


def test_bad_seed_text_is_refused() -> None:
    with pytest.raises(KeyringError, match="hexadecimal"):
        parse_seed_hex("zz" * 32)
    with pytest.raises(KeyringError, match="32 bytes"):
        parse_seed_hex("00" * 31)


def test_no_passphrase_without_terminal(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("BPDAO_KEYRING_PASSPHRASE", raising=False)
    monkeypatch.setattr("sys.stdin.isatty", lambda: False)
    with pytest.raises(KeyringError, match="BPDAO_KEYRING_PASSPHRASE"):
        Keyring(tmp_path, "file", scrypt_n=FAST_N).add("alice")


def test_passphrase_from_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BPDAO_KEYRING_PASSPHRASE", "from-env")
    _, seed = Keyring(tmp_path, "file", scrypt_n=FAST_N).add("alice")
    assert file_keyring(tmp_path, "from-env").seed("alice") == seed
