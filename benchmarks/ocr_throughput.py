"""OCR throughput of ingest: one 50-page scan and 50 one-page scans, against one engine.

    python -m benchmarks.ocr_throughput                 # 50 pages each, baseline on 6 pages
    python -m benchmarks.ocr_throughput --pages 20 --baseline 4

"single engine" is ingest's own OCR path (OCRmyPDF + Tesseract, deskew, orientation) with
``--jobs 1`` on one-page scans: one page at a time, one process, one Tesseract thread. The
target is pages/s ≥ 0.9 × cores × that, for a large scan (its pages spread over the free cores,
``indexer.cores``) and for many one-page scans (ingest's worker processes), measured in the same
run, before and after them (their mean is the baseline, so a load that changes during the run
shows). For scale it also prints the bare ``tesseract`` (one thread) on the same pages. Scans are
rendered once and cached in ``~/.cache/archive-bench/ocr-throughput/``. Wall clock on a shared
machine is noisy: the load average is printed with the figures.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from cli.wiring import open_archive
from docstore.intake import IngestOptions, Ingestor
from docstore.settings import Settings
from indexer import cores
from tests.scans import degraded_page, require_ocr

from .ocr import PAGES

CACHE = Path.home() / ".cache" / "archive-bench" / "ocr-throughput"


def _jpeg(seed: int) -> bytes:
    """One degraded 150 dpi page (the ``plain`` kind of ``benchmarks/ocr.py``), as a JPEG."""
    page, dpi = degraded_page(PAGES[seed % len(PAGES)] + [f"第{seed + 1}页"], "plain", seed=seed)
    buf = io.BytesIO()
    page.save(buf, "JPEG", quality=75, dpi=(dpi, dpi))
    return buf.getvalue()


def corpus(pages: int) -> tuple[Path, Path]:
    """(folder of ``pages`` one-page scans, one ``pages``-page scan), made once and cached."""
    import img2pdf

    singles, big, done = (CACHE / f"singles-{pages}", CACHE / f"big-{pages}.pdf",
                          CACHE / f"done-{pages}")
    if not done.exists():
        shutil.rmtree(singles, ignore_errors=True)
        singles.mkdir(parents=True)
        images = [_jpeg(seed) for seed in range(pages)]
        for seed, image in enumerate(images):
            (singles / f"扫描件-{seed:03d}.pdf").write_bytes(img2pdf.convert(image))
        big.write_bytes(img2pdf.convert(images))
        done.touch()
    return singles, big


def ingest(files: list[Path], jobs: int) -> float:
    """Seconds to ingest ``files`` into a fresh embedded archive with ``jobs`` workers."""
    with tempfile.TemporaryDirectory(prefix="bench-ocr-tp-") as tmp:
        archive = open_archive(Settings(data_dir=Path(tmp)))
        try:
            ingestor = Ingestor(archive, IngestOptions(), jobs=jobs)
            started = time.perf_counter()
            results = list(ingestor.run(files))
            seconds = time.perf_counter() - started
        finally:
            archive.close()
    failed = [r for r in results if r.status != "added"]
    assert not failed, failed
    return seconds


def bare(files: list[Path]) -> float:
    """Seconds for the bare engine on the same page images (one thread, psm 6 as ingest)."""
    import pypdf

    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    seconds = 0.0
    with tempfile.TemporaryDirectory(prefix="bench-ocr-bare-") as tmp:
        for i, pdf in enumerate(files):
            image = Path(tmp) / f"{i}.jpg"
            [picture] = pypdf.PdfReader(pdf).pages[0].images
            image.write_bytes(picture.data)
            started = time.perf_counter()
            subprocess.run(["tesseract", str(image), "stdout", "-l", "chi_sim", "--psm", "6"],
                           capture_output=True, check=True, env=env)
            seconds += time.perf_counter() - started
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=50)
    parser.add_argument("--baseline", type=int, default=6, help="one-page scans for the baseline")
    args = parser.parse_args()
    require_ocr()
    singles, big = corpus(args.pages)
    files = sorted(singles.glob("*.pdf"))
    n = cores.count()
    print(f"{n} cores; load average before {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    before = args.baseline / ingest(files[:args.baseline], jobs=1)
    print(f"  single engine (ingest --jobs 1, {args.baseline} one-page scans): {before:.3f} pages/s")
    print(f"  bare tesseract, one thread, same pages: "
          f"{args.baseline / bare(files[:args.baseline]):.3f} pages/s")
    rates = {}
    for name, inputs in ((f"one {args.pages}-page scan", [big]),
                         (f"{args.pages} one-page scans", [singles])):
        rates[name] = args.pages / ingest(inputs, jobs=n)
    after = args.baseline / ingest(files[-args.baseline:], jobs=1)
    base = (before + after) / 2
    print(f"  single engine again after: {after:.3f} pages/s; their mean {base:.3f} is the baseline"
          " (the two differ by what else the machine did meanwhile)")
    for name, rate in rates.items():
        print(f"  {name:<22} --jobs {n}: {rate:.3f} pages/s = {rate / base:.2f} × single engine "
              f"(target ≥ {0.9 * n:.1f} ×, {0.9 * n * base:.3f} pages/s)")
    print(f"load average after {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
