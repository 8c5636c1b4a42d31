"""Cut a search query into words exactly as ``rjieba.cut(text, True)`` does, without building
jieba's dictionary.

rjieba builds jieba's 350,000-word dictionary into a trie when it is imported: ~120 ms, a third
of a command-line search. A query of a few characters needs the frequencies of only its own
substrings, and HMM emission probabilities of only its own characters. So the dictionary and
the HMM tables are kept in an SQLite file, built once from the ``jieba`` package's ``dict.txt``
and ``finalseg`` tables (the data jieba-rs embeds), and each cut looks up just what it needs
(~1 ms for a query).

The algorithm is jieba-rs's precise mode with HMM, step for step (including how it breaks ties,
where it differs from Python jieba, and how its HMM keeps ``v1.2-rc`` whole), so the words are
the ones the index was built from. ``tests/unit/test_query_segment.py`` compares the two on tens
of thousands of real and generated texts.

The file lives in the user's cache folder, named by the format and the sources' path, size and
modification time (another jieba gets another file). It is built in a temporary file and
renamed into place, so a reader never sees half a file and two builders do not collide. When
it cannot be had (no jieba package, an unwritable folder, a damaged file that cannot be
rebuilt), :func:`open_dictionary` answers ``None`` and the caller uses rjieba.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from functools import lru_cache
from importlib.util import find_spec
from itertools import groupby
from pathlib import Path
from urllib.parse import quote

FORMAT = 1
MAX_WORD = 16
"""The longest word of jieba's dictionary, in characters: no longer substring is looked up."""
MIN_FLOAT = -3.14e100
"""jieba's log-probability of an impossible HMM event."""
_BATCH = 500
"""Parameters per look-up statement (SQLite allows at least 999)."""



def _in_block(ch: str) -> bool:
    """jieba-rs's ``is_han_default``: the characters of the runs the dictionary segments (CJK
    ideographs and their extensions, ASCII letters and digits, ``+#&._%-``); every other
    character is a word of its own. (A function, not a pattern: a Han character class costs
    Python's re 1-2 ms to compile, for a query of a few characters.)"""
    point = ord(ch)
    if point < 0x80:
        return ch.isalnum() or ch in "+#&._%-"
    return (0x4E00 <= point <= 0x9FFF or 0x3400 <= point <= 0x4DBF or 0xF900 <= point <= 0xFAFF
            or 0x20000 <= point <= 0x2A6DF or 0x2A700 <= point <= 0x2EBEF
            or 0x2F800 <= point <= 0x2FA1F)


def _hmm_han(ch: str) -> bool:
    """The characters the HMM labels (its emission table's range)."""
    return "\u4e00" <= ch <= "\u9fd5"


_HMM_SKIP = re.compile(r"[0-9A-Za-z]+(?:[._-][0-9A-Za-z]+)*%?")
"""Inside an HMM run, jieba-rs keeps a letters-and-digits token whole, with ``.``, ``_`` or
``-`` between parts and a ``%`` after it (``v1.2-rc``, ``12.5%``)."""

# HMM states as jieba-rs numbers them, and the states each may follow. On equal probabilities
# the later state wins (the larger number), as in jieba-rs and in Python jieba's ``max`` of
# (probability, state) pairs: it decides the cut of a run of characters the HMM has never seen.
B, E, M, S = 0, 1, 2, 3
_PREVIOUS = ((E, S), (B, M), (B, M), (E, S))


