"""What the schemathesis run sent and got back, for the closing line of a test session."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field


@dataclass
class FuzzSummary:
    operations: set[str] = field(default_factory=set)
    modes: Counter[str] = field(default_factory=Counter)
    statuses: Counter[int] = field(default_factory=Counter)

    def record(self, *, operation: str, mode: str, status: int) -> None:
        self.operations.add(operation)
        self.modes[mode] += 1
        self.statuses[status] += 1

    def line(self, *, failed_operations: int) -> str:
        requests = sum(self.modes.values())
        modes = ", ".join(f"{count} {mode}" for mode, count in sorted(self.modes.items()))
        statuses = ", ".join(f"{code}: {count}" for code, count in sorted(self.statuses.items()))
        return (
            f"schemathesis (every check, mode all): {len(self.operations)} operations, "
            f"{requests} generated cases ({modes}), answers by status {{{statuses}}}, "
            f"{failed_operations} failing operations"
        )


FUZZ_SUMMARY = FuzzSummary()
