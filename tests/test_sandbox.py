"""The grading sandbox (bpcourse/grade/sandbox.py): each test runs a tiny Python program inside ``command()``.

Skipped, with the reason, where this machine cannot make a sandbox; failed instead under
BPCOURSE_REQUIRE_SANDBOX=1.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

try:
    from bpcourse.grade import sandbox
except Exception:  # the package may not exist yet (or be mid-conversion): load the file on its own
    _path = Path(__file__).resolve().parent.parent / "bpcourse" / "grade" / "sandbox.py"
    _spec = importlib.util.spec_from_file_location("bpcourse_grade_sandbox", _path)
    sandbox = importlib.util.module_from_spec(_spec)
    sys.modules[_spec.name] = sandbox
    _spec.loader.exec_module(sandbox)

REASON = sandbox.available()
if REASON is not None:
    if os.environ.get("BPCOURSE_REQUIRE_SANDBOX") == "1":
        pytest.fail(f"BPCOURSE_REQUIRE_SANDBOX=1 but there is no sandbox: {REASON}", pytrace=False)
    pytest.skip(REASON, allow_module_level=True)

ROOT = os.geteuid() == 0
OUTSIDE_UID = sandbox.SANDBOX_UID if ROOT else os.getuid()  # see the module docstring: setpriv when root


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    return sandbox.prepare_scratch(tmp_path / "scratch")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A stand-in for a project folder: a package next to the solutions that must stay hidden."""
    root = tmp_path / "project"
    (root / "bpcourse").mkdir(parents=True)
    (root / "bpcourse" / "mod.py").write_text("VALUE = 42\n")
    (root / "solutions").mkdir()
    (root / "solutions" / "answer.txt").write_text("the answer\n")
    return root


def run(code: str, scratch: Path, *args: str, limits=None, timeout: float = 60, **kwargs) -> dict:
    """Run ``code`` in the sandbox; it prints one JSON object as its last line, which is returned."""
    argv = sandbox.command([sys.executable, "-c", code, *args], scratch, limits or sandbox.Limits(), **kwargs)
    done = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=timeout)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_description_and_command_shape(scratch):
    text = sandbox.description(sandbox.Limits(memory=2 * 2**30))
    assert text.startswith("sandboxed (bubblewrap ") and "no network" in text and "2G memory" in text
    argv = sandbox.command(["true"], scratch, sandbox.Limits())
    assert argv[0] == "bwrap" and "--die-with-parent" in argv and "--clearenv" in argv
    assert argv[-1] == "true" and "--nproc=64" in argv


# ---- what can be read and written ---------------------------------------------------------------------------

READS = r"""
import json, os, pwd, ssl, sys
def read(path):
    try:
        with open(path) as f:
            return f.read()
    except OSError as e:
        return type(e).__name__
secret, project, tmp = sys.argv[1:]
print(json.dumps({
    "secret": read(secret),
    "answer": read(os.path.join(project, "solutions", "answer.txt")),
    "solutions": os.listdir(os.path.join(project, "solutions")),
    "module": read(os.path.join(project, "bpcourse", "mod.py")),
    "tmp_path": sorted(os.listdir(tmp)),
    "root": sorted(os.listdir("/")),
    "home": os.path.exists("/home"), "work": os.path.exists("/work/main"),
    "passwd": read("/etc/passwd").startswith("root:"), "me": pwd.getpwuid(os.getuid()).pw_uid,
    "ca": ssl.create_default_context().cert_store_stats()["x509_ca"],
}))
"""