class Dictionary:
    """jieba's word frequencies and HMM tables, read from the SQLite file on demand."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection
        self._lock = threading.Lock()  # the web server's threads share one dictionary
        about = dict(connection.execute("SELECT key, value FROM about"))
        if about.get("format") != str(FORMAT):
            raise sqlite3.DatabaseError("not a segmenter dictionary of this format")
        self.log_total = math.log(int(about["total"]))
        self.start: list[float] = json.loads(about["start"])
        self.trans: list[list[float]] = json.loads(about["trans"])

    def close(self) -> None:
        self._db.close()

    def _lookup(self, sql: str, keys: set[str]) -> Iterator[tuple]:  # type: ignore[type-arg]
        ordered = sorted(keys)
        for i in range(0, len(ordered), _BATCH):
            part = ordered[i:i + _BATCH]
            yield from self._db.execute(sql.format(",".join("?" * len(part))), part)

    def frequencies(self, words: set[str]) -> dict[str, int]:
        return dict(self._lookup("SELECT word, freq FROM words WHERE word IN ({})", words))

    def emissions(self, chars: set[str]) -> dict[str, tuple[float, ...]]:
        rows = self._lookup("SELECT ch, b, e, m, s FROM emit WHERE ch IN ({})", chars)
        return {ch: tuple(MIN_FLOAT if p is None else p for p in probs) for ch, *probs in rows}

    def cut(self, text: str) -> list[str]:
        """``rjieba.cut(text, True)``: every character of ``text`` in exactly one word."""
        with self._lock:
            return self._cut(text)

    def _cut(self, text: str) -> list[str]:
        pieces: list[tuple[str, bool]] = []  # (text, is a dictionary block)
        for is_block, run in groupby(text, _in_block):
            if is_block:
                pieces.append(("".join(run), True))
            else:
                pieces += [(ch, False) for ch in _single_chars("".join(run))]
        blocks = [piece for piece, is_block in pieces if is_block]
        freqs = self.frequencies({b[i:j] for b in blocks for i in range(len(b))
                                  for j in range(i + 1, min(len(b), i + MAX_WORD) + 1)})
        routed = [list(self._route(piece, freqs)) if is_block else [(piece, False)]
                  for piece, is_block in pieces]
        unknown = [run for route in routed for run, unjoined in route if unjoined]
        emit = self.emissions({ch for run in unknown for ch in run}) if unknown else {}
        words: list[str] = []
        for route in routed:
            for run, unjoined in route:
                words += self._hmm(run, emit) if unjoined else [run]
        return words

    def _route(self, block: str, freqs: dict[str, int]) -> Iterator[tuple[str, bool]]:
        """The block's words along its most probable path, as (text, needs the HMM): a run of
        single characters that is not itself a word goes to the HMM."""
        n, log_total = len(block), self.log_total
        best: list[tuple[float, int]] = [(0.0, n)] * (n + 1)
        for i in range(n - 1, -1, -1):
            step: tuple[float, int] | None = None
            for j in range(i + 1, min(n, i + MAX_WORD) + 1):
                freq = freqs.get(block[i:j])
                if freq is not None:
                    prob = math.log(freq) - log_total + best[j][0]
                    if step is None or prob > step[0] or (prob == step[0] and j > step[1]):
                        step = (prob, j)
            best[i] = step or (0.0 - log_total + best[i + 1][0], i + 1)
        i, left = 0, None
        while i < n:
            j = best[i][1]
            if j - i == 1:
                left = i if left is None else left
            else:
                if left is not None:
                    yield from _unjoined(block[left:i], freqs)
                    left = None
                yield block[i:j], False
            i = j
        if left is not None:
            yield from _unjoined(block[left:], freqs)

    def _hmm(self, run: str, emit: dict[str, tuple[float, ...]]) -> list[str]:
        words: list[str] = []
        for is_han, chars in groupby(run, _hmm_han):
            part = "".join(chars)
            if not is_han:
                words += _skip_split(part)
            else:
                words += self._viterbi(part, emit) if len(part) > 1 else [part]
        return words

    def _viterbi(self, han: str, emit: dict[str, tuple[float, ...]]) -> list[str]:
        unknown = (MIN_FLOAT,) * 4
        first = emit.get(han[0], unknown)
        v = [self.start[y] + first[y] for y in range(4)]
        back: list[tuple[int, ...]] = []
        for ch in han[1:]:
            em = emit.get(ch, unknown)
            nv, prev = [0.0] * 4, [0] * 4
            for y in range(4):
                best_p, best_y = -math.inf, -1
                for y0 in _PREVIOUS[y]:
                    p = v[y0] + self.trans[y0][y] + em[y]
                    if p >= best_p:
                        best_p, best_y = p, y0
                nv[y], prev[y] = best_p, best_y
            v = nv
            back.append(tuple(prev))
        state = S if v[S] >= v[E] else E
        path = [state]
        for prev in reversed(back):
            state = prev[state]
            path.append(state)
        path.reverse()
        words, begin, done = [], 0, 0
        for i, state in enumerate(path):
            if state == B:
                begin = i
            elif state in (E, S):
                words.append(han[begin if state == E else i:i + 1])
                done = i + 1
        if done < len(han):
            words.append(han[done:])
        return words


def _single_chars(gap: str) -> list[str]:
    """Outside dictionary blocks every character is a word, ``\\r\\n`` one word together."""
    chars: list[str] = []
    i = 0
    while i < len(gap):
        step = 2 if gap.startswith("\r\n", i) else 1
        chars.append(gap[i:i + step])
        i += step
    return chars


def _unjoined(run: str, freqs: dict[str, int]) -> Iterator[tuple[str, bool]]:
    """Single characters the route left: a lone one or a run that is a word is kept as
    characters; any other run is the HMM's to cut."""
    if len(run) > 1 and run not in freqs:
        yield run, True
    else:
        yield from ((ch, False) for ch in run)


def _skip_split(text: str) -> list[str]:
    """A non-HMM part of a run: letter-and-digit tokens and the gaps between them."""
    parts: list[str] = []
    end = 0
    for m in _HMM_SKIP.finditer(text):
        if m.start() > end:
            parts.append(text[end:m.start()])
        parts.append(m.group())
        end = m.end()
    if end < len(text):
        parts.append(text[end:])
    return parts


# -- the file ---------------------------------------------------------------------------------

_SOURCES = ("dict.txt", "finalseg/prob_start.py", "finalseg/prob_trans.py",
            "finalseg/prob_emit.py")


