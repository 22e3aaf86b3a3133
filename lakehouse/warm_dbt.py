"""A warm dbt: one process that has imported dbt, the adapters and the Spark
Connect client, and forks a copy of itself for each dbt command.

Starting dbt costs about 2 s before it reads a file: Python imports dbt, the
adapter, pyspark's Connect client, pandas and pyarrow. In an analyst's loop
(`make dbt ARGS="build -s model+"`) that is a third of the wall time. `python
-m lakehouse up` starts this worker beside the engine; `python -m lakehouse
dbt` then hands it the command, its working directory, its environment and
its own stdin, stdout and stderr (passed over a Unix socket, so dbt writes to
the caller's terminal directly), and waits for the exit code. Each command
runs in a fresh fork of a process that has never run dbt, so nothing one
command does is seen by the next. Without a worker, or when the installed
packages changed since it started, `lakehouse dbt` starts dbt as usual.
"""

from __future__ import annotations

import atexit
import importlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import sysconfig
import time
import traceback
from pathlib import Path

from lakehouse.settings import Settings

# Imported before forking: everything a build imports (measured with
# sys.modules before and after one), so each command starts with them loaded.
WARM_MODULES = (
    "dbt.cli.main",
    "dbt.adapters.sail.impl",
    "dbt.adapters.spark.impl",
    "dbt.task.build",
    "dbt.task.docs.generate",
    "dbt.task.list",
    "pyspark.sql.connect.session",
    "agate",
    "sqlparse",
    "daff",
)
START_TIMEOUT_S = 60
_HEADER = struct.Struct("!I")
# AF_UNIX paths are limited to 108 bytes, the terminating NUL included
_MAX_SOCKET_PATH = 100


class WorkerError(RuntimeError):
    """The worker could not start; dbt still runs without it."""


def socket_path(settings: Settings) -> Path:
    return settings.run_dir / "dbt-worker.sock"


def _service(settings: Settings):
    """The worker as the engine's services are kept: a pid file and a log
    (it listens on a socket, not a port)."""
    from lakehouse.engine import Service

    return Service("dbt-worker", 0, settings.run_dir / "dbt-worker.pid", settings.logs / "dbt-worker.log")


def pid(settings: Settings) -> int | None:
    """The worker's pid, if it is alive."""
    return _service(settings).pid()


def _connect(path: Path) -> socket.socket | None:
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(path))
    except (FileNotFoundError, ConnectionRefusedError, OSError):
        sock.close()
        return None
    return sock


def running(settings: Settings) -> bool:
    sock = _connect(socket_path(settings)) if pid(settings) else None
    if sock is None:
        return False
    sock.close()  # the worker sees an empty request and forgets it
    return True


