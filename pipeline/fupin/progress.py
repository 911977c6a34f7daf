"""Progress of a tagging run: a bar on a terminal, log lines elsewhere.

On a terminal (stderr is a TTY) a tqdm bar shows documents, characters per
second and the ETA; when stderr is a file or a pipe (CI, nohup, cluster job
logs) the same figures go out as a plain ``logging`` line every
``interval`` seconds, so logs stay readable.
"""
from __future__ import annotations

import logging
import sys
import time
from typing import Optional

logger = logging.getLogger(__name__)


def _rate(n: float) -> str:
    return f"{n / 1000:.1f}k" if n >= 1000 else f"{n:.0f}"


def _duration(seconds: Optional[float]) -> str:
    if seconds is None:
        return "?"
    seconds = int(seconds)
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m:02d}:{s:02d}"


class Progress:
    """Report documents done, characters per second and the ETA.

    total (int | None): documents expected (None when unknown: no ETA).
    mode (str): "auto" (bar on a TTY, log lines otherwise), "bar", "log" or "off".
    interval (float): seconds between log lines in "log" mode.
    """

    def __init__(self, total: Optional[int] = None, mode: str = "auto", interval: float = 30.0,
                 initial: int = 0, desc: str = "tagging"):
        if mode == "auto":
            mode = "bar" if sys.stderr.isatty() else "log"
        self.mode = mode
        self.total = total
        self.interval = interval
        self.docs = initial
        self.skipped = initial
        self.failed = 0
        self.chars = 0
        self.start = time.monotonic()
        self._last_log = self.start
        self._bar = None
        if mode == "bar":
            from tqdm import tqdm

            self._bar = tqdm(total=total, initial=initial, desc=desc, unit="doc", dynamic_ncols=True,
                             file=sys.stderr, smoothing=0.1)

    @property
    def chars_per_second(self) -> float:
        elapsed = time.monotonic() - self.start
        return self.chars / elapsed if elapsed > 0 else 0.0

    def eta(self) -> Optional[float]:
        """Seconds left, from the document rate of this run (None when unknown)."""
        done = self.docs - self.skipped
        elapsed = time.monotonic() - self.start
        if not self.total or done <= 0 or elapsed <= 0:
            return None
        return max(0.0, (self.total - self.docs) * elapsed / done)

    def update(self, chars: int, failed: bool = False) -> None:
        """Count one document (tagged or failed) of ``chars`` characters."""
        self.docs += 1
        self.chars += chars
        if failed:
            self.failed += 1
        if self._bar is not None:
            self._bar.update(1)
            self._bar.set_postfix_str(f"{_rate(self.chars_per_second)} chars/s, {self.failed} failed", refresh=False)
        elif self.mode == "log":
            now = time.monotonic()
            if now - self._last_log >= self.interval:
                self._last_log = now
                logger.info("%s", self.line())

    def line(self) -> str:
        """The progress as one plain line."""
        total = f"/{self.total}" if self.total else ""
        pct = f" ({100 * self.docs / self.total:.0f}%)" if self.total else ""
        return (f"progress: {self.docs}{total} documents{pct}, {self.failed} failed, "
                f"{_rate(self.chars_per_second)} chars/s, elapsed {_duration(time.monotonic() - self.start)}, "
                f"ETA {_duration(self.eta())}")

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None
