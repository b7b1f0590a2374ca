"""``bpdao tx forum post`` and ``bpdao query forum post|by-author|params``."""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

from abci_app.cli.chain_cmd import add_tx_arguments
from abci_app.cli.msg_tx import address_arg, broadcast_msgs, query_and_emit, signer_keyring
from abci_app.cli.output import CliError, Output
from modules.core.address import to_bech32

Leaf = Callable[..., argparse.ArgumentParser]
if TYPE_CHECKING:
    Group: TypeAlias = argparse._SubParsersAction[argparse.ArgumentParser]

PPM = 1_000_000


def content_hash(args: argparse.Namespace, what: str = "content") -> bytes:
    """sha256 of ``--<what>`` text or ``--<what>-file`` bytes, or ``--<what>-hash`` as 64 hex digits."""
    text, path, given = (getattr(args, f"{what}{s}") for s in ("", "_file", "_hash"))
    if given is not None:
        try:
            raw = bytes.fromhex(given)
        except ValueError:
            raise CliError(f"--{what}-hash must be hex") from None
        if len(raw) != 32:
            raise CliError(f"--{what}-hash must be 32 bytes (64 hex digits)")
        return raw
    if path is not None:
        try:
            return hashlib.sha256(Path(path).read_bytes()).digest()
        except OSError as exc:
            raise CliError(f"cannot read {path}: {exc}") from None
    return hashlib.sha256(str(text).encode()).digest()


def add_content_arguments(parser: argparse.ArgumentParser, what: str, help_: str) -> None:
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument(f"--{what}", help=f"{help_} as text (its sha256 goes on chain)")
    group.add_argument(f"--{what}-file", metavar="PATH", help=f"{help_} in a file (its sha256 goes on chain)")
    group.add_argument(f"--{what}-hash", metavar="HEX", help=f"sha256 of {help_}, 64 hex digits")


def _pair(text: str, flag: str) -> tuple[str, int]:
    left, sep, right = text.rpartition(":")
    if not sep or not left:
        raise CliError(f"{flag} takes WHAT:PPM, got {text!r}")
    try:
        return left, int(right)
    except ValueError:
        raise CliError(f"{flag} {text!r}: the weight must be an integer (ppm)") from None


def post(args: argparse.Namespace, out: Output) -> int:
    from modules.forum.types import Author, Citation, MsgPost

    digest = content_hash(args)
    keyring = signer_keyring(args)
    authors: list[Author] = []
    for item in args.author or []:
        who, weight = _pair(item, "--author")
        authors.append(Author(address_arg(who, keyring), weight))
    if not authors:  # default: the signer alone
        authors = [Author(address_arg(args.sender, keyring), PPM)]
    citations: list[Citation] = []
    for item in args.cite or []:
        target, weight = _pair(item, "--cite")
        try:
            citations.append(Citation(int(target), weight))
        except ValueError:
            raise CliError(f"--cite {item!r}: the post id must be an integer") from None
    if sum(a.weight_ppm for a in authors) != PPM:
        raise CliError(f"author weights must sum to {PPM} ppm")
    msg = MsgPost(content_hash=digest, authors=tuple(authors), citations=tuple(citations))
    extra = {
        "content_hash": digest.hex(),
        "authors": [{"address": to_bech32(a.address), "weight_ppm": a.weight_ppm} for a in authors],
        "citations": [{"post_id": c.post_id, "weight_ppm": c.weight_ppm} for c in citations],
    }
    return broadcast_msgs(args, out, [msg], extra)


def show(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/forum/post", id=args.post_id)


def by_author(args: argparse.Namespace, out: Output) -> int:
    author = address_arg(args.who, signer_keyring(args))
    return query_and_emit(args, out, "/forum/posts_by_author", "posts: {post_ids}", author=to_bech32(author))


def params(args: argparse.Namespace, out: Output) -> int:
    return query_and_emit(args, out, "/forum/params")


def register(
    tx: Group, query: Group, leaf: Leaf, keyring: argparse.ArgumentParser, client: argparse.ArgumentParser
) -> None:
    tx_forum = tx.add_parser("forum", help="forum transactions").add_subparsers(
        dest="forum_command", required=True
    )
    sub = leaf(
        tx_forum, "post", post, "create a post (the signer must be one of its authors)", keyring, client
    )
    sub.add_argument("--from", dest="sender", required=True, help="key name in the keyring")
    add_content_arguments(sub, "content", "the post's content")
    sub.add_argument(
        "--author",
        action="append",
        metavar="WHO:PPM",
        help="author (address or key name) and weight; repeatable; weights sum to 1000000 (default: signer)",
    )
    sub.add_argument(
        "--cite",
        action="append",
        metavar="POST:PPM",
        help="an older post and a weight in [-1000000, 1000000] (negative leaches; 0 is the Incinerator)",
    )
    add_tx_arguments(sub)

    q_forum = query.add_parser("forum", help="forum posts").add_subparsers(dest="forum_query", required=True)
    leaf(q_forum, "post", show, "a post with its authors, citations and value", client).add_argument(
        "post_id", type=int
    )
    leaf(q_forum, "by-author", by_author, "ids of an author's posts", keyring, client).add_argument(
        "who", help="bech32 address or key name"
    )
    leaf(q_forum, "params", params, "forum parameters, REP incinerated, next post id", client)
