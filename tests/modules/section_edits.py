"""Edits of a module's genesis section, for the tests that feed it a broken one and expect a clear error."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Section = dict[str, Any]


def edit(path: str, value: Any) -> Callable[[Section], None]:
    """Set ``value`` at a dotted path with list indexes (``slashes.0.kind``)."""

    def change(section: Section) -> None:
        *parents, last = path.split(".")
        node: Any = section
        for part in parents:
            node = node[int(part)] if part.isdigit() else node[part]
        node[int(last) if last.isdigit() else last] = value

    return change


def swap_first_two(key: str) -> Callable[[Section], None]:
    """Swap the first two items of the list at ``key`` (breaks an ascending order)."""

    def change(section: Section) -> None:
        items = section[key]
        items[0], items[1] = items[1], items[0]

    return change
