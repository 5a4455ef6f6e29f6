r"""The grading sandbox: a student's worker runs under bubblewrap, as an unprivileged uid, with resource limits.

``command(argv, scratch, limits, readonly=..., hide=..., env=...)`` returns the argv that runs ``argv``
inside the sandbox; start it with ``subprocess.Popen(..., start_new_session=True)`` and stop it with
``kill(proc)``. ``available()`` says why there is no sandbox on this machine (None when there is one),
``require()`` turns that into an error under ``BPCOURSE_REQUIRE_SANDBOX=1``, and ``description()`` is the
one line for the notes. This module imports nothing from bpcourse, so it can be loaded on its own.

What the sandboxed process sees
-------------------------------
* A fresh root (a tmpfs) holding only: ``/usr`` and the ``/bin``, ``/sbin``, ``/lib*`` entries (symlinks
  on a merged-/usr system, read-only binds otherwise); the few ``/etc`` files Python, the dynamic loader
  and TLS need (``ld.so.cache``, ``passwd``/``group``, ``nsswitch.conf``, ``localtime``, ``ssl``,
  ``alternatives``, fonts); ``sys.prefix``, ``sys.base_prefix`` and every ``readonly`` path, read-only,
  at their own paths. Nothing else of the host: no ``/root``, ``/home``, ``/work`` or host ``/tmp``.
  Each ``hide`` path (a folder inside a readonly path, such as a project's ``solutions/``) is covered by
  an empty read-only tmpfs; a hidden file is covered by ``/dev/null``.
* ``scratch``, read-write, **at the same path as outside** (so paths the grader puts in the environment,
  HOME for instance, mean the same inside), and the working directory (``--chdir``). The only other
  writable places are a private ``/tmp`` (tmpfs, ``Limits.tmp_size`` bytes) and ``/dev/shm`` (same size).
  ``/dev`` is bwrap's minimal one and ``/proc`` belongs to the sandbox's own pid namespace.
  The folders on the way to a mount point (``/etc``, ``/root``, ``/root/.pyenv``, ...) are created
  with ``--perms 0755 --dir``: bwrap 0.8 would create them 0700, owned by the user running bwrap, so
  with a root grader uid 65534 could not pass them (measured: ``drwx------ root /etc`` inside, and
  ``cat /etc/passwd: Permission denied``).
* New ipc, pid, network, uts (hostname ``sandbox``) and cgroup namespaces: the network has a loopback
  interface only; host processes are invisible (pid 1 is bwrap's reaper, the worker is pid 2).
* An environment cleared (``--clearenv``) and rebuilt from ``default_env()`` (HOME=scratch, PATH,
  LANG=C.UTF-8, one BLAS/OpenMP thread) updated with ``env``.
* ``prlimit`` limits, hard and soft: address space (``--as``), CPU seconds, processes (``--nproc``),
  file size (``--fsize``; Python ignores SIGXFSZ, so a write past it fails with EFBIG), open files, and
  no core files. 2 GiB of address space is enough for ``import numpy, matplotlib, IPython`` with
  OPENBLAS_NUM_THREADS=1 (tested).

Which uid, measured on Debian 12, bubblewrap 0.8.0, kernel 6.18, grader running as root
------------------------------------------------------------------------------------------------
1. ``bwrap --unshare-user --uid 65534 --gid 65534`` run by root: inside, ``os.getuid()`` is 65534 and
   ``/proc/self/uid_map`` is ``65534 0 1``; outside, ``/proc/<pid>/status`` of the worker shows
   ``Uid: 0 0 0 0`` (with ``CapEff: 0``) and a file it creates in scratch is owned by 0:0. Kernel uid 0
   is exempt from RLIMIT_NPROC: with ``prlimit --nproc=20`` (before or inside bwrap) 60 forks succeeded.
2. ``setpriv --reuid 65534 ... bwrap ...``: really uid 65534 outside, but bwrap then resolves the bind
   sources as uid 65534 too, and fails on a Python installed under ``/root`` (mode 0700):
   ``bwrap: Can't find source path /root/.pyenv/versions/3.11.7: Permission denied``. Passing an open
   directory with ``--ro-bind-fd`` fails the same way (``/proc/self/fd/3: Permission denied``).
3. Chosen when the grader is root: bwrap runs as root *without* a user namespace (the namespaces are
   listed one by one, since ``--unshare-all`` would add one), keeps only CAP_SETUID, CAP_SETGID and
   CAP_SETPCAP (``--cap-drop ALL --cap-add ...``), sets up the mounts with root's access, and runs
   ``setpriv --reuid 65534 --regid 65534 --clear-groups --inh-caps=-all --bounding-set=-all
   --no-new-privs``, which then execs ``prlimit ... -- argv``. Measured: inside, uid/gid 65534 (real,
   effective and saved), no groups, CapInh/CapPrm/CapEff/CapBnd/CapAmb all 0, NoNewPrivs 1; outside,
   ``/proc/<pid>/status`` of the worker says ``Uid: 65534 65534 65534 65534`` and its files in scratch
   are owned by 65534:65534; ``--nproc`` is enforced. The two bwrap processes (monitor and pid-1
   reaper) stay uid 0 outside but with ``CapEff: 0``, and uid 65534 cannot signal or trace them.
   Consequences: ``scratch`` must belong to 65534 (``prepare_scratch()`` chowns it, mode 0711: bwrap's
   ``--chdir`` runs as root without CAP_DAC_OVERRIDE and needs the x bit), files in the readonly paths
   must be readable by "other" (``unreadable()`` lists those that are not), and RLIMIT_NPROC counts
   every process and thread of uid 65534 on the machine, so sandboxes running at the same time share
   ``Limits.processes``. With no user namespace of its own, the worker may still create one, as any
   unprivileged user may (``unshare -U -r id`` works inside); this mode does not need user namespaces,
   so ``sysctl user.max_user_namespaces=0`` on a grading machine closes that without breaking it.
4. When the grader is not root, bwrap runs as that user with ``--unshare-all`` (which includes a user
   namespace), ``--uid 65534 --gid 65534``, ``--disable-userns`` and ``--cap-drop ALL``. Measured by
   loading this module as uid 65534 (``setpriv --reuid 65534``, Debian's python3): inside uid 65534,
   CapEff 0, only ``lo``; outside the worker is the grader's own uid; ``--nproc=10`` stopped a fork loop
   after 8 children (RLIMIT_NPROC is counted in the sandbox's user namespace, bwrap's reaper included);
   ``unshare -U`` fails inside.

``kill()`` SIGKILLs bwrap and the pid namespace's init; the kernel then kills everything in the
namespace. Measured: a grandchild that forked twice and called setsid(), appending to a file in scratch
every 50 ms, stops at once, and ``kill()`` returns well within a second.

cgroups are not used: here the memory controller is not delegated to us (cgroup v1), and the limits
above are enough for grading. There is no seccomp filter either.

Without bubblewrap (``available()`` gives the reason), ``command()`` still returns a usable argv:
``env -i`` with the same environment, then ``prlimit`` with the limits except ``--nproc`` (which would
count all of the grader's processes), then ``argv``: grading works, unsandboxed, and the caller says so.
The caller should pass ``cwd=scratch`` to Popen in that case (harmless with the sandbox).
"""