def test_host_files_and_hidden_folders_cannot_be_read(scratch, project, tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("hunter2\n")
    hide = [project / "solutions"]
    out = run(READS, scratch, str(secret), str(project), str(tmp_path), readonly=[project], hide=hide)
    assert out["secret"] == "FileNotFoundError"
    assert out["answer"] == "FileNotFoundError" and out["solutions"] == []
    assert out["module"] == "VALUE = 42\n"
    assert out["tmp_path"] == ["project", "scratch"]  # only the mount points, not secret.txt
    assert not out["home"] and not out["work"]
    assert out["passwd"] and out["me"] == 65534  # the /etc files Python needs are there, and readable
    assert out["ca"] > 0 or not Path("/etc/ssl/certs").is_dir()
    system = {"usr", "bin", "sbin", "lib", "lib32", "lib64", "libx32", "etc", "tmp", "proc", "dev"}
    assert set(out["root"]) <= system | {Path(p).parts[1] for p in (sys.prefix, sys.base_prefix, tmp_path)}


WRITES = r"""
import errno, json, os, sys
def append(path):
    try:
        with open(path, "a") as f:
            f.write("changed\n")
        return "ok"
    except OSError as e:
        return errno.errorcode[e.errno]
project = sys.argv[1]
print(json.dumps({
    "readonly": append(os.path.join(project, "bpcourse", "mod.py")),
    "hidden": append(os.path.join(project, "solutions", "new.txt")),
    "usr": append("/usr/new.txt"),
    "root": append("/new.txt"),
    "scratch": append("out.txt"),
    "tmp": append("/tmp/t.txt"),
    "cwd": os.getcwd(),
}))
"""


def test_readonly_paths_cannot_be_written_scratch_can(scratch, project):
    out = run(WRITES, scratch, str(project), readonly=[project], hide=[project / "solutions"])
    assert out["readonly"] in ("EROFS", "EACCES")
    assert out["hidden"] in ("EROFS", "EACCES")
    assert out["usr"] in ("EROFS", "EACCES") and out["root"] in ("EROFS", "EACCES")
    assert out["scratch"] == "ok" and out["tmp"] == "ok"
    assert out["cwd"] == str(scratch)
    assert (project / "bpcourse" / "mod.py").read_text() == "VALUE = 42\n"
    assert (scratch / "out.txt").read_text() == "changed\n"
    assert (scratch / "out.txt").stat().st_uid == OUTSIDE_UID


# ---- network, identity, processes -----------------------------------------------------------------------------

NETWORK = r"""
import errno, json, socket, time
start = time.monotonic()
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
try:
    s.connect(("1.1.1.1", 53)); s.send(b"x"); connect = "connected"
except OSError as e:
    connect = errno.errorcode.get(e.errno, str(e.errno))
t = socket.socket()
t.settimeout(3)
try:
    t.connect(("1.1.1.1", 53)); tcp = "connected"
except OSError as e:
    tcp = type(e).__name__
try:
    socket.getaddrinfo("example.com", 443); resolve = "resolved"
except OSError as e:
    resolve = type(e).__name__
print(json.dumps({"connect": connect, "tcp": tcp, "resolve": resolve, "seconds": time.monotonic() - start,
                  "interfaces": [name for _, name in socket.if_nameindex()], "hostname": socket.gethostname()}))
"""


def test_no_network(scratch):
    out = run(NETWORK, scratch)
    assert out["connect"] == "ENETUNREACH"
    assert out["tcp"] == "OSError"  # ENETUNREACH at once, not a timeout
    assert out["resolve"] == "gaierror"
    assert out["seconds"] < 2
    assert out["interfaces"] == ["lo"]
    assert out["hostname"] == "sandbox"


IDENTITY = r"""
import json, os, time, sys
status = dict(line.rstrip("\n").split(":\t", 1) for line in open("/proc/self/status"))
print(json.dumps({"uid": os.getresuid(), "gid": os.getresgid(), "groups": os.getgroups(),
                  **{k: status[k] for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb", "NoNewPrivs")}}),
      flush=True)
open("marker", "w").close()
time.sleep(20)
"""


def _descendants(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        for child in sandbox._children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def test_unprivileged_uid_inside_and_outside(scratch):
    argv = sandbox.command([sys.executable, "-c", IDENTITY, "identity-probe"], scratch, sandbox.Limits())
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        out = json.loads(proc.stdout.readline())
        assert out["uid"] == [65534, 65534, 65534] and out["gid"] == [65534, 65534, 65534]
        assert out["groups"] in ([], [65534])
        assert {out[k] for k in ("CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb")} == {"0000000000000000"}
        assert out["NoNewPrivs"] == "1"
        for _ in range(100):
            if (scratch / "marker").exists():
                break
            time.sleep(0.02)
        assert (scratch / "marker").stat().st_uid == OUTSIDE_UID
        # seen from outside: the worker's real, effective, saved and file-system uids
        tree = {p: Path(f"/proc/{p}/comm").read_text().strip() for p in _descendants(proc.pid)}
        workers = [p for p, comm in tree.items() if comm != "bwrap"]
        assert len(tree) == 2 and len(workers) == 1, tree  # bwrap's pid-1 reaper, then the worker
        uids = next(line for line in Path(f"/proc/{workers[0]}/status").read_text().splitlines() if line[:4] == "Uid:")
        assert uids.split()[1:] == [str(OUTSIDE_UID)] * 4
    finally:
        sandbox.kill(proc)


PIDS = r"""
import json, os, sys
pids = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
host = int(sys.argv[1])
print(json.dumps({"pids": pids, "me": os.getpid(), "ppid": os.getppid(), "parent": open("/proc/1/comm").read().strip(),
                  "host_visible": os.path.exists(f"/proc/{host}")}))
"""


def test_host_processes_are_invisible(scratch):
    out = run(PIDS, scratch, str(os.getpid()))
    assert out["pids"] == [1, 2] and out["me"] == 2
    assert out["ppid"] == 1 and out["parent"] == "bwrap"  # bwrap's reaper, not the grader
    if os.getpid() > 2:
        assert not out["host_visible"]


# ---- limits ---------------------------------------------------------------------------------------------------

MEMORY = r"""
import json, resource
try:
    block = bytearray(3 * 2**30); big = "allocated"
except MemoryError:
    big = "MemoryError"
print(json.dumps({"big": big, "limit": resource.getrlimit(resource.RLIMIT_AS)}))
"""

IMPORTS = r"""
import json, os
import numpy, matplotlib, IPython
a = numpy.random.default_rng(0).normal(size=(300, 300))
print(json.dumps({"sum": float((a @ a.T).trace()), "threads": os.environ["OPENBLAS_NUM_THREADS"]}))
"""


def test_memory_limit_stops_big_allocations_not_numpy(scratch):
    limits = sandbox.Limits(memory=sandbox.parse_size("2G"))
    out = run(MEMORY, scratch, limits=limits)
    assert out["big"] == "MemoryError" and out["limit"] == [2 * 2**30, 2 * 2**30]
    out = run(IMPORTS, scratch, limits=limits)
    assert out["sum"] > 0 and out["threads"] == "1"


FILE_SIZE = r"""
import errno, json, os
fd = os.open("big.bin", os.O_WRONLY | os.O_CREAT)
written, error = 0, None
try:
    for _ in range(16):
        written += os.write(fd, b"x" * 2**18)
except OSError as e:
    error = errno.errorcode[e.errno]
print(json.dumps({"written": written, "error": error}))
"""


def test_file_size_limit(scratch):
    out = run(FILE_SIZE, scratch, limits=sandbox.Limits(file_size=2**20))
    assert out == {"written": 2**20, "error": "EFBIG"}
    assert (scratch / "big.bin").stat().st_size == 2**20


FORKS = r"""
import json, os, signal, time
children, error = [], None
for _ in range(200):  # bounded, and each child only sleeps: harmless even without the limit
    try:
        pid = os.fork()
    except OSError as e:
        error = type(e).__name__
        break
    if pid == 0:
        time.sleep(30)
        os._exit(0)
    children.append(pid)
for pid in children:
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
print(json.dumps({"forked": len(children), "error": error}))
"""


def test_process_limit_stops_a_fork_loop(scratch):
    out = run(FORKS, scratch, limits=sandbox.Limits(processes=20), timeout=30)
    assert out["error"] == "BlockingIOError"
    assert out["forked"] < 20


# ---- stopping and environment ----------------------------------------------------------------------------------

DETACHED = r"""
import os, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:  # the grandchild: detached, reparented to the sandbox's init
        while True:
            with open("ticks", "a") as f:
                f.write("x")
            time.sleep(0.05)
    os._exit(0)
os.wait()
print("ready", flush=True)
time.sleep(60)
"""


def test_kill_stops_a_detached_grandchild(scratch):
    argv = sandbox.command([sys.executable, "-c", DETACHED], scratch, sandbox.Limits())
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        ticks = scratch / "ticks"
        deadline = time.monotonic() + 5
        while (not ticks.exists() or ticks.stat().st_size < 3) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert ticks.stat().st_size >= 3  # it is growing
    finally:
        start = time.monotonic()
        sandbox.kill(proc)
        took = time.monotonic() - start
    assert proc.returncode is not None and took < 1
    size = ticks.stat().st_size
    time.sleep(0.5)
    assert ticks.stat().st_size == size


ENVIRONMENT = "import json, os; print(json.dumps(dict(os.environ)))"


def test_environment_is_cleared(scratch, monkeypatch):
    monkeypatch.setenv("BPCOURSE_TEST_SECRET", "hunter2")
    out = run(ENVIRONMENT, scratch, env={"BPCOURSE_GRADING": "worker", "MPLBACKEND": "Agg"})
    assert "BPCOURSE_TEST_SECRET" not in out and "hunter2" not in out.values()
    assert out["BPCOURSE_GRADING"] == "worker" and out["MPLBACKEND"] == "Agg"
    assert out["HOME"] == str(scratch) and out["LANG"] == "C.UTF-8"
    assert out["OPENBLAS_NUM_THREADS"] == out["OMP_NUM_THREADS"] == out["MKL_NUM_THREADS"] == "1"
    assert set(out) <= {"BPCOURSE_GRADING", "MPLBACKEND", "PWD"} | set(sandbox.default_env(scratch))


def test_unsandboxed_fallback_still_limits_and_clears(scratch, monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: "bubblewrap (bwrap) is not on PATH")
    monkeypatch.setenv("BPCOURSE_TEST_SECRET", "hunter2")
    code = "import json, os, resource; print(json.dumps([sorted(os.environ), resource.getrlimit(resource.RLIMIT_AS)]))"
    argv = sandbox.command([sys.executable, "-c", code], scratch, sandbox.Limits(memory=3 * 2**30))
    assert "bwrap" not in argv
    done = subprocess.run(argv, capture_output=True, text=True, timeout=30, cwd=scratch)
    names, limit = json.loads(done.stdout)
    assert "BPCOURSE_TEST_SECRET" not in names and "OPENBLAS_NUM_THREADS" in names
    assert limit == [3 * 2**30, 3 * 2**30]


def test_require(monkeypatch):
    monkeypatch.setattr(sandbox, "available", lambda: "bubblewrap (bwrap) is not on PATH")
    monkeypatch.delenv("BPCOURSE_REQUIRE_SANDBOX", raising=False)
    sandbox.require()  # not required: no error
    monkeypatch.setenv("BPCOURSE_REQUIRE_SANDBOX", "1")
    with pytest.raises(SystemExit) as caught:
        sandbox.require()
    assert "bubblewrap (bwrap) is not on PATH" in str(caught.value)
    assert "apt-get install -y bubblewrap" in str(caught.value)


def test_unreadable(tmp_path):
    private, public = tmp_path / "private", tmp_path / "public"
    private.mkdir(mode=0o700)
    public.mkdir(mode=0o755)
    private.chmod(0o700)
    public.chmod(0o755)
    assert sandbox.unreadable([private, public]) == [private]


# ---- sizes ------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, size",
    [
        ("512M", 512 * 2**20),
        ("2G", 2 * 2**30),
        ("1.5G", 3 * 2**29),
        ("1048576", 2**20),
        ("64k", 64 * 2**10),
        ("2GiB", 2 * 2**30),
        (" 3 G ", 3 * 2**30),
        (4096, 4096),
    ],
)
def test_parse_size(text, size):
    assert sandbox.parse_size(text) == size


@pytest.mark.parametrize("text", ["abc", "", "-1", "2X", "1.5", "G", "2G2"])
def test_parse_size_rejects(text):
    with pytest.raises(ValueError, match="expected a") as caught:
        sandbox.parse_size(text)
    assert repr(text) in str(caught.value)


def test_parse_size_message():
    with pytest.raises(ValueError) as caught:
        sandbox.parse_size("abc")
    assert str(caught.value) == "expected a size such as 2G or 512M, got 'abc'"
    assert sandbox.format_size(2 * 2**30) == "2G" and sandbox.format_size(3 * 2**29) == "1536M"


def test_a_scratch_of_a_given_size_caps_all_files_together_and_leaves_the_host_folder_empty(tmp_path):
    scratch = tmp_path / "scratch"
    limits = sandbox.Limits(scratch_size=32 * 2**20, file_size=20 * 2**20)
    sandbox.prepare_scratch(scratch, limits.uid)
    code = (
        "n = 0\ntry:\n    for i in range(10):\n        open(f'f{i}', 'wb').write(b'x' * (15 * 2**20))\n        n += 1\n"
        "except OSError as exc:\n    print('stopped after', n, 'files, errno', exc.errno)"
    )
    out = subprocess.run(
        sandbox.command([sys.executable, "-c", code], scratch, limits), capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip() == "stopped after 2 files, errno 28"  # ENOSPC: 32 MiB hold two 15 MiB files
    assert list(scratch.iterdir()) == []
