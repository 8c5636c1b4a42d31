"""Sessions, CSRF tokens and login throttling for the web face.

- The session is a cookie signed with itsdangerous (Starlette's ``SessionMiddleware``): it
  holds the user's name, when the login expires, and the CSRF token. It is HttpOnly,
  SameSite=Strict, and expires ``session_hours`` after the last request; a login is also
  refused after ``login_hours`` whatever the activity. The secret is random per server
  process unless ``ARCHIVE_WEB_SECRET`` is set (then sessions survive a restart).
- Every POST carries the session's CSRF token, in the form field ``csrf`` or the header
  ``X-CSRF-Token`` (htmx sends it from ``hx-headers`` on ``<body>``).
- Failed logins are counted per user name and per client address; after ``MAX_FAILURES``
  within ``WINDOW`` seconds that name is locked for ``LOCK_SECONDS`` (an address after
  ``ADDRESS_FACTOR`` times as many: an office behind one NAT address shares it), and every
  failure waits a little longer than the one before (at most ``MAX_DELAY``).
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass, field

from starlette.requests import Request

from docstore.errors import PermissionDenied

CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"
MAX_FAILURES = 5
WINDOW = 15 * 60.0
LOCK_SECONDS = 15 * 60.0
MAX_DELAY = 2.0
ADDRESS_FACTOR = 4
MAX_TRACKED = 10_000


class CsrfRejected(PermissionDenied):
    """A POST without the session's token: another site's form, or an expired page."""


def csrf_token(request: Request) -> str:
    """The session's token, made on first use (the login form has one before any login)."""
    token = request.session.get(CSRF_FIELD)
    if not token:
        token = request.session[CSRF_FIELD] = secrets.token_urlsafe(32)
    return token


async def check_csrf(request: Request) -> None:
    """FastAPI dependency: every unsafe request must echo the session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = request.session.get(CSRF_FIELD) or ""
    given = request.headers.get(CSRF_HEADER) or ""
    if not given:
        form = await request.form()
        given = str(form.get(CSRF_FIELD) or "")
    if not expected or not hmac.compare_digest(expected, given):
        raise CsrfRejected("the form has expired or did not come from this site (CSRF token "
                           "missing or wrong); reload the page and try again")


def start_session(request: Request, name: str, login_hours: float) -> None:
    """A fresh session for ``name``: a new CSRF token, so a token seen before login is useless."""
    request.session.clear()
    request.session.update({"user": name, "until": time.time() + login_hours * 3600,
                            CSRF_FIELD: secrets.token_urlsafe(32)})


def session_user(request: Request) -> str | None:
    """The logged-in user, or None when there is no login or it has expired."""
    name = request.session.get("user")
    if not name or float(request.session.get("until", 0)) < time.time():
        return None
    return str(name)


@dataclass
class Throttle:
    """Failed logins per key (``user:NAME``, ``ip:ADDRESS``) within a sliding window."""

    max_failures: int = MAX_FAILURES
    window: float = WINDOW
    lock_seconds: float = LOCK_SECONDS
    _failures: dict[str, deque[float]] = field(default_factory=lambda: defaultdict(deque))
    _locked_until: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def locked(self, *keys: str) -> float:
        """Seconds until the first of ``keys`` is unlocked (0: none is locked)."""
        now = time.monotonic()
        with self._lock:
            return max([self._locked_until.get(k, 0.0) - now for k in keys] + [0.0])

    def fail(self, *keys: str) -> float:
        """Count a failure; returns how long to wait before answering (grows with failures)."""
        now = time.monotonic()
        worst = 0
        with self._lock:
            for key in keys:
                seen = self._failures[key]
                seen.append(now)
                while seen and seen[0] < now - self.window:
                    seen.popleft()
                limit = self.max_failures * (ADDRESS_FACTOR if key.startswith("ip:") else 1)
                if len(seen) >= limit:
                    self._locked_until[key] = now + self.lock_seconds
                    seen.clear()
                worst = max(worst, len(seen))
            if len(self._failures) > MAX_TRACKED:
                self._forget_old(now)
        return min(MAX_DELAY, 0.25 * worst)

    def _forget_old(self, now: float) -> None:
        """Someone trying thousands of names must not grow the table for ever: keys whose
        failures have all left the window, and locks that have ended, are dropped."""
        for key in [k for k, seen in self._failures.items()
                    if not seen or seen[-1] < now - self.window]:
            del self._failures[key]
        for key in [k for k, until in self._locked_until.items() if until < now]:
            del self._locked_until[key]

    def succeed(self, *keys: str) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
