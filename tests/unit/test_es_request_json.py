"""Requests to Elasticsearch are written with orjson (a bulk request carries ~40 KB of JSON per
document); what orjson refuses is written by the standard module, byte for byte as before."""

from __future__ import annotations

import json

import orjson
import pytest

from indexer._es_client import JsonSerializer, _FastLoads

BODY = {"document_id": "d-1", "customer_id": None, "doc_date": "2026-03-01",
        "codes": ["HT-2026-0042"], "words": "施工 合同 竣工 验收", "chars": "施 工 合 同",
        "text": "建设工程施工合同（HT-2026-0042）\t第一条 工程概况\n", "tf2": ""}


def test_a_bulk_body_is_written_by_orjson_and_reads_back_the_same(
        monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = orjson.dumps
    monkeypatch.setattr(orjson, "dumps", lambda data: calls.append(data) or real(data))
    written = _FastLoads().dumps(BODY)
    assert calls == [BODY]
    assert json.loads(written) == BODY == json.loads(JsonSerializer().dumps(BODY))


@pytest.mark.parametrize("body", [{"text": "半个代理对\ud800之后"}, {1: "整数键"}])
def test_what_orjson_refuses_is_written_as_the_standard_module_writes_it(body) -> None:
    assert _FastLoads().dumps(body) == JsonSerializer().dumps(body)
