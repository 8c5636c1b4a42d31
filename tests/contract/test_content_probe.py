"""Both stores hand ingest workers a ``ContentProbe`` (the port declares its ``later``, which
the worker calls on every probe): it reports a tombstone, asked at once or later."""

from __future__ import annotations

import pickle

from docstore.archive import Archive
from docstore.models import RecordKind, document_id_for
from docstore.ports import ContentProbe


def test_the_probe_is_the_ports_and_reports_a_tombstone_either_way(archive: Archive) -> None:
    probe = archive.store.content_probe()
    assert isinstance(probe, ContentProbe)
    probe = pickle.loads(pickle.dumps(probe))  # as a worker process gets it
    gone = document_id_for("a" * 64)
    archive.store.put_record(RecordKind.TOMBSTONE, gone, {"reason": "销毁：保管期满"})
    for document_id, expected in ((gone, True), (document_id_for("b" * 64), False)):
        deferred = probe.later(document_id, 10)
        answer = deferred() if deferred is not None else probe(document_id, 10)
        assert answer is expected
