"""Office extraction vs the bare libraries on the same files, same run (issue 19).

    python -m benchmarks.formats                 # 100 .docx + 100 .xlsx
    python -m benchmarks.formats --files 400 --rounds 5

"ours" is what ingest's workers run per file: sniffing the package's kind, the zip-bomb check,
body + tables + headers/footers + comments (docx), every sheet's name and cached values
(xlsx), text cleaning. "bare" is the library alone reading the same text: python-docx's
paragraphs and table cells, openpyxl's read-only cached values. Each round times both over
every file, alternating which goes first; the best round of each is compared (target ≤ 1.25).
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from indexer.extract import DefaultExtractor

from .corpus import document_text


def make_files(folder: Path, count: int, seed: int = 19) -> list[Path]:
    import docx
    import openpyxl

    rng = random.Random(seed)
    paths = []
    for i in range(count):
        if i % 2 == 0:
            document = docx.Document()
            document.sections[0].header.paragraphs[0].text = f"杭州华建科技有限公司 第{i}号"
            for _ in range(30):
                document.add_paragraph(document_text(rng, 60))
            table = document.add_table(rows=10, cols=4)
            for row in table.rows:
                for cell in row.cells:
                    cell.text = document_text(rng, 8)
            path = folder / f"{i:04d}-报告.docx"
            document.save(str(path))
        else:
            book = openpyxl.Workbook()
            for s in range(3):
                ws = book.active if s == 0 else book.create_sheet()
                ws.title = f"第{s + 1}季度"
                for r in range(150):
                    ws.append([r, document_text(rng, 6), rng.randint(1, 10**6), rng.random()])
            path = folder / f"{i:04d}-台账.xlsx"
            book.save(str(path))
        paths.append(path)
    return paths


def bare(path: Path) -> str:
    if path.suffix == ".docx":
        import docx

        document = docx.Document(str(path))
        parts = [p.text for p in document.paragraphs]
        parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
        return "\n".join(parts)
    import openpyxl

    book = openpyxl.load_workbook(str(path), read_only=True, data_only=True)
    try:
        return "\n".join("\t".join("" if v is None else str(v) for v in row)
                         for ws in book.worksheets for row in ws.iter_rows(values_only=True))
    finally:
        book.close()


def ours(path: Path, extractor: DefaultExtractor = DefaultExtractor()) -> str:
    return extractor.extract(path, extractor.media_type(path)).text


def timed(fn: Callable[[Path], str], paths: list[Path]) -> float:
    started = time.perf_counter()
    for path in paths:
        fn(path)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-formats-") as tmp:
        paths = make_files(Path(tmp), args.files)
        for path in paths[:4]:  # same text found by both (and imports warmed)
            mine = "".join(ours(path).replace("|", " ").split())
            assert all("".join(line.split()) in mine for line in bare(path).split("\n")[:5])
        best_ours = best_bare = float("inf")
        for r in range(args.rounds):
            order = [(ours, "ours"), (bare, "bare")] if r % 2 == 0 else [(bare, "bare"), (ours, "ours")]
            for fn, name in order:
                seconds = timed(fn, paths)
                if name == "ours":
                    best_ours = min(best_ours, seconds)
                else:
                    best_bare = min(best_bare, seconds)
        print(f"{len(paths)} files (.docx/.xlsx), best of {args.rounds} rounds")
        print(f"  ours  {best_ours:.2f}s  {len(paths) / best_ours:.1f} files/s")
        print(f"  bare  {best_bare:.2f}s  {len(paths) / best_bare:.1f} files/s")
        print(f"  ratio ours/bare = {best_ours / best_bare:.2f}  (target ≤ 1.25)")


if __name__ == "__main__":
    main()
