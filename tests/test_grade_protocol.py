"""The grader's wire: plain data goes both ways bit for bit, anything else is refused or made opaque, and a
worker session evaluates calls as a local call would behave (in-place changes, identity, exceptions, time)."""

from __future__ import annotations

import time

import numpy as np
import pytest

import bpcourse as bp
from bpcourse.check import calling
from bpcourse.grade import protocol as P
from bpcourse.grade import remote, run


def roundtrip(x, args=None, callables=False):
    return P.decode(P.loads(P.dumps({"v": P.encode(x)}))["v"], args, callables=callables)


@pytest.mark.parametrize(
    "value",
    [
        None,
        True,
        3,
        2**70,
        -1.5,
        "δ",
        (1, 2.0),
        [1, [2, (3,)]],
        {"W1": 1.0, "b1": (2,)},
        {1: "a", (2, 3): "b"},
        1 + 2j,
    ],
)
def test_plain_values_come_back_equal_and_of_the_same_type(value):
    back = roundtrip(value)
    assert back == value and type(back) is type(value)


def test_arrays_and_numpy_scalars_come_back_bit_for_bit():
    a = np.array([[np.nan, -0.0, np.inf], [1e-310, 5e-324, -np.inf]])
    back = roundtrip(a)
    assert back.dtype == a.dtype and back.shape == (2, 3) and back.tobytes() == a.tobytes()
    assert roundtrip(np.asfortranarray(a)).tobytes() == a.tobytes()
    for scalar in (np.float64(0.1), np.int64(7), np.bool_(True), np.float32(2.5)):
        back = roundtrip(scalar)
        assert type(back) is type(scalar) and back == scalar
    assert roundtrip(np.arange(6, dtype=np.int32).reshape(2, 3)[:, ::2]).tolist() == [[0, 2], [3, 5]]
    assert np.isnan(roundtrip(float("nan"))) and roundtrip(float("-inf")) == float("-inf")


def test_a_generator_goes_as_its_state_and_draws_the_same_numbers():
    r = np.random.default_rng(5)
    r.normal(size=3)
    copy = roundtrip(r)
    assert copy is not r and np.array_equal(copy.normal(size=4), r.normal(size=4))


def test_library_callables_go_by_name_and_nothing_else_does():
    assert P.encode(bp.activations.tanh_prime) == {"$fn": "bpcourse.activations.tanh_prime"}
    assert roundtrip(bp.activations.tanh_prime, callables=True) is bp.activations.tanh_prime
    assert type(roundtrip(bp.activations.tanh_prime)).__name__ == "function"  # in a reply: not callable here
    assert not callable(roundtrip(bp.activations.tanh_prime))
    assert P.encode(lambda z: z) == {"$opaque": "function"}
    with pytest.raises(P.ProtocolError, match="not plain data"):
        P.encode(lambda z: z, strict=True)
    for name in ("os.system", "builtins.eval", "bpcourse.nothing_here", "numpy", 3):
        with pytest.raises(P.ProtocolError):
            P.resolve(name)


def test_objects_are_opaque_with_their_type_name_and_iterators_stay_iterators():
    class Foo:
        pass

    back = roundtrip(Foo())
    assert type(back).__name__ == "Foo" and not hasattr(back, "predict")
    assert type(roundtrip(np.array([object()]))).__name__ == "ndarray_of_O"
    it = roundtrip(x for x in [1, 2])
    assert list(it) == [] and hasattr(it, "__next__")


def test_a_network_comes_back_as_a_library_network_with_its_parameters():
    net = bp.MLP([3, 4, 2], hidden="tanh", output="softmax", loss="cross_entropy", seed=1)
    back = roundtrip(net)
    assert isinstance(back, bp.MLP) and back.sizes == [3, 4, 2] and back.hidden == "tanh"
    X = np.random.default_rng(0).normal(size=(3, 5))
    assert np.array_equal(back.predict(X), net.predict(X))


