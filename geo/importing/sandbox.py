"""Run an import analysis in a child process with CPU-time, memory and wall-clock limits (issue 12.5).

The Importer page is open to anonymous visitors: its preview must not starve the other sessions
of the (2-core, shared) server nor keep hundreds of Mo after it. So the page computes the preview
in a child process:

- a fresh interpreter (``python -m geo.importing.sandbox``): no copy of the Streamlit server's
  threads and locks (a plain fork would), no re-run of the server's main script (multiprocessing's
  spawn/forkserver do that);
- at a lower priority (``os.nice``), with ``RLIMIT_CPU`` (CPU seconds) and ``RLIMIT_AS`` (address
  space beyond what the child maps once its modules and input are loaded), and a wall-clock
  deadline after which the parent kills it;
- at most ``preview_parallel`` at a time in this server process (the others wait, then get a
  French message);
- its memory goes back to the operating system when it exits.

Whatever happens in the child (limit reached, crash, MemoryError), the caller gets either the
result or :class:`ImportFileError` with a French message: never a traceback. Input and result
travel pickled over the child's stdin/stdout (the referential and the matcher: ≈ 3 Mo, tens of ms);
the cost is the child's start (≈ 1 s of imports).
"""
from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
from typing import Any, Callable

from . import limits as _limits
from .errors import ImportFileError
from .limits import ImportLimits

__all__ = ["run_limited", "analyze_isolated"]

_SLOTS_LOCK = threading.Lock()
_SLOTS: dict[int, threading.BoundedSemaphore] = {}
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _slots(n: int) -> threading.BoundedSemaphore:
    with _SLOTS_LOCK:
        if n not in _SLOTS:
            _SLOTS[n] = threading.BoundedSemaphore(n)
        return _SLOTS[n]


def _virtual_size() -> int:
    """Current address-space size of this process, in bytes (/proc/self/statm, first field)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _child_main() -> None:
    """Child side: read (func, args, kwargs, cpu, memory) from stdin, limit itself, run, answer on stdout."""
    import resource  # noqa: PLC0415 - POSIX only, child side

    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but the answer on stdout
    func, args, kwargs, cpu_seconds, memory_bytes = pickle.load(sys.stdin.buffer)
    try:
        os.nice(10)
    except OSError:
        pass
    try:
        used = int(sum(resource.getrusage(resource.RUSAGE_SELF)[:2]))
        resource.setrlimit(resource.RLIMIT_CPU, (used + cpu_seconds, used + cpu_seconds + 5))
        cap = _virtual_size() + memory_bytes
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    except (ValueError, OSError):
        pass  # a hard limit lower than ours: keep it
    try:
        answer = ("ok", func(*args, **kwargs))
    except ImportFileError as e:
        answer = ("file_error", str(e))
    except MemoryError:
        answer = ("memory", None)
    except Exception as e:  # noqa: BLE001 - any failure becomes a French message in the parent
        answer = ("crash", type(e).__name__)
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    out.write(data)
    out.flush()


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
        env = dict(os.environ, PYTHONPATH=os.pathsep.join(
            [_ROOT] + ([os.environ["PYTHONPATH"]] if os.environ.get("PYTHONPATH") else [])))
        proc = subprocess.Popen([sys.executable, "-m", "geo.importing.sandbox"], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=_ROOT, env=env)
        try:
            out, _ = proc.communicate(payload, timeout=limits.preview_timeout_seconds)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.communicate()
            raise _fail("timeout", limits) from None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
        code = proc.returncode
        if code < 0 and -code in (signal.SIGXCPU, signal.SIGKILL):
            raise _fail("cpu", limits)
        try:
            kind, value = pickle.loads(out)
        except Exception:  # noqa: BLE001 - empty or cut answer: the child died
            raise _fail("memory" if code < 0 and -code == signal.SIGSEGV else "crash", limits,
                        f"code {code}") from None
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


if __name__ == "__main__":
    _child_main()
