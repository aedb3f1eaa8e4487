"""Evidence: a trimmed transcript of what went over the wire during one test."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

MAX_LINES = 200         # kept per test: the first lines, and the last TAIL_LINES, where a long test concludes
TAIL_LINES = 50
MAX_LINE = 400


@dataclass
class Evidence:
    lines: list[str] = field(default_factory=list)
    dropped: int = 0
    started: float = field(default_factory=time.monotonic)
    tail: deque = field(default_factory=lambda: deque(maxlen=TAIL_LINES))

    def add(self, direction: str, text: str) -> None:
        """direction: '>' sent by the harness, '<' received from the target, '#' a harness note."""
        if len(text) > MAX_LINE:
            text = text[:MAX_LINE] + f"... ({len(text) - MAX_LINE} more characters)"
        elapsed = time.monotonic() - self.started
        line = f"{elapsed:7.3f} {direction} {text}"
        if len(self.lines) < MAX_LINES - TAIL_LINES:
            self.lines.append(line)
            return
        if len(self.tail) == TAIL_LINES:
            self.dropped += 1           # the oldest tail line makes way
        self.tail.append(line)

    def transcript(self) -> list[str]:
        if self.dropped:
            return [*self.lines, f"... {self.dropped} lines in between not kept", *self.tail]
        return [*self.lines, *self.tail]