def test_the_librarys_caches_come_back_as_their_own_named_tuples():
    net = bp.MLP([3, 4, 4, 2], hidden="tanh", batchnorm=True, seed=2)
    _, caches = net.forward_cache(np.random.default_rng(0).normal(size=(3, 5)), training=True)
    for callables in (True, False):  # the worker reading a request, the grader reading a reply
        back = roundtrip(caches, callables=callables)
        assert [type(c) for c in back] == [type(c) for c in caches] == [bp.network.LayerCache] * 3
        assert type(back[0].linear) is bp.layers.LinearCache and type(back[0].batchnorm) is bp.layers.BatchNormCache
        assert type(back[2].activation) is bp.layers.ActivationCache and back[2].batchnorm is None
        assert np.array_equal(back[1].linear.W, caches[1].linear.W) and back[0].activation.name == "tanh"
        assert back[0].batchnorm.training is True
    assert P.encode(caches[0].linear, strict=True)["$ntuple"][0] == "bpcourse.layers.LinearCache"


def test_other_named_tuples_go_as_plain_tuples_and_no_other_type_is_rebuilt():
    from typing import NamedTuple

    class Pair(NamedTuple):
        a: int
        b: int

    back = roundtrip(Pair(1, 2))
    assert back == (1, 2) and type(back) is tuple
    assert type(roundtrip(bp.check.report.Section("3", 1, "x"))) is tuple  # a library named tuple outside the list
    for line in (
        b'{"v": {"$ntuple": ["bpcourse.check.report.Section", [{"$tuple": []}]]}}',
        b'{"v": {"$ntuple": ["os.system", ["ls"]]}}',
        b'{"v": {"$ntuple": ["bpcourse.layers.LinearCache", [1]]}}',
        b'{"v": {"$ntuple": ["bpcourse.layers.LinearCache"]}}',
    ):
        with pytest.raises(P.ProtocolError):
            P.decode(P.loads(line)["v"], (), callables=True)


def test_references_to_the_arguments_come_back_as_the_same_objects():
    params = {"W1": np.ones((2, 2))}
    args = (params, 0.1)
    back = P.decode(P.encode(params, P.references(args)), args)
    assert back is params
    assert P.decode(P.encode(params["W1"], P.references(args)), args) is params["W1"]


@pytest.mark.parametrize(
    "line",
    [
        b"not json",
        b"[1, 2]",
        b'{"v": NaN}',
        b'{"v": {"$array": {"dtype": "|O", "shape": [1], "data": ""}}}',
        b'{"v": {"$array": {"dtype": "<f8", "shape": [2], "data": "AAAA"}}}',
        b'{"v": {"$fn": "subprocess.run"}}',
        b'{"v": {"$fn": "bpcourse.nothing"}}',
        b'{"v": {"$pickle": "gASV"}}',
        b'{"v": {"a": 1, "b": 2}}',
        b'{"v": {"$rng": {"bit_generator": "Evil"}}}',
        b'{"v": {"$arg": [9]}}',
    ],
)
def test_malformed_messages_are_refused(line):
    with pytest.raises(P.ProtocolError):
        P.decode(P.loads(line)["v"], (), callables=True)


def test_an_oversized_message_is_refused():
    with pytest.raises(P.ProtocolError, match="bytes"):
        P.loads(b"{" + b" " * (P.MAX_LINE + 1) + b"}")


@pytest.fixture(scope="module")
def session(tmp_path_factory):
    settings = run.settings_for(60, 2 * 2**30, None)
    s = run.start_session(settings, tmp_path_factory.mktemp("scratch"), time.monotonic() + 120)
    s.run(
        "import numpy as np, time\n"
        "def scale(x, c):\n    x *= c\n    return x\n"
        "def same(d):\n    return d\n"
        "def fail(x):\n    raise np.linalg.LinAlgError('singular matrix')\n"
        "def todo(x):\n    raise NotImplementedError()\n"
        "def slow(x):\n    time.sleep(30)\n"
        "def draw(r):\n    return r.normal(size=2)\n"
        "def overflow(z):\n    return np.exp(z)\n"
        "class Net:\n    pass\n"
        "def obj():\n    return Net()\n"
    )
    yield s
    s.close()


