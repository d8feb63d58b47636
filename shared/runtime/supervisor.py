"""`dvk up` keeps the platform running: a service, NATS or PostgreSQL that dies is started again,
with back-off, while everything else keeps serving.

Nothing is lost while a part is down: commands are committed with their outbox rows before they are
answered, the relays publish what waited once NATS is back, and durable consumers resume where their
acknowledgements stopped (DESIGN §8). Each restart is logged with its count; a part that dies again
at once waits longer each time (up to 30 s), and one that stayed up for a minute starts afresh.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from shared.runtime.up import Platform

BACKOFF_SECONDS = (0.5, 1.0, 2.0, 5.0, 10.0, 30.0)
STABLE_AFTER_SECONDS = 60.0


@dataclass
class Supervisor:
    platform: Platform
    say: Callable[[str], None] = print
    clock: Callable[[], float] = time.monotonic
    restarts: Counter[str] = field(default_factory=Counter)
    """Restarts per part since `dvk up` started: what the log lines count."""
    _failures: Counter[str] = field(default_factory=Counter, init=False)
    _down_since: dict[str, float] = field(default_factory=dict, init=False)
    _started_at: dict[str, float] = field(default_factory=dict, init=False)

    def check(self) -> None:
        """Start again every part found dead whose back-off has passed; infrastructure first."""
        platform = self.platform
        if platform.nats is not None and not platform.nats.running:
            self._restart("nats", platform.nats.start)
        if platform.postgres is not None and not platform.postgres.running:
            self._restart("postgresql", platform.postgres.start)
        for service, proc in list(platform.services.items()):
            if proc.poll() is not None:
                self._restart(service, partial(platform.start_service, service), exit_code=proc.returncode)

    def _restart(self, part: str, start: Callable[[], None], exit_code: int | None = None) -> None:
        now = self.clock()
        if part not in self._down_since:
            if now - self._started_at.get(part, now - STABLE_AFTER_SECONDS) >= STABLE_AFTER_SECONDS:
                self._failures[part] = 0
            self._down_since[part] = now
            code = f" (exit {exit_code})" if exit_code is not None else ""
            self.say(f"dvk up: {part} đã dừng{code}; khởi động lại — {part} died{code}; restarting in "
                     f"{self._delay(part):.1f} s")
        if now - self._down_since[part] < self._delay(part):
            return
        try:
            start()
        except (OSError, RuntimeError, TimeoutError) as exc:
            self._failures[part] += 1
            self._down_since[part] = self.clock()
            self.say(f"dvk up: {part} chưa khởi động được — could not restart {part}: {exc}")
            return
        del self._down_since[part]
        self._failures[part] += 1
        self.restarts[part] += 1
        self._started_at[part] = self.clock()
        self.say(f"dvk up: {part} đã khởi động lại — restarted {part} (restart {self.restarts[part]})")

    def _delay(self, part: str) -> float:
        return BACKOFF_SECONDS[min(self._failures[part], len(BACKOFF_SECONDS) - 1)]
