"""Peak memory of a command's whole process tree, sampled from ``/proc``.

Why: ``getrusage(RUSAGE_CHILDREN).ru_maxrss`` is the peak of the *largest single* descendant, and
a forked worker's RSS counts pages it shares with its parent — so with worker processes it can
hide the sum (two workers with private tables) or double-count (shared copy-on-write pages).
The proportional set size (PSS) divides each shared page among the processes that map it, so
the sum of PSS over the tree is the memory the run really occupies. Sampled every
:data:`INTERVAL_S`; Linux only (elsewhere only the rusage figure is reported).
"""

from __future__ import annotations

import os
import resource
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

INTERVAL_S = 0.1


@dataclass(frozen=True)
class MemoryRun:
    """A finished command: its wall time, exit code, output and memory peaks."""

    seconds: float
    returncode: int
    stdout: str
    stderr: str
    tree_pss_gib: float | None
    """Peak of the summed PSS over the process and all its descendants (None where /proc lacks it)."""
    max_rss_gib: float
    """Peak RSS of the largest single descendant (``ru_maxrss``)."""
    cpu_seconds: float = 0.0
    """User + system CPU of the command and every descendant it waited for (``getrusage``): moves
    far less than wall time when the machine is shared."""


def _children(pid: int) -> list[int]:
    out: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            out += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
    return out


def _pss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
            if line.startswith("Pss:"):
                return int(line.split()[1])
    except (OSError, ValueError):
        return 0
    return 0


def tree_pss_kib(root: int) -> int:
    """Summed PSS (KiB) of ``root`` and every descendant alive now."""
    total, todo, seen = 0, [root], set()
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        total += _pss_kib(pid)
        todo += _children(pid)
    return total


def run_measured(cmd: list[str], env: dict[str, str] | None = None) -> MemoryRun:
    """Run ``cmd`` (with ``env`` as its environment when given), sampling its process tree's PSS
    until it exits."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    before, cpu_before = usage.ru_maxrss, usage.ru_utime + usage.ru_stime
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    peak = [0]
    supported = Path(f"/proc/{os.getpid()}/smaps_rollup").exists()
    done = threading.Event()

    def sample() -> None:
        while not done.wait(INTERVAL_S):
            peak[0] = max(peak[0], tree_pss_kib(proc.pid))

    watcher = threading.Thread(target=sample, daemon=True)
    if supported:
        watcher.start()
    stdout, stderr = proc.communicate()
    seconds = time.perf_counter() - started
    done.set()
    if supported:
        watcher.join()
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    max_rss = max(before, usage.ru_maxrss)
    return MemoryRun(
        seconds=seconds,
        returncode=proc.returncode,
        stdout=stdout,
        stderr=stderr,
        tree_pss_gib=peak[0] / 1024 / 1024 if supported else None,
        max_rss_gib=max_rss / 1024 / 1024,
        cpu_seconds=usage.ru_utime + usage.ru_stime - cpu_before,
    )
