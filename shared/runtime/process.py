"""A server the platform starts as its own child process, and how it is stopped or crashed."""

from __future__ import annotations

import os
import signal
import subprocess


class ChildServer:
    """Holds the child process; subclasses say how to start it and which signal shuts it down well."""

    stop_signal: signal.Signals = signal.SIGTERM
    _proc: subprocess.Popen[bytes] | None = None

    def stop(self, timeout: float = 20.0) -> None:
        """A clean shutdown: committed data is on disk before the process exits."""
        if self._proc is None or self._proc.poll() is not None:
            return
        self._proc.send_signal(self.stop_signal)
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.wait()

    def kill(self) -> None:
        """Crash it (SIGKILL to its whole process group), as a power cut would; for fault tests."""
        if self._proc is not None and self._proc.poll() is None:
            os.killpg(self._proc.pid, signal.SIGKILL)
            self._proc.wait()

    @property
    def pid(self) -> int | None:
        """The child's process id while it runs (the benchmarks read its CPU and memory from /proc)."""
        return self._proc.pid if self.running and self._proc is not None else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None
