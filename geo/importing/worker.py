"""The preview worker: a warm process that runs each request in a forked, limited child.

``python -m geo.importing.worker`` is started by sandbox.py (never by hand). It imports
geo.importing once (≈ 1 s of pandas/shapely imports a fresh process would pay per preview), then,
for each request read on stdin, forks a child: the worker is single-threaded, so the fork is safe
(forking the multi-threaded Streamlit server is not). The child lowers its priority, sets
``RLIMIT_CPU`` and ``RLIMIT_AS``, runs the function and writes its pickled answer to a pipe; the
worker waits for it until the deadline (then kills it), and relays the answer, or says why there
is none (CPU limit, memory, crash, time), on stdout. The child's memory goes back to the system when
it exits; the worker itself only holds its modules.

Messages are length-prefixed pickles (8-byte big-endian length), both ways.
"""
from __future__ import annotations

import importlib
import os
import pickle
import select
import signal
import struct
import sys
import time

__all__ = ["read_message", "write_message", "main"]

_LEN = struct.Struct("!Q")
#: What a child needs to unpickle its input (referential = GeoDataFrame, matcher, registry models)
#: and to read any format: imported by the worker once, inherited by every forked child.
_WARM = ("geo.importing", "geo.importing.analysis", "geo.importing.facts_analysis", "geo.matching", "geo.registry", "geopandas", "pyproj",
         "openpyxl", "charset_normalizer", "rapidfuzz", "shapely.geometry")


def write_message(f, data: bytes) -> None:
    f.write(_LEN.pack(len(data)) + data)
    f.flush()


def read_message(f) -> bytes | None:
    """One message from a blocking binary stream, or None at end of stream."""
    head = f.read(_LEN.size)
    if len(head) < _LEN.size:
        return None
    (n,) = _LEN.unpack(head)
    data = f.read(n)
    return data if len(data) == n else None


def _virtual_size() -> int:
    """Current address-space size of this process, in bytes (/proc/self/statm, first field)."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def _child(payload: bytes, fd: int) -> None:
    """In the forked child: limits, then the function; its answer pickled to ``fd``."""
    import resource  # noqa: PLC0415 - POSIX only

    from .errors import ImportFileError  # noqa: PLC0415

    func, args, kwargs, cpu_seconds, memory_bytes = pickle.loads(payload)
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
    except Exception as e:  # noqa: BLE001 - any failure becomes a French message in the server
        answer = ("crash", type(e).__name__)
    try:
        data = pickle.dumps(answer, protocol=pickle.HIGHEST_PROTOCOL)
    except MemoryError:
        data = pickle.dumps(("memory", None))
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def serve_one(payload: bytes, timeout: float) -> bytes:
    """Fork a child for one request; its pickled answer, or a pickled (reason, detail)."""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # child
        code = 0
        try:
            os.close(r)
            _child(payload, w)
        except BaseException:  # noqa: BLE001 - nothing may escape a forked child
            code = 1
        finally:
            os._exit(code)
    os.close(w)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    killed = False
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                os.kill(pid, signal.SIGKILL)
                killed = True
                break
            ready, _, _ = select.select([r], [], [], left)
            if ready:
                chunk = os.read(r, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(r)
        _, status = os.waitpid(pid, 0)
    if killed:
        return pickle.dumps(("timeout", None))
    data = b"".join(chunks)
    if data and os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0:
        return data
    if os.WIFSIGNALED(status):
        sig = os.WTERMSIG(status)
        kind = "cpu" if sig in (signal.SIGXCPU, signal.SIGKILL) else "memory" if sig == signal.SIGSEGV else "crash"
        return pickle.dumps((kind, f"signal {sig}"))
    return pickle.dumps(("crash", f"code {os.WEXITSTATUS(status) if os.WIFEXITED(status) else '?'}"))


def main() -> None:
    inp, out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # nothing but messages on the real stdout
    for name in _WARM:  # imported once here, not once per child
        try:
            importlib.import_module(name)
        except ImportError:
            pass
    write_message(out, b"ready")
    while True:
        msg = read_message(inp)
        if msg is None:
            return
        timeout, payload = pickle.loads(msg)
        write_message(out, serve_one(payload, timeout))


if __name__ == "__main__":
    main()