from __future__ import annotations

import functools
import os
import re
import select
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

SANDBOX_UID = 65534  # "nobody" on Debian and most other systems
SANDBOX_GID = 65534
REQUIRE_VARIABLE = "BPCOURSE_REQUIRE_SANDBOX"
INSTALL_HINT = "apt-get install -y bubblewrap"

_ROOT_LINKS = ("bin", "sbin", "lib", "lib32", "lib64", "libx32")
_ETC = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "passwd",
    "group",
    "nsswitch.conf",
    "localtime",
    "ssl",
    "ca-certificates",
    "alternatives",
    "fonts",
    "mime.types",
)
_UNITS = {"": 1, "K": 2**10, "M": 2**20, "G": 2**30, "T": 2**40}
_SIZE = re.compile(r"(\d+(?:\.\d*)?|\.\d+)\s*([KMGT]?)(?:I?B)?", re.IGNORECASE)


@dataclass
class Limits:
    """Resource limits of one sandboxed worker (all hard limits, applied with prlimit)."""

    memory: int = 2 * 2**30  # bytes of address space (RLIMIT_AS)
    cpu_seconds: int = 600  # CPU time of each process (RLIMIT_CPU)
    processes: int = 64  # processes and threads of the sandbox uid (RLIMIT_NPROC)
    file_size: int = 64 * 2**20  # bytes, largest file the worker may write (RLIMIT_FSIZE)
    open_files: int = 256  # file descriptors per process (RLIMIT_NOFILE)
    tmp_size: int = 64 * 2**20  # bytes, size of the private /tmp and of /dev/shm (tmpfs, held in memory)
    # The worker's uid (and gid). RLIMIT_NPROC counts per uid, so sandboxes that run at the same time get
    # different uids (``uid_for``): one submission's fork loop cannot use up another's process budget.
    uid: int = SANDBOX_UID
    # None: scratch is the host folder, bound read-write (its files stay visible outside). A size: scratch is
    # a private tmpfs of that many bytes at the same path, so all the files of a notebook together cannot
    # fill the grader's disk (RLIMIT_FSIZE bounds one file only); the host folder stays an empty mount point.
    scratch_size: int | None = None