def start(settings: Settings) -> int:
    """Start the worker of this lake unless it runs; returns its pid."""
    if running(settings):
        return pid(settings)
    path = socket_path(settings)
    if len(str(path)) > _MAX_SOCKET_PATH:
        raise WorkerError(f"the lake's path is too long for a Unix socket ({path}); dbt runs cold")
    stop(settings)
    service = _service(settings)
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    settings.logs.mkdir(parents=True, exist_ok=True)
    with open(service.log_file, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "lakehouse.warm_dbt", str(path)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    service.pid_file.write_text(str(proc.pid))
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise WorkerError(f"the dbt worker exited with code {proc.returncode}; see {service.log_file}")
        if running(settings):
            return proc.pid
        time.sleep(0.1)
    stop(settings)
    raise WorkerError(f"the dbt worker did not listen within {START_TIMEOUT_S} s; see {service.log_file}")


def stop(settings: Settings) -> bool:
    """Stop the worker and any command it is running (its session, as the
    engine's services are stopped); True if it was running."""
    from lakehouse.engine import terminate

    stopped = terminate(_service(settings))
    socket_path(settings).unlink(missing_ok=True)
    return stopped


# --- the caller's side -------------------------------------------------------


def _recv_exact(sock: socket.socket, size: int) -> bytes | None:
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            return None
        data += chunk
    return data


def _standard_fds() -> list[int]:
    """The caller's stdin, stdout and stderr; /dev/null for any it lacks."""
    fds = []
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
            fds.append(fd)
        except OSError:
            fds.append(os.open(os.devnull, os.O_RDWR))
    return fds


def run(settings: Settings, args: list[str], env: dict[str, str], cwd: Path) -> int | None:
    """Run `dbt <args>` in the worker, on this process's stdin, stdout and
    stderr; returns dbt's exit code, or None when no worker took the command
    (none running, or it found itself out of date), so the caller runs dbt
    itself."""
    if pid(settings) is None:
        return None
    sock = _connect(socket_path(settings))
    if sock is None:
        return None
    with sock:
        payload = json.dumps({"args": args, "cwd": str(cwd), "env": env}).encode()
        message = _HEADER.pack(len(payload)) + payload
        try:
            sent = socket.send_fds(sock, [message], _standard_fds())
            sock.sendall(message[sent:])
            child = _recv_exact(sock, _HEADER.size)
        except ConnectionError:
            child = None
        if child is None:
            return None  # refused before starting dbt: out of date
        child_pid = _HEADER.unpack(child)[0]
        while True:
            try:
                status = _recv_exact(sock, _HEADER.size)
                break
            except ConnectionError:
                status = None
                break
            except KeyboardInterrupt:
                # Ctrl-C reaches this process, not the fork: pass it on, as a
                # terminal would to a dbt run in the foreground
                try:
                    os.kill(child_pid, signal.SIGINT)
                except ProcessLookupError:
                    pass
    if status is None:
        print("error: the dbt worker's process ended without an exit code", file=sys.stderr)
        return 2
    return _HEADER.unpack(status)[0]


# --- the worker's side -------------------------------------------------------


def _packages_stamp() -> int:
    """Changes when packages are installed or removed (pip rewrites the
    site-packages folder), so a worker never runs code older than the disk's."""
    return os.stat(sysconfig.get_paths()["purelib"]).st_mtime_ns


def _reopen_standard_streams() -> None:
    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        mode = "r" if fd == 0 else "w"
        stream = open(fd, mode, encoding="utf-8", errors="replace", closefd=False, buffering=-1)
        if fd and os.isatty(fd):
            stream.reconfigure(line_buffering=True)
        setattr(sys, name, stream)


def _run_dbt(args: list[str]) -> int:
    from dbt.cli.main import cli

    sys.argv = ["dbt", *args]
    try:
        cli.main(args=args, prog_name="dbt", standalone_mode=True)
    except SystemExit as done:
        return done.code if isinstance(done.code, int) else (0 if done.code is None else 1)
    except KeyboardInterrupt:
        return 130
    return 0


def _serve_one(conn: socket.socket) -> None:
    """In a fresh fork: take over the caller's streams, directory and
    environment, run dbt, send its exit code."""
    for sig in (signal.SIGCHLD, signal.SIGTERM):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    head, fds, _, _ = socket.recv_fds(conn, 65536, 3)
    if len(head) < _HEADER.size or len(fds) != 3:
        return  # a liveness probe, or not a caller of ours
    size = _HEADER.unpack(head[: _HEADER.size])[0]
    body = head[_HEADER.size :] + (_recv_exact(conn, size - len(head) + _HEADER.size) or b"")
    request = json.loads(body)
    # still on the worker's log: which fork ran which command
    print(f"{os.getpid()}: dbt {' '.join(request['args'])}", flush=True)
    for target, fd in zip((0, 1, 2), fds):
        os.dup2(fd, target)
        os.close(fd)
    _reopen_standard_streams()
    os.chdir(request["cwd"])
    os.environ.clear()
    os.environ.update(request["env"])
    conn.sendall(_HEADER.pack(os.getpid()))
    try:
        code = _run_dbt(request["args"])
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # what interpreter exit would do: multiprocessing's finalizers unlink
        # the semaphores dbt created
        atexit._run_exitfuncs()
    conn.sendall(_HEADER.pack(code & 0xFF))


def _same_user(conn: socket.socket) -> bool:
    creds = conn.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    return struct.unpack("3i", creds)[1] == os.getuid()


def serve(path: Path) -> None:
    """The worker's main loop: import once, then one fork per command."""
    started = time.monotonic()
    for name in WARM_MODULES:
        try:
            importlib.import_module(name)
        except ImportError as err:
            print(f"not warmed: {name} ({err})", flush=True)
    stamp = _packages_stamp()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # forks reap themselves
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    path.unlink(missing_ok=True)
    old_mask = os.umask(0o177)  # the socket is the user's alone
    try:
        server.bind(str(path))
    finally:
        os.umask(old_mask)
    server.listen(16)
    print(f"dbt worker {os.getpid()} ready in {time.monotonic() - started:.1f} s on {path}", flush=True)
    try:
        while True:
            conn, _ = server.accept()
            if not _same_user(conn):
                conn.close()
                continue
            if _packages_stamp() != stamp:
                print("installed packages changed: exiting, `lakehouse up` starts a new worker", flush=True)
                conn.close()
                return
            if os.fork() == 0:
                server.close()
                try:
                    _serve_one(conn)
                except BaseException:  # noqa: BLE001 - a fork must never return into this loop
                    traceback.print_exc()
                finally:
                    os._exit(0)
            conn.close()
    finally:
        server.close()
        path.unlink(missing_ok=True)


if __name__ == "__main__":
    serve(Path(sys.argv[1]))