def _remote(session, name):
    (fn,) = session.resolve([name])
    assert isinstance(fn, remote.Remote)
    return fn


def test_in_place_changes_are_written_back_and_seen_by_call(session):
    fn = _remote(session, "scale")
    x = np.ones(3)
    got = fn._bpcourse_remote((x, 2.0), 5.0)
    assert got.tolist() == [2.0, 2.0, 2.0] and x.tolist() == [2.0, 2.0, 2.0] and got is x
    token = calling.GRADER_SIDE.set(calling.GraderSide("t", ()))
    try:
        with pytest.raises(calling.Mistake, match="changed its input 'x' in place"):
            calling.call(fn, np.ones(2), 3.0)
    finally:
        calling.GRADER_SIDE.reset(token)


def test_identity_exceptions_generators_warnings_and_time_limits(session):
    d = {"a": np.zeros(1)}
    assert _remote(session, "same")._bpcourse_remote((d,), 5.0) is d
    with pytest.raises(remote.RemoteError, match="singular matrix") as info:
        _remote(session, "fail")._bpcourse_remote((1,), 5.0)
    assert type(info.value).__name__ == "LinAlgError"
    with pytest.raises(NotImplementedError):
        _remote(session, "todo")._bpcourse_remote((1,), 5.0)
    r = np.random.default_rng(3)
    expected = np.random.default_rng(3).normal(size=2)
    assert np.array_equal(_remote(session, "draw")._bpcourse_remote((r,), 5.0), expected)
    assert np.array_equal(r.normal(size=1), np.random.default_rng(3).normal(size=3)[2:])  # the state came back
    with pytest.warns(RuntimeWarning, match="overflow"):
        _remote(session, "overflow")._bpcourse_remote((np.array([1000.0]),), 5.0)
    assert type(_remote(session, "obj")._bpcourse_remote((), 5.0)).__name__ == "Net"
    start = time.monotonic()
    with pytest.raises(calling.TimeLimit):
        _remote(session, "slow")._bpcourse_remote((1,), 0.5)
    assert time.monotonic() - start < 3
    assert session.run("1 + 1")["error"] is None  # the worker goes on after a stopped call


def test_a_harness_shapes_the_result_where_the_code_runs(session):
    fn = _remote(session, "same")
    got = fn._bpcourse_remote(([1, 2],), 5.0, np.asarray)
    assert isinstance(got, np.ndarray) and got.tolist() == [1, 2]
    assert calling.call(lambda: [3], harness=np.asarray).tolist() == [3]


def test_a_worker_that_misses_the_deadline_is_stopped(tmp_path):
    settings = run.settings_for(60, 2 * 2**30, None)
    s = run.start_session(settings, tmp_path, time.monotonic() + 2)
    start = time.monotonic()
    with pytest.raises(remote.WorkerGone, match="timed out"):
        s.run("while True:\n    pass")
    assert time.monotonic() - start < 4 and s.proc.poll() is not None


FORGE = """
import os
for fd in map(int, os.listdir('/proc/self/fd')):
    try:
        if fd > 2 and os.readlink(f'/proc/self/fd/{fd}').startswith('pipe:'):
            os.write(fd, b'{"error": null, "stdout": "forged"}\\n')
    except OSError:
        pass
"""


def test_a_reply_written_ahead_by_the_notebook_is_not_taken_for_the_reply(tmp_path):
    settings = run.settings_for(60, 2 * 2**30, None)
    s = run.start_session(settings, tmp_path, time.monotonic() + 60)
    try:
        with pytest.raises(remote.WorkerGone, match="a reply to no request"):
            s.run(FORGE)
        assert s.proc.poll() is not None
    finally:
        s.close()


def test_bombs_on_the_wire_are_refused_not_built():
    with pytest.raises(P.ProtocolError, match="RecursionError"):
        P.loads(b'{"v": ' + b"[" * 100000 + b"]" * 100000 + b"}")
    huge = {"$network": {"$dict": {"sizes": [64, 10**6, 10**6, 10], "params": {"$dict": {}}}}}
    assert type(P.decode(huge)).__name__ == "MLP" and not hasattr(P.decode(huge), "predict")