def uid_for(slot: int) -> int:
    """A uid of its own for the sandboxes of grading process ``slot`` (e.g. its pid), when the grader is root;
    without root the sandbox can only map the caller's uid, so it is SANDBOX_UID inside."""
    return 100000 + slot % 1000000 if _as_root() else SANDBOX_UID


def parse_size(text: str | int) -> int:
    """Bytes from ``"512M"``, ``"2G"``, ``"1.5G"``, ``"2GiB"`` or ``"1048576"`` (binary units)."""
    if isinstance(text, int) and not isinstance(text, bool):
        if text < 0:
            raise ValueError(f"expected a size such as 2G or 512M, got {text!r}")
        return text
    match = _SIZE.fullmatch(str(text).strip())
    if match is None:
        raise ValueError(f"expected a size such as 2G or 512M, got {text!r}")
    number, unit = match.groups()
    value = float(number) * _UNITS[unit.upper()]
    if value != int(value):
        raise ValueError(f"expected a whole number of bytes such as 2G or 512M, got {text!r}")
    return int(value)


def format_size(size: int) -> str:
    """``2G`` for 2 GiB, ``1536M`` for 1.5 GiB, bytes when there is no whole unit."""
    for unit in ("T", "G", "M", "K"):
        if size >= _UNITS[unit] and size % _UNITS[unit] == 0:
            return f"{size // _UNITS[unit]}{unit}"
    return str(size)


# ---- is there a sandbox here? ------------------------------------------------------------------------------


def _as_root() -> bool:
    return os.geteuid() == 0


@functools.cache
def available() -> str | None:
    """None when a working sandbox can be made here, else a one-line reason (probed once, then cached)."""
    if not sys.platform.startswith("linux"):
        return f"not Linux ({sys.platform}): the sandbox needs Linux namespaces"
    if shutil.which("bwrap") is None:
        return "bubblewrap (bwrap) is not on PATH"
    for tool in ("prlimit",) + (("setpriv",) if _as_root() else ()):
        if shutil.which(tool) is None:
            return f"{tool} (util-linux) is not on PATH"
    scratch = Path(tempfile.mkdtemp(prefix="bpcourse-sandbox-probe-"))
    try:
        prepare_scratch(scratch)
        argv = _sandboxed([shutil.which("true") or "/bin/true"], scratch, Limits(), (), (), None)
        try:
            done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=30)
        except (OSError, subprocess.TimeoutExpired) as exc:
            return f"bwrap could not be run: {exc}"
        if done.returncode != 0:
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            why = lines[-1].strip() if lines else f"exit status {done.returncode}"
            return f"bwrap is installed but cannot create a sandbox here ({why})"
        return None
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def require() -> None:
    """Under ``BPCOURSE_REQUIRE_SANDBOX=1``, stop (SystemExit) when there is no sandbox here."""
    if os.environ.get(REQUIRE_VARIABLE) != "1":
        return
    reason = available()
    if reason is not None:
        raise SystemExit(
            f"bpcourse grade: {REQUIRE_VARIABLE}=1, but there is no grading sandbox on this machine: {reason}. "
            f"Install bubblewrap (Debian/Ubuntu: {INSTALL_HINT}), or unset {REQUIRE_VARIABLE} to grade unsandboxed."
        )


