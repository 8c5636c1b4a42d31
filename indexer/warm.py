"""The warm-up of the per-file work, imported once by the ingest workers' fork server
(``docstore.intake.workers.PRELOAD``): each worker is forked from it with what its first file
would otherwise pay for — pypdf's import, the segmenter's dictionary, the normaliser's tables —
already done. That was about 0.2 s of CPU in every worker, the first second of a run."""

from __future__ import annotations

import pypdf  # noqa: F401  (loaded here for every worker forked after)

from .index_doc import IndexSegmenter

IndexSegmenter().tokens("预热", "预热.pdf", {"发票号码": "0042"}, "施工合同 NQ-2026-HT-0042 监理单位")
