"""The login throttle on its own (no browser): lock-out per name, a higher bar per address,
growing delays, and a table that does not grow for ever."""

from __future__ import annotations

import time

from web import security
from web.security import Throttle


def test_five_failures_lock_a_name_and_twenty_an_address() -> None:
    t = Throttle()
    delays = [t.fail("user:李强", "ip:10.0.0.1") for _ in range(4)]
    assert delays == [0.25, 0.5, 0.75, 1.0] and t.locked("user:李强") == 0
    t.fail("user:李强", "ip:10.0.0.1")
    assert t.locked("user:李强") > 14 * 60 and t.locked("ip:10.0.0.1") == 0
    for n in range(15):
        t.fail(f"user:u{n}", "ip:10.0.0.1")
    assert t.locked("ip:10.0.0.1") > 0 and t.locked("user:u0") == 0
    t.succeed("user:王芳")
    assert t.locked("user:王芳", "ip:10.0.0.2") == 0


def test_old_failures_are_forgotten(monkeypatch) -> None:
    monkeypatch.setattr(security, "MAX_TRACKED", 100)
    t = Throttle(window=60)
    start = time.monotonic()
    monkeypatch.setattr(security.time, "monotonic", lambda: start)
    for n in range(100):
        t.fail(f"user:guess{n}")
    monkeypatch.setattr(security.time, "monotonic", lambda: start + 120)
    t.fail("user:last")
    assert list(t._failures) == ["user:last"]