@functools.cache
def _bwrap_version() -> str:
    try:
        out = subprocess.run(["bwrap", "--version"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.TimeoutExpired):
        return "bubblewrap"
    return out.strip() or "bubblewrap"


def description(limits: Limits | None = None) -> str:
    """One line for the notes and the terminal, e.g. ``sandboxed (bubblewrap 0.8.0; uid 65534; ...)``."""
    limits = limits or Limits()
    reason = available()
    if reason is not None:
        return f"not sandboxed ({reason})"
    outside = f"uid {limits.uid} inside and out" if _as_root() else f"uid {SANDBOX_UID} inside, {os.getuid()} outside"
    return f"sandboxed ({_bwrap_version()}; {outside}; no network; {format_size(limits.memory)} memory)"


# ---- preparing the paths --------------------------------------------------------------------------------------


def prepare_scratch(path: Path, uid: int = SANDBOX_UID) -> Path:
    """Create ``path`` (if needed) as the worker's writable folder; as root, give it to ``uid`` (65534).

    Mode 0711: bwrap's ``--chdir`` runs as root without CAP_DAC_OVERRIDE, so it needs the x bit for "other";
    nobody else can list the folder.
    """
    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    if _as_root():
        os.chown(path, uid, uid)
        path.chmod(0o711)
    return path


def unreadable(paths: Iterable[Path]) -> list[Path]:
    """The paths that uid 65534 could not read inside the sandbox (when the grader is root): no o+r (o+x).

    Only each path itself is checked, not everything under it; the folders above it do not matter,
    since bwrap reaches them as root and creates them 0755 inside.
    """
    bad = []
    for path in paths:
        try:
            mode = Path(path).stat().st_mode
        except OSError:
            continue
        need = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)
        if mode & need != need:
            bad.append(Path(path))
    return bad


