"""Which OCR readings look like a vertical page read as lines."""

from indexer.vertical import candidates, worded

AS_LINES = '监 同 验 竣\n理意收工\n单 通结验\n位过论收\n浙竣工报\n江 工程告\n宏验质\n远 收 量\n监 ”合\n理 格\n有\n\n限\n\n公\n\n司'
"""Tesseract's reading (--psm 6, chi_sim) of a rendered vertical page."""


def test_a_vertical_page_read_as_lines_is_a_candidate_and_good_text_is_not() -> None:
    good = "竣工验收报告\n验收结论：工程质量合格，同意通过竣工验收。\n监理单位：浙江宏远监理有限公司"
    assert candidates([good, AS_LINES, "HT-2026-0042 第3页", "王芳"]) == [1]
    assert worded(good) > 0.75 > worded(AS_LINES)
    assert worded("") == 0.0
