"""Evidence: a trimmed transcript of what went over the wire during one test."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

MAX_LINES = 200
MAX_LINE = 400


@dataclass
class Evidence:
    lines: list[str] = field(default_factory=list)
    dropped: int = 0
    started: float = field(default_factory=time.monotonic)

    def add(self, direction: str, text: str) -> None:
        """direction: '>' sent by the harness, '<' received from the target, '#' a harness note."""
        if len(self.lines) >= MAX_LINES:
            self.dropped += 1
            return
        if len(text) > MAX_LINE:
            text = text[:MAX_LINE] + f"... ({len(text) - MAX_LINE} more characters)"
        elapsed = time.monotonic() - self.started
        self.lines.append(f"{elapsed:7.3f} {direction} {text}")

    def transcript(self) -> list[str]:
        if self.dropped:
            return self.lines + [f"... {self.dropped} more lines not kept"]
        return list(self.lines)
