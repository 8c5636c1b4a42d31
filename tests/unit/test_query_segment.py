"""``indexer.query_segment`` cuts a query exactly as rjieba does (the index was built by rjieba).

Compared on real Chinese (the legal articles of tests/data: whole articles, sentences and
query-sized pieces), on names and made-up words the HMM has to cut (common and rare
characters, characters the HMM has never seen), and on text mixed with English, numbers,
codes, full-width forms, punctuation, whitespace and CJK extension characters, both raw and
normalised the way queries are.
"""

from __future__ import annotations

import gzip
import json
import random
import sqlite3
from pathlib import Path

import pytest
import rjieba

from indexer import query_segment, segment
from indexer.normalize import normalize

DATA = Path(__file__).resolve().parents[1] / "data"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国志宏晓梅玲"
MIXED = list("ＡＢＣ１２３，。、；：！？（）【】《》 \t\r\n-_.%+#&/@abcXYZ0123456789") + [
    chr(c) for c in (0x3400, 0x4DBF, 0x9FD6, 0x9FFF, 0xF900, 0xFAFF, 0x20000, 0x2A6DF,
                     0x2FA1F, 0x1F46A, 0xFF5E, 0x3000)]


@pytest.fixture(scope="module")
def dictionary(tmp_path_factory) -> query_segment.Dictionary:
    found = query_segment.open_dictionary(tmp_path_factory.mktemp("segmenter"))
    assert found is not None
    return found


def _articles() -> list[str]:
    with gzip.open(DATA / "legal_articles.jsonl.gz", "rt", encoding="utf-8") as lines:
        return [json.loads(line)["text"] for line in lines]


def _samples() -> list[str]:
    rng = random.Random(20)
    texts = _articles()
    han = [chr(c) for c in range(0x4E00, 0x9FD6)]  # includes characters the HMM never saw

    def piece(lo: int, hi: int) -> str:
        text = rng.choice(texts)
        i = rng.randrange(len(text))
        return text[i:i + rng.randint(lo, hi)]

    samples = rng.sample(texts, 1500)
    samples += [piece(1, 12) for _ in range(15_000)]
    for _ in range(7_000):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN if rng.random() < 0.6 else han)
                                              for _ in range(rng.randint(1, 2)))
        samples.append(piece(0, 6) + name + piece(0, 6))
        samples.append("".join(rng.choice(han) for _ in range(rng.randint(2, 8))))
    for _ in range(6_000):
        chars = list(piece(2, 30))
        for _ in range(rng.randint(1, 5)):
            chars.insert(rng.randint(0, len(chars)),
                         "".join(rng.choice(MIXED) for _ in range(rng.randint(1, 4))))
        samples += ["".join(chars), normalize("".join(chars))]
    samples += [f"HT-{rng.randint(2015, 2026)}-{rng.randint(1, 9999):04d}号合同v{rng.randint(1, 9)}."
                f"{rng.randint(0, 20)}-rc版增长{rng.randint(1, 100)}.{rng.randint(0, 99)}%"
                for _ in range(1_000)]
    return samples


def test_it_cuts_tens_of_thousands_of_texts_exactly_as_rjieba(dictionary) -> None:
    samples = _samples()
    assert len(samples) > 40_000
    differ = [(s, dictionary.cut(s), rjieba.cut(s, True)) for s in samples
              if dictionary.cut(s) != rjieba.cut(s, True)]
    assert differ == [], differ[:5]


def test_its_dictionary_is_the_one_rjieba_embeds(dictionary) -> None:
    """Every word of jieba's dict.txt is one of rjieba's, and cut alone gives what rjieba gives
    (so their frequencies agree wherever they decide a cut)."""
    words = [line.split(" ", 1)[0] for line in
             query_segment.sources()[0].read_text("utf-8").splitlines()]  # type: ignore[index]
    assert len(words) > 349_000
    assert [w for w in words if not rjieba.has_word(w)] == []
    some = words[::20]
    assert [w for w in some if dictionary.cut(w) != rjieba.cut(w, True)] == []


def test_known_cuts(dictionary) -> None:
    assert dictionary.cut("施工合同") == ["施工", "合同"]
    assert dictionary.cut("他来到了网易杭研大厦") == ["他", "来到", "了", "网易", "杭研", "大厦"]  # 杭研: HMM
    assert dictionary.cut("版本v1.2-rc发布") == ["版本", "v1.2-rc", "发布"]
    assert dictionary.cut("x\r\n\ty") == ["x", "\r\n", "\t", "y"]


def test_a_query_builds_no_rjieba_dictionary(tmp_path: Path, monkeypatch) -> None:
    """``segment.query_words`` takes its words from the dictionary file, not from rjieba."""
    monkeypatch.setattr(query_segment, "shared", lambda: query_segment.open_dictionary(tmp_path))
    monkeypatch.setattr(segment, "_jieba", lambda: pytest.fail("rjieba asked"))
    assert segment.query_words("施工合同") == ["施工", "合同"]
    assert segment.query_words(normalize("杭州华建科技 ＨＴ-2026 年度")) == \
        ["杭州", "华建", "科技", "ht-2026", "年度"]


def test_the_file_is_built_once_atomically_and_named_by_its_sources(tmp_path: Path) -> None:
    files = query_segment.sources()
    assert files is not None
    path = query_segment.file_for(tmp_path, files)
    assert query_segment.open_dictionary(tmp_path) is not None
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left
    built = path.stat().st_mtime_ns
    assert query_segment.open_dictionary(tmp_path) is not None
    assert path.stat().st_mtime_ns == built  # not rebuilt
    assert query_segment.file_for(tmp_path / "other", files).name == path.name
    assert query_segment.file_for(tmp_path, files[:1]) != path  # other sources, other file


def test_a_damaged_file_is_rebuilt(tmp_path: Path) -> None:
    path = query_segment.file_for(tmp_path, query_segment.sources())  # type: ignore[arg-type]
    path.write_bytes(b"SQLite format 3\x00" + b"\x07" * 5000)
    found = query_segment.open_dictionary(tmp_path)
    assert found is not None and found.cut("施工合同") == ["施工", "合同"]


def test_no_file_to_be_had_falls_back_to_rjieba(tmp_path: Path, monkeypatch) -> None:
    """A folder that cannot be written (here: a path under a regular file), a damaged file that
    cannot be rebuilt: the dictionary is None, and a query is cut by rjieba, the same way."""
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert query_segment.open_dictionary(blocker / "segmenter") is None
    monkeypatch.setattr(query_segment, "sources", lambda: None)  # jieba not installed
    assert query_segment.open_dictionary(tmp_path) is None

    monkeypatch.setattr(query_segment, "shared", lambda: None)
    assert segment.query_words("施工合同的付款") == ["施工", "合同", "的", "付款"]


def test_a_file_damaged_after_opening_falls_back_to_rjieba(tmp_path: Path, monkeypatch) -> None:
    class Damaged:
        def cut(self, text: str) -> list[str]:
            raise sqlite3.DatabaseError("database disk image is malformed")

    monkeypatch.setattr(query_segment, "shared", lambda: Damaged())
    assert query_segment.cut("施工合同") is None
    assert segment.query_words("施工合同") == ["施工", "合同"]
