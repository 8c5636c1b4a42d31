"""OCR quality: the text ingest stores vs the bare Tesseract engine, same pages, same run.

    python -m benchmarks.ocr                    # 4 kinds of degraded page × 2 seeds
    python -m benchmarks.ocr --seeds 5

Pages are rendered from known Chinese lines and degraded as scans come (``tests/scans.py``:
150 dpi with blur, dust and JPEG; ``low`` 100 dpi; ``skew`` 3° more; ``upside`` fed upside
down). "stored" is what ingest keeps: ``DefaultExtractor`` on the image-only PDF (OCRmyPDF,
deskew, orientation detection, the engine's sidecar text, ``clean_text``). "bare" is
``tesseract IMAGE stdout -l chi_sim`` on the same page image, once at its own resolution and
once resampled to 300 dpi; the better of the two mean CERs is the engine "at its best
settings". CER is per page (``tests.scans.cer``: Levenshtein over normalised text without
whitespace); the target is stored ≤ 1.05 × bare.
"""

from __future__ import annotations

import argparse
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


def bare(image: Path) -> str:
    return subprocess.run(["tesseract", str(image), "stdout", "-l", "chi_sim"],
                          capture_output=True, text=True, check=True).stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--oversample", type=int, default=None, metavar="DPI",
                        help="try ingest with pages oversampled to DPI (indexer.ocr.OVERSAMPLE_DPI)")
    parser.add_argument("--pages", action="store_true", help="print every page's CERs")
    args = parser.parse_args()
    require_ocr()
    if args.oversample:
        from indexer import ocr

        ocr.OVERSAMPLE_DPI = args.oversample
    from PIL import Image

    extractor = DefaultExtractor()
    rows: list[tuple[str, float, float, float]] = []
    seconds = {"stored": 0.0, "bare": 0.0, "bare300": 0.0}
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
                native = work / "native.png"
                page.save(native, dpi=(dpi, dpi))
                up = work / "up300.png"
                page.resize((page.width * 300 // dpi, page.height * 300 // dpi),
                            Image.LANCZOS).save(up, dpi=(300, 300))
                started = time.perf_counter()
                at_native = bare(native)
                seconds["bare"] += time.perf_counter() - started
                started = time.perf_counter()
                at_300 = bare(up)
                seconds["bare300"] += time.perf_counter() - started
                rows.append((variant, cer(truth, stored.text), cer(truth, clean_text(at_native)),
                             cer(truth, clean_text(at_300))))
    if args.pages:
        for row in rows:
            print("  page", row[0], " ".join(f"{v:.3f}" for v in row[1:]))
    print(f"{len(rows)} pages ({args.seeds} seeds × {', '.join(VARIANTS)}); mean CER per page")
    print(f"  {'variant':<8} {'stored':>7} {'bare':>7} {'bare300':>7}")
    for variant in VARIANTS:
        mine = [r for r in rows if r[0] == variant]
        print(f"  {variant:<8} " + " ".join(f"{statistics.mean(r[i] for r in mine):7.3f}" for i in (1, 2, 3)))
    stored_cer, native_cer, up_cer = (statistics.mean(r[i] for r in rows) for i in (1, 2, 3))
    best = min(native_cer, up_cer)
    print(f"  {'all':<8} {stored_cer:7.3f} {native_cer:7.3f} {up_cer:7.3f}")
    print(f"  seconds  " + " ".join(f"{seconds[k]:7.1f}" for k in ("stored", "bare", "bare300")))
    print(f"ratio stored / bare at its best ({'300 dpi' if up_cer <= native_cer else 'native'}) = "
          f"{stored_cer / best if best else float('inf'):.2f}  (target ≤ 1.05)")
    upright = [r for r in rows if r[0] != "upside"]
    best_upright = min(statistics.mean(r[2] for r in upright), statistics.mean(r[3] for r in upright))
    print(f"ratio on upright pages only = "
          f"{statistics.mean(r[1] for r in upright) / best_upright if best_upright else float('inf'):.2f}")


if __name__ == "__main__":
    main()
