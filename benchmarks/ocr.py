"""OCR quality: the text ingest stores vs the bare Tesseract engine, same pages, same run.

    python -m benchmarks.ocr                    # 4 kinds of degraded page × 3 seeds
    python -m benchmarks.ocr --seeds 6 --pages

Pages are rendered from known Chinese lines and degraded as scans come (``tests/scans.py``:
150 dpi with blur, dust and JPEG; ``low`` 100 dpi; ``skew`` 3° more; ``upside`` fed upside
down). "stored" is what ingest keeps: ``DefaultExtractor`` on the image-only PDF (OCRmyPDF,
deskew, orientation detection, the engine's sidecar text, ``clean_text``). "bare" is
``tesseract IMAGE stdout -l chi_sim --psm N`` on the same page image, at its own resolution
and resampled to 300 dpi, for page segmentation modes 3 (automatic, Tesseract's default),
4 (one column) and 6 (one block): the engine "at its best settings" is the setting with the
lowest mean CER over the pages compared, chosen after the fact, so the bare side gets every
advantage. CER is per page (``tests.scans.cer``: Levenshtein over normalised text without
whitespace). Target: stored ≤ 1.05 × bare at its best, on upright pages (the bare engine
cannot read an upside-down page, so all pages flatter the stored side; printed too).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from indexer.extract import DefaultExtractor
from indexer.normalize import clean_text
from tests.scans import cer, degraded_page, page_pdf, require_ocr

PAGES = [
    ["建设工程施工合同", "合同编号：HT-2026-0042", "发包人：杭州华建科技有限公司",
     "工程名称：研发中心办公楼装修工程", "合同价款：人民币叁佰贰拾捌万元整"],
    ["竣工验收报告", "验收结论：工程质量合格，同意通过竣工验收。", "监理单位：浙江宏远监理有限公司",
     "施工单位：杭州华建科技有限公司", "验收日期：二〇二六年三月十五日"],
    ["客户档案移交清单", "移交部门：内勤部", "接收人：王芳", "档案数量：共计十二卷",
     "备注：原件存放于三号柜第二层"],
]
VARIANTS = ["plain", "low", "skew", "upside"]
BARE = [(dpi, psm) for dpi in ("native", "300") for psm in (3, 4, 6)]
"""The bare engine's settings tried: (resolution, page segmentation mode)."""


def bare(image: Path, psm: int) -> str:
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    return subprocess.run(["tesseract", str(image), "stdout", "-l", "chi_sim", "--psm", str(psm)],
                          capture_output=True, text=True, check=True, env=env).stdout


def _label(setting: tuple[str, int]) -> str:
    return f"{setting[0]}/{setting[1]}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--oversample", type=int, default=None, metavar="DPI",
                        help="try ingest with pages oversampled to DPI (indexer.ocr.OVERSAMPLE_DPI)")
    parser.add_argument("--psm", type=int, default=None,
                        help="try ingest with this page segmentation mode (indexer.ocr.PAGE_SEGMENTATION)")
    parser.add_argument("--pages", action="store_true", help="print every page's CERs")
    args = parser.parse_args()
    require_ocr()
    from indexer import ocr

    if args.oversample:
        ocr.OVERSAMPLE_DPI = args.oversample
    if args.psm is not None:
        ocr.PAGE_SEGMENTATION = args.psm
    from PIL import Image

    extractor = DefaultExtractor()
    rows: list[tuple[str, float, dict[tuple[str, int], float]]] = []
    seconds = {"stored": 0.0, **{_label(s): 0.0 for s in BARE}}
    with tempfile.TemporaryDirectory(prefix="bench-ocr-") as tmp:
        work = Path(tmp)
        for seed in range(args.seeds):
            lines = PAGES[seed % len(PAGES)]
            truth = "".join(lines)
            for variant in VARIANTS:
                page, dpi = degraded_page(lines, variant, seed=seed)
                pdf = page_pdf(work / f"{variant}-{seed}.pdf", page, dpi)
                started = time.perf_counter()
                stored = extractor.extract(pdf, extractor.media_type(pdf))
                seconds["stored"] += time.perf_counter() - started
                if stored.searchable_pdf is not None:
                    stored.searchable_pdf.unlink(missing_ok=True)
                images = {"native": work / "native.png", "300": work / "up300.png"}
                page.save(images["native"], dpi=(dpi, dpi))
                page.resize((page.width * 300 // dpi, page.height * 300 // dpi),
                            Image.LANCZOS).save(images["300"], dpi=(300, 300))
                errors = {}
                for setting in BARE:
                    started = time.perf_counter()
                    errors[setting] = cer(truth, clean_text(bare(images[setting[0]], setting[1])))
                    seconds[_label(setting)] += time.perf_counter() - started
                rows.append((variant, cer(truth, stored.text), errors))
    _report(rows, seconds, args)


def _report(rows: list[tuple[str, float, dict[tuple[str, int], float]]],
            seconds: dict[str, float], args: argparse.Namespace) -> None:
    head = "".join(f"{_label(s):>10}" for s in BARE)
    if args.pages:
        for variant, stored, errors in rows:
            print(f"  page {variant:<7} {stored:7.3f}" + "".join(f"{errors[s]:10.3f}" for s in BARE))
    print(f"{len(rows)} pages ({args.seeds} seeds × {', '.join(VARIANTS)}); mean CER per page; "
          f"bare columns are resolution/psm")
    print(f"  {'variant':<8} {'stored':>7}{head}")
    for variant in [*VARIANTS, "upright", "all"]:
        mine = [r for r in rows if variant in (r[0], "all") or (variant == "upright" and r[0] != "upside")]
        print(f"  {variant:<8} {statistics.mean(r[1] for r in mine):7.3f}" +
              "".join(f"{statistics.mean(r[2][s] for r in mine):10.3f}" for s in BARE))
    print(f"  seconds  {seconds['stored']:7.1f}" + "".join(f"{seconds[_label(s)]:10.1f}" for s in BARE))
    for name, mine in (("upright pages", [r for r in rows if r[0] != "upside"]), ("all pages", rows)):
        stored = statistics.mean(r[1] for r in mine)
        best = min(BARE, key=lambda s: statistics.mean(r[2][s] for r in mine))
        best_cer = statistics.mean(r[2][best] for r in mine)
        ratio = stored / best_cer if best_cer else (1.0 if stored == 0 else float("inf"))
        print(f"ratio stored / bare at its best ({_label(best)}) on {name} = {stored:.3f} / "
              f"{best_cer:.3f} = {ratio:.2f}" + ("  (target ≤ 1.05)" if name == "upright pages" else ""))
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
