"""Line numbers for keys and values in a TOML file, for error messages.

`tomllib` reports lines only for syntax errors; a semantic problem ("unknown
category") must still point the admin at a line. This scanner reads the text
once and remembers where each table header, key and (roughly) each quoted value
sits. It understands the subset our configuration files use: `[table]`,
`[[array.of.tables]]`, bare or quoted keys, and values that may span lines.
"""

from __future__ import annotations

import re

# A block is ("agreement", 0) for the first [[agreement]], ("source.police", None) for [source.police],
# ("", None) for keys before any header.
Block = tuple[str, int | None]

_ARRAY_HEADER = re.compile(r"^\[\[\s*([^\[\]]+?)\s*\]\]")
_TABLE_HEADER = re.compile(r"^\[\s*([^\[\]]+?)\s*\]")
_KEY_LINE = re.compile(r"""^("[^"]*"|'[^']*'|[A-Za-z0-9_-]+)\s*=""")


def _unquote(name: str) -> str:
    return name[1:-1] if name[:1] in {'"', "'"} else name


class TomlLineIndex:
    """Where things are in one TOML text (1-based line numbers)."""

    def __init__(self, text: str) -> None:
        self._lines = text.splitlines()
        self._headers: dict[Block, int] = {}
        self._keys: dict[tuple[Block, str], tuple[int, int]] = {}  # (first line, last line) of the key's value
        self._scan()

    def _scan(self) -> None:
        counts: dict[str, int] = {}
        block: Block = ("", None)
        open_key: tuple[Block, str] | None = None
        for number, raw in enumerate(self._lines, start=1):
            line = raw.strip()
            if not line or line.startswith("#"):
                continue
            array = _ARRAY_HEADER.match(line)
            table = None if array else _TABLE_HEADER.match(line)
            key = None if (array or table) else _KEY_LINE.match(line)
            if array or table or key:
                if open_key is not None:
                    first, _ = self._keys[open_key]
                    self._keys[open_key] = (first, number - 1)
                open_key = None
            if array:
                name = array.group(1)
                block = (name, counts.get(name, 0))
                counts[name] = block[1] + 1
                self._headers[block] = number
            elif table:
                block = (table.group(1), None)
                self._headers[block] = number
            elif key:
                open_key = (block, _unquote(key.group(1)))
                self._keys[open_key] = (number, number)
        if open_key is not None:
            first, _ = self._keys[open_key]
            self._keys[open_key] = (first, len(self._lines))

    def header_line(self, block: Block) -> int:
        """Line of a block's header (line 1 for the top level or when unknown)."""
        return self._headers.get(block, 1)

    def key_line(self, block: Block, key: str) -> int:
        """Line where `key = ...` starts in a block, or the block's header if the key is absent."""
        span = self._keys.get((block, key))
        return span[0] if span else self.header_line(block)

    def value_line(self, block: Block, key: str, value: object) -> int:
        """Line holding one element of a (possibly multi-line) array value; falls back to the key's line."""
        span = self._keys.get((block, key))
        if span is None:
            return self.header_line(block)
        if isinstance(value, str):
            needles = (f'"{value}"', f"'{value}'")
            for number in range(span[0], span[1] + 1):
                text = self._lines[number - 1]
                if any(needle in text for needle in needles):
                    return number
        return span[0]
