"""Run an import analysis in a child process with CPU-time, memory and wall-clock limits (issue 12.5).

The Importer page is open to anonymous visitors: its preview must not starve the other sessions
of the (2-core, shared) server nor keep hundreds of Mo after it. So the page computes the preview
in a child process:

- a warm worker process (worker.py, a fresh interpreter started once: no copy of the Streamlit
  server's threads and locks, which a plain fork would copy in an unknown state) forks one child
  per preview, so a preview costs no imports;
- at a lower priority (``os.nice``), with ``RLIMIT_CPU`` (CPU seconds) and ``RLIMIT_AS`` (address
  space beyond what the child maps once its modules and input are loaded), and a wall-clock
  deadline after which the parent kills it;
- at most ``preview_parallel`` at a time in this server process (the others wait, then get a
  French message);
- its memory goes back to the operating system when it exits.

Whatever happens in the child (limit reached, crash, MemoryError), the caller gets either the
result or :class:`ImportFileError` with a French message: never a traceback. Input and result
travel pickled through the worker (the referential and the matcher: ≈ 3 Mo, tens of ms).
:func:`warm_up` starts a worker ahead of the first preview (the page calls it when it opens).
"""
from __future__ import annotations

import atexit
import os
import pickle
import select
import subprocess
import sys
import threading
import time
from typing import Any, Callable

from . import limits as _limits
from .errors import ImportFileError
from .limits import ImportLimits
from .worker import write_message

__all__ = ["run_limited", "analyze_isolated", "warm_up"]

_SLOTS_LOCK = threading.Lock()
_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _slots(n: int) -> threading.BoundedSemaphore:
    with _SLOTS_LOCK:
        if n not in _SLOTS:
            _SLOTS[n] = threading.BoundedSemaphore(n)
        return _SLOTS[n]


_MARGIN = 30.0  # seconds the worker may take beyond the child's deadline (start, transfer)
_POOL_LOCK = threading.Lock()
_IDLE: list["_Worker"] = []


class _Worker:
    """One warm worker process (worker.py) and its pipes; used by one thread at a time."""

    def __init__(self) -> None:
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [_ROOT] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])))
        self.proc = subprocess.Popen([sys.executable, "-m", "geo.importing.worker"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=_ROOT, env=env)
        self.ready = False
        self._buf = b""

    def alive(self) -> bool:
        return self.proc.poll() is None

    def _read(self, deadline: float) -> bytes:
        fd = self.proc.stdout.fileno()
        while True:
            if len(self._buf) >= 8:
                n = int.from_bytes(self._buf[:8], "big")
                if len(self._buf) >= 8 + n:
                    data, self._buf = self._buf[8:8 + n], self._buf[8 + n:]
                    return data
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError("worker")
            ready, _, _ = select.select([fd], [], [], left)
            if ready:
                chunk = os.read(fd, 1 << 20)
                if not chunk:
                    raise EOFError("worker")
                self._buf += chunk

    def request(self, message: bytes, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        if not self.ready:
            if self._read(deadline) != b"ready":
                raise EOFError("worker")
            self.ready = True
        write_message(self.proc.stdin, message)
        return self._read(deadline)

    def close(self) -> None:
        if self.alive():
            self.proc.kill()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            pass


def _take() -> _Worker:
    with _POOL_LOCK:
        while _IDLE:
            w = _IDLE.pop()
            if w.alive():
                return w
            w.close()
    return _Worker()


def _give(worker: _Worker) -> None:
    with _POOL_LOCK:
        _IDLE.append(worker)


def warm_up() -> None:
    """Start a worker now (it imports its modules in the background) if none is waiting."""
    with _POOL_LOCK:
        if any(w.alive() for w in _IDLE):
            return
    _give(_Worker())


@atexit.register
def _close_all() -> None:
    with _POOL_LOCK:
        while _IDLE:
            _IDLE.pop().close()


def _seconds(n: float) -> str:
    return f"{n:g} seconde" + ("s" if n >= 2 else "")


def _fail(kind: str, limits: ImportLimits, detail: str | None = None) -> ImportFileError:
    if kind == "memory":
        return ImportFileError(
            f"L'aperçu demande plus de {limits.preview_memory_mb} Mo de mémoire, la limite fixée pour protéger "
            "le serveur : découpez la liste (par exemple une par département) et importez-la en plusieurs fois.")
    if kind == "cpu":
        return ImportFileError(
            f"L'aperçu a dépassé {_seconds(limits.preview_cpu_seconds)} de calcul, la limite fixée pour protéger "
            "le serveur : découpez la liste et importez-la en plusieurs fois.")
    if kind == "timeout":
        return ImportFileError(
            f"L'aperçu n'a pas abouti en {_seconds(limits.preview_timeout_seconds)} (serveur chargé ou fichier "
            "trop lourd) : réessayez dans un moment, ou découpez la liste.")
    if kind == "busy":
        return ImportFileError("Trop d'aperçus sont en cours sur le serveur : réessayez dans un moment.")
    return ImportFileError("L'aperçu s'est arrêté sur une erreur inattendue"
                           + (f" ({detail})" if detail else "")
                           + " : rien n'a été écrit. Vérifiez le fichier, ou signalez-le avec le fichier.")


def run_limited(func: Callable, args: tuple = (), kwargs: dict | None = None, *,
                limits: ImportLimits | None = None) -> Any:
    """``func(*args, **kwargs)`` in a limited child process (module docstring); its result, or
    ImportFileError (French). ``func`` and its arguments must be picklable (module-level function)."""
    limits = limits or _limits.LIMITS
    slots = _slots(max(1, limits.preview_parallel))
    if not slots.acquire(timeout=limits.preview_timeout_seconds):
        raise _fail("busy", limits)
    try:
        payload = pickle.dumps((func, tuple(args), dict(kwargs or {}), limits.preview_cpu_seconds,
                                limits.preview_memory_mb * 1_000_000), protocol=pickle.HIGHEST_PROTOCOL)
        message = pickle.dumps((float(limits.preview_timeout_seconds), payload), protocol=pickle.HIGHEST_PROTOCOL)
        worker = _take()
        try:
            out = worker.request(message, limits.preview_timeout_seconds + _MARGIN)
        except TimeoutError:  # the worker itself hung: never reused
            worker.close()
            raise _fail("timeout", limits) from None
        except Exception:  # noqa: BLE001 - the worker died: never reused
            worker.close()
            raise _fail("crash", limits, "processus d'aperçu") from None
        _give(worker)
        try:
            kind, value = pickle.loads(out)
        except Exception:  # noqa: BLE001 - a cut answer: the child died while writing
            raise _fail("crash", limits, "réponse incomplète") from None
        if kind == "ok":
            return value
        if kind == "file_error":
            raise ImportFileError(value)
        raise _fail(kind, limits, value)
    finally:
        slots.release()


def analyze_isolated(*args: Any, limits: ImportLimits | None = None, **kwargs: Any):
    """geo.importing.analyze(*args, **kwargs) in a limited child process: its ImportResult, or
    ImportFileError (French) for an unusable file *or* a preview past its limits."""
    from . import analyze  # noqa: PLC0415 - the package imports this module's siblings only
    limits = limits or _limits.LIMITS
    return run_limited(analyze, args, dict(kwargs, limits=limits), limits=limits)

