"""The dashboard's counts kept per period, for as long as the register has not changed.

Counting a period means reading every training, certificate and seminar in it (a
``COUNT(DISTINCT person)`` per breakdown over up to ~170,000 rows for five years: ~0.8-1.2 s
on a large register). Distinct people cannot be added up from smaller periods, so what is
kept is each period's result as counted, and it is thrown away when the data changes.

**What says the data changed.** The audit chain's head row (``audit_chain_head``: sequence
number and hash of the last event). Every service that changes data records an audit event
in its own transaction, and that advances the head row under its row lock - so the head
changes exactly when such a transaction commits, in commit order, on every process and
server that shares the database (gunicorn workers included). Reading it is one primary-key
look-up. We chose this over a summary kept current on each write (every service that
touches a figure would have to maintain it, and a distinct count cannot be maintained by
increments) and over a second counter row (it would be one more row every writer queues on,
and writes that forget to bump it would go unseen; the audit head cannot be forgotten - it is
the rule every service already follows).

- An entry remembers the head it was counted at. When the head has moved on, one indexed
  statement reads the events in between: if none of them can change a figure (a sign-in,
  a password, the issuer's settings: actions ``user.*`` and ``issuer.*``), the entry still
  holds and is moved on to the new head; otherwise it is counted again. The entry's own
  event must still have the hash it had (a restored backup or a re-created database has
  another history under the same numbers).
- Writes that record no audit event (bulk loads, the test fixtures, SQL typed by hand) are
  caught for new rows by the largest id of the tables behind the figures, read in the same
  statement; a change made behind the app's back to an existing row is not seen until the
  next audited write.

The entries live in the process (an LRU of ``REPORTS_CACHE_SIZE`` entries, 256 by default;
0 switches the cache off): each worker counts a period once per change of the register.
They hold plain numbers only (no labels, no language), keyed by who may see what (all, or
one trainer's seminars), the period, the breakdowns, the region opened and the day asked
(validity depends on it). The official's work queue above the figures keeps its list of
seminars awaiting certificates (ids and counts) the same way (``registry.home.services``):
finding them reads every registration and up to fifty rosters.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app
from sqlalchemy import exists, func, not_, or_, select

from registry.audit.models import AuditChainHead, AuditEvent
from registry.certificates.models import Certificate
from registry.extensions import db
from registry.people.models import Person
from registry.seminars.models import Attendance, Registration, Seminar

DEFAULT_SIZE = 256
# Audit actions that change no figure of the dashboard.
UNRELATED_ACTIONS = ("user.%", "issuer.%")
_FACT_TABLES = (Registration, Attendance, Certificate, Seminar, Person)


@dataclass(frozen=True)
class Version:
    """Where the register stands: the audit head and the newest row of each fact table."""

    seq: int
    hash: str
    newest: tuple


@dataclass
class _Entry:
    counts: dict
    version: Version


class FigureCache:
    """A thread-safe LRU of counts by key, each with the ``Version`` it was counted at."""

    def __init__(self, size: int = DEFAULT_SIZE):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()
        self.hits = self.misses = 0

    def get(self, key) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(key)
            if entry is not None:
                self._entries.move_to_end(key)
            return entry

    def put(self, key, counts: dict, version: Version) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = _Entry(counts, version)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def figure_cache() -> FigureCache:
    """This app's cache (made on first use with the configured size)."""
    cache = current_app.extensions.get("report_figures")
    if cache is None:
        cache = current_app.extensions.setdefault(
            "report_figures", FigureCache(current_app.config.get("REPORTS_CACHE_SIZE",
                                                                 DEFAULT_SIZE)))
    return cache


def current_version() -> Version:
    """The register's version, in one statement of primary-key look-ups."""
    head = select(AuditChainHead.seq, AuditChainHead.hash).where(AuditChainHead.id == 1)
    row = db.session.execute(select(
        head.with_only_columns(AuditChainHead.seq).scalar_subquery(),
        head.with_only_columns(AuditChainHead.hash).scalar_subquery(),
        *[select(func.max(model.id)).scalar_subquery() for model in _FACT_TABLES])).one()
    return Version(seq=row[0] or 0, hash=row[1] or "", newest=tuple(row[2:]))


def still_holds(counted: Version, now: Version) -> bool:
    """Whether counts made at ``counted`` are still the counts at ``now``."""
    if counted == now:
        return True
    if counted.newest != now.newest or now.seq < counted.seq:
        return False
    same_history = (counted.seq == 0 or db.session.scalar(
        select(AuditEvent.hash).where(AuditEvent.seq == counted.seq)) == counted.hash)
    if not same_history:
        return False
    relevant = exists().where(
        AuditEvent.seq > counted.seq, AuditEvent.seq <= now.seq,
        not_(or_(*[AuditEvent.action.like(pattern) for pattern in UNRELATED_ACTIONS])))
    return not db.session.scalar(select(relevant))


def kept_until_changed(key, count):
    """The counts for ``key``: kept ones while they hold (see the module docstring), else
    ``count()`` - run after the version is read, so what it sees is at least that version -
    kept for the next request. ``count`` returns plain data (numbers, ids), never records
    bound to a session."""
    cache = figure_cache()
    if cache.size <= 0:
        return count()
    now = current_version()
    entry = cache.get(key)
    if entry is not None and still_holds(entry.version, now):
        cache.hits += 1
        if entry.version != now:
            cache.put(key, entry.counts, now)
        return entry.counts
    cache.misses += 1
    counts = count()
    cache.put(key, counts, now)
    return counts