def default_env(scratch: Path) -> dict[str, str]:
    """The environment inside before ``env`` is applied."""
    bindir = Path(sys.prefix) / "bin"
    return {
        "HOME": str(scratch),
        "PATH": f"{bindir}:/usr/local/bin:/usr/bin:/bin",
        "LANG": "C.UTF-8",
        "TMPDIR": "/tmp",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


# ---- the command ------------------------------------------------------------------------------------------------


def command(
    argv: Sequence[str],
    scratch: Path,
    limits: Limits,
    readonly: Iterable[Path] = (),
    env: Mapping[str, str] | None = None,
    hide: Iterable[Path] = (),
) -> list[str]:
    """The argv that runs ``argv`` in the sandbox (see the module docstring); unsandboxed without bwrap.

    ``scratch`` is mounted read-write at its own path and is the working directory; ``readonly`` paths
    are visible read-only at their own paths; each ``hide`` path (inside a readonly one) is emptied.
    """
    if available() is not None:
        return _unsandboxed(argv, scratch, limits, env)
    return _sandboxed(argv, Path(scratch), limits, readonly, hide, env)


def _prlimit(limits: Limits, processes: bool = True) -> list[str]:
    tool = shutil.which("prlimit")
    if tool is None:
        return []
    args = [tool, f"--as={limits.memory}", f"--cpu={limits.cpu_seconds}", f"--fsize={limits.file_size}"]
    args += [f"--nofile={limits.open_files}", "--core=0"]
    if processes:
        args.append(f"--nproc={limits.processes}")
    return args + ["--"]


def _unsandboxed(argv: Sequence[str], scratch: Path, limits: Limits, env: Mapping[str, str] | None) -> list[str]:
    tool = shutil.which("env")
    if tool is None or os.name != "posix":
        return list(argv)
    variables = {**default_env(Path(scratch)), **(env or {})}
    return [tool, "-i", *(f"{k}={v}" for k, v in variables.items()), *_prlimit(limits, processes=False), *argv]


def _inside(path: Path, folders: Iterable[Path]) -> bool:
    return any(path == f or f in path.parents for f in folders)


def _sandboxed(
    argv: Sequence[str],
    scratch: Path,
    limits: Limits,
    readonly: Iterable[Path],
    hide: Iterable[Path],
    env: Mapping[str, str] | None,
) -> list[str]:
    root = _as_root()
    args = ["bwrap", "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    if root:  # no user namespace: setpriv below makes the worker uid 65534 outside too
        args += ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
        args += ["--cap-drop", "ALL"]
        for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_SETPCAP"):  # for setpriv only, which drops them
            args += ["--cap-add", cap]
    else:
        args += ["--unshare-all", "--unshare-user", "--disable-userns", "--cap-drop", "ALL"]
        args += ["--uid", str(SANDBOX_UID), "--gid", str(SANDBOX_GID)]

    mounted: list[Path] = [Path("/usr")]  # read-only mounts: no folder can be created below them
    args += ["--ro-bind", "/usr", "/usr"]
    for name in _ROOT_LINKS:
        path = Path("/") / name
        if path.is_symlink():
            args += ["--symlink", os.readlink(path), str(path)]
        elif path.is_dir():
            args += ["--ro-bind", str(path), str(path)]
            mounted.append(path)
    args += ["--perms", "1777", "--size", str(limits.tmp_size), "--tmpfs", "/tmp"]
    args += ["--proc", "/proc", "--dev", "/dev", "--size", str(limits.tmp_size), "--tmpfs", "/dev/shm"]
    created = {Path("/tmp"), Path("/dev"), Path("/proc")}

    def folders_to(path: Path) -> list[str]:
        """``--dir`` with mode 0755 for the folders above ``path`` that bwrap would otherwise create 0700."""
        out = []
        for parent in reversed(path.parents[:-1]):  # from the top, without "/"
            if _inside(parent, mounted):
                break
            if parent not in created:
                created.add(parent)
                out += ["--perms", "0755", "--dir", str(parent)]
        return out

    etc = [Path("/etc") / name for name in _ETC] + sorted(Path("/etc").glob("python3*"))  # Debian's sitecustomize
    for path in etc:
        if path.exists():
            args += folders_to(path) + ["--ro-bind-try", str(path), str(path)]
            mounted.append(path)

    prefixes = [sys.prefix, sys.exec_prefix, sys.base_prefix, sys.base_exec_prefix]
    wanted = [Path(os.path.abspath(p)) for p in [*prefixes, *readonly]]
    for tool in ("prlimit", "setpriv"):
        found = shutil.which(tool)
        if found:
            wanted.append(Path(found))
    for path in sorted(set(wanted), key=lambda p: len(p.parts)):  # parents before their children
        if _inside(path, mounted) or not path.exists():
            continue
        args += folders_to(path) + ["--ro-bind", str(path), str(path)]
        mounted.append(path)

    for path in sorted({Path(os.path.abspath(p)) for p in hide}, key=lambda p: len(p.parts)):
        if not _inside(path, mounted) or not (path.exists() or path.is_symlink()):
            continue  # not visible anyway
        if path.is_dir() and not path.is_symlink():
            args += ["--size", "4096", "--tmpfs", str(path), "--remount-ro", str(path)]
        else:
            args += ["--ro-bind", "/dev/null", str(path)]

    scratch = Path(os.path.abspath(scratch))
    if limits.scratch_size is None:
        args += folders_to(scratch) + ["--bind", str(scratch), str(scratch), "--chdir", str(scratch)]
    else:
        args += folders_to(scratch) + ["--perms", "1777", "--size", str(limits.scratch_size), "--tmpfs", str(scratch)]
        args += ["--chdir", str(scratch)]

    args.append("--clearenv")
    for key, value in {**default_env(scratch), **(env or {})}.items():
        args += ["--setenv", key, value]

    args.append("--")
    if root:
        setpriv = shutil.which("setpriv") or "setpriv"
        args += [setpriv, f"--reuid={limits.uid}", f"--regid={limits.uid}", "--clear-groups"]
        args += ["--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--"]
    return args + _prlimit(limits) + list(argv)


# ---- stopping it ----------------------------------------------------------------------------------------------


def _children(pid: int) -> list[int]:
    found = []
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return found
    for task in tasks:
        try:
            with open(f"/proc/{pid}/task/{task}/children") as f:
                found += [int(c) for c in f.read().split()]
        except OSError:
            pass
    return found


def kill(proc: subprocess.Popen, timeout: float = 5.0) -> None:
    """Kill the whole sandbox of ``proc`` (started from ``command()``) and wait until it is gone.

    SIGKILL goes to bwrap and to its child, the pid namespace's init; when that init dies the kernel
    kills every process of the namespace, detached or not, and init's exit (seen through a pidfd) comes
    only after all of them are gone. Unsandboxed, the process group (``start_new_session=True``) is killed.
    """
    pidfds = []
    if proc.poll() is None and hasattr(os, "pidfd_open"):
        for child in _children(proc.pid):  # bwrap's child cannot be reaped by anyone else while bwrap lives
            try:
                pidfds.append(os.pidfd_open(child))
            except OSError:
                pass
    try:
        if proc.poll() is None and os.getpgid(proc.pid) == proc.pid != os.getpgrp():
            os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    try:
        proc.kill()
    except OSError:
        pass
    for fd in pidfds:
        try:
            signal.pidfd_send_signal(fd, signal.SIGKILL)
        except OSError:
            pass
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        pass
    for fd in pidfds:
        try:
            select.select([fd], [], [], timeout)  # readable once that process has exited
        finally:
            os.close(fd)
