"""A minimal writer of Compound File Binary files ([MS-CFB] version 3), the container of Outlook
.msg files, so tests can make .msg files (no library on the registries writes them).

Streams under 4096 bytes go to the mini stream (64-byte sectors, its own allocation table),
larger ones to 512-byte sectors; directory entries of a storage form a tree through their right
siblings, sorted as the format orders names (length, then upper case).
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field
from pathlib import Path

Tree = dict[str, "bytes | Tree"]
"""A storage: names to stream bytes or to a nested storage."""

SECTOR, MINI, CUTOFF = 512, 64, 4096
FREE, END, FATSECT, NONE = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF


@dataclass
class _Entry:
    name: str
    kind: int  # 1 storage, 2 stream, 5 root
    data: bytes = b""
    child: int = NONE
    right: int = NONE
    start: int = END
    size: int = 0
    children: list[int] = field(default_factory=list)


def _order(name: str) -> tuple[int, str]:
    return (len(name), name.upper())


def _flatten(tree: Tree) -> list[_Entry]:
    entries = [_Entry("Root Entry", 5)]

    def add(storage: Tree, parent: int) -> None:
        ids = []
        for name in sorted(storage, key=_order):
            value = storage[name]
            entries.append(_Entry(name, 1) if isinstance(value, dict) else _Entry(name, 2, value))
            ids.append(len(entries) - 1)
            if isinstance(value, dict):
                add(value, ids[-1])
        if ids:
            entries[parent].child = ids[0]
            for left, right in zip(ids, ids[1:]):
                entries[left].right = right

    add(tree, 0)
    return entries


def write_cfb(path: Path, tree: Tree) -> Path:
    entries = _flatten(tree)
    sectors: list[bytes] = []
    fat: list[int] = []

    def chain(data: bytes) -> int:
        if not data:
            return END
        first = len(sectors)
        count = -(-len(data) // SECTOR)
        for i in range(count):
            sectors.append(data[i * SECTOR:(i + 1) * SECTOR].ljust(SECTOR, b"\0"))
            fat.append(first + i + 1 if i < count - 1 else END)
        return first

    mini = bytearray()
    minifat: list[int] = []
    for entry in entries:
        if entry.kind != 2:
            continue
        entry.size = len(entry.data)
        if entry.size >= CUTOFF:
            entry.start = chain(entry.data)
        elif entry.size:
            entry.start = len(mini) // MINI
            count = -(-entry.size // MINI)
            mini += entry.data.ljust(count * MINI, b"\0")
            minifat += [entry.start + i + 1 for i in range(count - 1)] + [END]
    entries[0].start, entries[0].size = chain(bytes(mini)), len(mini)
    minifat_bytes = struct.pack(f"<{len(minifat)}I", *minifat) if minifat else b""
    minifat_bytes += b"\xff" * (-len(minifat_bytes) % SECTOR)
    minifat_start = chain(minifat_bytes)
    directory = b"".join(_dir_entry(e) for e in entries)
    directory += _empty_entry() * (-len(entries) % (SECTOR // 128))
    directory_start = chain(directory)
    fat_count = -(-len(sectors) // (SECTOR // 4 - 1))
    while (len(sectors) + fat_count) > fat_count * (SECTOR // 4):
        fat_count += 1
    fat_first = len(sectors)
    fat += [FATSECT] * fat_count
    fat += [FREE] * (fat_count * (SECTOR // 4) - len(fat))
    fat_bytes = struct.pack(f"<{len(fat)}I", *fat)
    assert fat_count <= 109, "test files stay small"
    difat = [fat_first + i for i in range(fat_count)] + [FREE] * (109 - fat_count)
    header = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 16
              + struct.pack("<HHHHH6sIIIIIIIII", 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6, 0, fat_count,
                            directory_start, 0, CUTOFF, minifat_start if minifat else END,
                            len(minifat_bytes) // SECTOR if minifat else 0, END, 0)
              + struct.pack("<109I", *difat))
    path.write_bytes(header + b"".join(sectors) + fat_bytes)
    return path


def _dir_entry(entry: _Entry) -> bytes:
    name = (entry.name + "\0").encode("utf-16-le")
    return (name.ljust(64, b"\0") + struct.pack("<HBB", len(name), entry.kind, 1)
            + struct.pack("<III", NONE, entry.right, entry.child) + b"\0" * 16 + b"\0" * 4
            + b"\0" * 16 + struct.pack("<IQ", entry.start if entry.kind != 1 else 0,
                                       entry.size))


def _empty_entry() -> bytes:
    return b"\0" * 64 + struct.pack("<HBB", 0, 0, 0) + struct.pack("<III", NONE, NONE, NONE) + b"\0" * 48