def sources() -> list[Path] | None:
    """jieba's data files (found without importing jieba), or None if it is not installed."""
    spec = find_spec("jieba")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0])
    files = [folder / name for name in _SOURCES]
    return files if all(f.is_file() for f in files) else None


def default_folder() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("archive", appauthor=False)) / "segmenter"


def file_for(folder: Path, files: list[Path]) -> Path:
    key = hashlib.sha256(f"{FORMAT}".encode())
    for f in files:
        st = f.stat()
        key.update(f"\0{f}\0{st.st_size}\0{st.st_mtime_ns}".encode())
    return folder / f"jieba-{key.hexdigest()[:16]}.sqlite3"


@lru_cache(maxsize=1)
def shared() -> Dictionary | None:
    """The process's dictionary (opened once), or None when it cannot be had."""
    return open_dictionary()


def cut(text: str) -> list[str] | None:
    """``rjieba.cut(text, True)`` from the dictionary file; None when it cannot be had or read
    (the caller then asks rjieba)."""
    dictionary = shared()
    if dictionary is None:
        return None
    try:
        return dictionary.cut(text)
    except sqlite3.DatabaseError:  # damaged after it was opened
        return None


def prepare(folder: Path | None = None) -> bool:
    """Build the dictionary file ahead, if it is missing (``archive init``, and with it
    ``archive demo``), so that the first search on a machine does not (~2 s). False when it
    cannot be had: a search then falls back to rjieba, as it would have anyway."""
    dictionary = open_dictionary(folder)
    if dictionary is None:
        return False
    dictionary.close()
    return True


def open_dictionary(folder: Path | None = None) -> Dictionary | None:
    """The dictionary file for the installed jieba, built if missing or unreadable; None when
    it cannot be had (the caller then uses rjieba)."""
    files = sources()
    if files is None:
        return None
    try:
        path = file_for(folder or default_folder(), files)
        try:
            return _open(path)
        except sqlite3.DatabaseError:  # missing, half-copied or damaged: build it again
            build(path, files)
            return _open(path)
    except (OSError, sqlite3.Error, ValueError, SyntaxError):
        return None


def _open(path: Path) -> Dictionary:
    # read-only and immutable: the file is only ever replaced whole, never changed in place
    uri = f"file:{quote(str(path))}?mode=ro&immutable=1"
    connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    try:
        return Dictionary(connection)
    except BaseException:
        connection.close()
        raise


def _probabilities(path: Path) -> dict:  # type: ignore[type-arg]
    """``P`` of one of jieba's ``finalseg/prob_*.py`` files, read as data (not executed)."""
    import ast

    tree = ast.parse(path.read_text("utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and [getattr(t, "id", "") for t in node.targets] == ["P"]:
            value = ast.literal_eval(node.value)
            assert isinstance(value, dict)
            return value
    raise ValueError(f"{path}: no table P")


def _entries(dict_txt: Path) -> Iterable[tuple[str, int]]:
    with dict_txt.open(encoding="utf-8") as lines:
        for line in lines:
            parts = line.split()
            if parts:
                yield parts[0], int(parts[1]) if len(parts) > 1 else 0


def build(path: Path, files: list[Path]) -> None:
    """Write the dictionary file for ``files`` (jieba's dict.txt and HMM tables) at ``path``,
    atomically."""
    import tempfile

    dict_txt, start_py, trans_py, emit_py = files
    start, trans, emit = (_probabilities(f) for f in (start_py, trans_py, emit_py))
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem, suffix=".tmp")
    os.close(fd)
    try:
        db = sqlite3.connect(tmp)
        try:
            db.executescript(
                "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
                "CREATE TABLE about(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
                "CREATE TABLE words(word TEXT PRIMARY KEY, freq INTEGER NOT NULL) WITHOUT ROWID;"
                "CREATE TABLE emit(ch TEXT PRIMARY KEY, b REAL, e REAL, m REAL, s REAL)"
                " WITHOUT ROWID;")
            total = 0
            freqs: dict[str, int] = {}
            for word, freq in _entries(dict_txt):  # a repeated word: the last frequency, both
                freqs[word] = freq                 # counted in the total (as jieba does)
                total += freq
            db.executemany("INSERT INTO words VALUES (?, ?)", sorted(freqs.items()))
            order = "BEMS"  # jieba-rs's state numbers: B=0, E=1, M=2, S=3
            chars = sorted(set().union(*(emit[s] for s in order)))
            db.executemany("INSERT INTO emit VALUES (?, ?, ?, ?, ?)",
                           [(ch, *(emit[s].get(ch) for s in order)) for ch in chars])
            about = {"format": str(FORMAT), "total": str(total),
                     "start": json.dumps([start[s] for s in order]),
                     "trans": json.dumps([[trans[a].get(b, MIN_FLOAT) for b in order]
                                          for a in order]),
                     "source": " ".join(str(f) for f in files)}
            db.executemany("INSERT INTO about VALUES (?, ?)", about.items())
            db.commit()
        finally:
            db.close()
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
