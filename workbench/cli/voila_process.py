"""Run Voila as a child of `workbench serve` that never outlives it, and stop it cleanly.

- Voila starts in a session of its own, so a terminal's Ctrl+C reaches `workbench serve`
  alone, which then stops Voila in order rather than both racing.
- Linux's parent-death signal (``prctl(PR_SET_PDEATHSIG)``) sends Voila SIGTERM if
  `workbench serve` dies, even by SIGKILL; Voila then shuts its kernels down. A kernel whose
  Voila died anyway stops within a second by itself (ipykernel polls its parent,
  ``JPY_PARENT_PID``).
- SIGTERM or SIGINT to `workbench serve` sends SIGTERM to Voila, which shuts its kernels down;
  whatever is still running after :data:`STOP_GRACE_S` seconds is killed. Then it exits 0.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import signal
import subprocess
import threading
from collections.abc import Mapping, Sequence

import psutil

#: Seconds Voila and its kernels get to stop after SIGTERM before they are killed.
STOP_GRACE_S = 8.0
#: ``PR_SET_PDEATHSIG`` from <linux/prctl.h>.
PR_SET_PDEATHSIG = 1


def die_with_parent(parent_pid: int) -> None:
    """In a freshly forked child: ask Linux for SIGTERM when the parent dies.

    Runs between fork and exec (``preexec_fn``). If the parent died before the request was
    made, the child exits at once rather than run orphaned.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent_pid:
        os._exit(1)


def start_voila(command: Sequence[str], env: Mapping[str, str]) -> subprocess.Popen[bytes]:
    """Start Voila in its own session, bound to die with this process."""
    parent = os.getpid()
    return subprocess.Popen(
        list(command),
        env=dict(env),
        start_new_session=True,
        preexec_fn=lambda: die_with_parent(parent),  # serve is single-threaded when it forks Voila
    )


def stop_voila(process: subprocess.Popen[bytes], grace: float = STOP_GRACE_S) -> list[int]:
    """Stop Voila and every kernel it started; return the pids that had to be killed.

    SIGTERM first (Voila shuts its kernels down), SIGKILL for anything left after ``grace``.
    """
    try:
        family = psutil.Process(process.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    killed = []
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        killed.append(process.pid)
        process.wait()
    # Kernels run in sessions of their own (jupyter_client), so the process group is not enough.
    _, alive = psutil.wait_procs(family, timeout=2.0)
    for kernel in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            kernel.kill()
            killed.append(kernel.pid)
    psutil.wait_procs(alive, timeout=2.0)
    return killed


def run_until_stopped(process: subprocess.Popen[bytes], grace: float = STOP_GRACE_S) -> int | None:
    """Wait for Voila to exit or for SIGTERM/SIGINT/SIGHUP; then stop it and its kernels.

    Returns None when a signal stopped the service (a clean stop), else Voila's exit code.
    """
    stop = threading.Event()

    def request_stop(signum: int, _frame: object) -> None:
        stop.set()

    previous = {
        sig: signal.signal(sig, request_stop) for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)
    }
    try:
        while process.poll() is None and not stop.wait(0.2):
            pass
        stopped_by_signal = stop.is_set()
        stop_voila(process, grace)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    return None if stopped_by_signal else process.returncode
