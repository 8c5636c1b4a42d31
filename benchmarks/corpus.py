"""Synthetic Chinese customer-archive text, reproducible from a seed.

Words are drawn from jieba's own dictionary weighted by its frequencies, so term frequencies
follow the Zipf-like spread of real Chinese text (a tiny vocabulary would make every query
match every document). Archive vocabulary and contract numbers are mixed in.
"""

from __future__ import annotations

import itertools
import random
from functools import lru_cache
from importlib import resources

DOMAIN = (
    "建设工程 施工 合同 竣工 验收 报告 客户 档案 采购 记录 发票 付款 转账 物流 仓储 运输 "
    "集装箱 报关 质量 体系 认证 证书 装修 办公楼 研发中心 暖通 空调 给排水 消防 幕墙 监理 "
    "甲方 乙方 违约金 结算 合作 意向 借阅 原件 影印件 销毁 清册 保管期限 会计凭证"
).split()
PUNCT = list("，。、；：")


@lru_cache(maxsize=1)
def _dictionary() -> tuple[list[str], list[int]]:
    text = resources.files("jieba").joinpath("dict.txt").read_text("utf-8")
    words, weights = [], []
    for line in text.splitlines():
        parts = line.split(" ")
        if len(parts) >= 2 and len(parts[0]) >= 2:
            words.append(parts[0])
            weights.append(int(parts[1]))
    return words, list(itertools.accumulate(weights))


def document_text(rng: random.Random, n_words: int = 300) -> str:
    words, cumulative = _dictionary()
    drawn = rng.choices(words, cum_weights=cumulative, k=n_words)
    parts = []
    for word in drawn:
        parts.append(rng.choice(DOMAIN) if rng.random() < 0.05 else word)
        if rng.random() < 0.12:
            parts.append(rng.choice(PUNCT))
        if rng.random() < 0.005:
            parts.append(f"HT-{rng.randint(2015, 2026)}-{rng.randint(1, 9999):04d}")
    return "".join(parts)


QUERIES = ["施工合同", "竣工验收", "物流 仓储", '"办公楼装修"', "HT-2024-0042", "消防", "发票 付款",
           "会计凭证 销毁", "暖通空调", "质量体系认证", "中国", "经济 发展", "研究"]

QUESTIONS = ["客户要求更改合同付款方式的补充协议", "去年办公楼装修工程的竣工验收报告在哪里？",
             "哪些合同约定了违约金和付款期限？", "集装箱运输过程中货物损坏由谁承担责任？",
             "质量体系认证证书什么时候到期需要重新申请？",
             "根据合同规定，乙方未按期完工应当支付多少违约金？",
             "甲方要求提供会计凭证和发票用于结算，需要哪些材料？",
             "暖通空调和给排水工程的监理报告有没有归档", "客户借阅原件以后什么时候归还？",
             "物流仓储合作意向书的保管期限是多久？"]
"""Question-style queries, as clerks type them (ranked, not all-words-must-match)."""
