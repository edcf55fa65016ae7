"""Memory a process holds alone, from /proc (Linux)."""

from __future__ import annotations

from pathlib import Path


def smaps_rollup(pid: int) -> dict[str, int]:
    """/proc/PID/smaps_rollup's fields, in bytes."""
    lines = Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]  # the first is the range
    fields = (line.split(":", 1) for line in lines)
    return {name: int(value.split()[0]) * 1024 for name, value in fields if value.strip().endswith("kB")}


def private_bytes(pid: int) -> int:
    """Pages only this process maps: not shared with the process it forked from or its siblings."""
    fields = smaps_rollup(pid)
    return fields["Private_Clean"] + fields["Private_Dirty"]
