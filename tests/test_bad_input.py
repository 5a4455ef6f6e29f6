"""Bad input, generated: every public function ends in a BPCourseError or a finite, right-shaped result.

Hypothesis draws the arguments of every public function of activations, losses, layers, network,
optim, train, datasets, gradcheck and initializers: each argument valid, except zero, one or two
spoiled ones. Spoiled means wrong shapes, dtypes (complex, object, str, bool, int, lists), NaN/inf
and huge values, empty (m = 0) and single-column batches, out-of-range hyperparameters, dicts with
wrong, extra or missing keys, or plain junk. Each call runs with warnings as errors; it must raise a
BPCourseError (with a message) or return a finite, right-shaped result; a raw NumPy/Python exception
or any warning fails. With nothing spoiled the call must succeed: validation refuses no valid input.
``derandomize=True``: CI draws the same examples every run.

Below the generated tests, plain tests pin the message of each case of issue 8 and check that
validation stays out of the training loop's steps.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import bpcourse as bp
from bpcourse import activations, datasets, gradcheck, initializers, layers, losses, optim
from bpcourse.errors import BPCourseError
from bpcourse.train import DIVERGENCE_FACTOR, layer_grad_norms

SETTINGS = settings(
    max_examples=40,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.data_too_large],
)
REFUSED = object()


def outcome(call, spoiled=("unknown",)):
    """call() with warnings as errors: REFUSED for a BPCourseError, else its result, checked finite.

    With nothing ``spoiled`` the call must succeed (any exception propagates with its message).
    """
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if not spoiled:
            result = call()
        else:
            try:
                result = call()
            except BPCourseError as exc:
                assert str(exc).strip(), "a BPCourseError must say what is wrong"
                return REFUSED
    assert_finite(result)
    return result


def assert_finite(x) -> None:
    if isinstance(x, np.ndarray):
        assert x.dtype.kind in "biuf", x.dtype
        assert np.isfinite(x).all(), x
    elif isinstance(x, float):
        assert np.isfinite(x), x
    elif isinstance(x, (tuple, list)):
        for v in x:
            assert_finite(v)
    elif isinstance(x, dict):
        for v in x.values():
            assert_finite(v)


@st.composite
def cases(draw, **specs):
    """(kwargs, spoiled): every argument drawn from its valid strategy but 0–2 drawn from their bad one.

    ``specs`` maps an argument name to (valid strategy, bad strategy).
    """
    spoiled = draw(st.sets(st.sampled_from(sorted(specs)), max_size=2))
    return {k: draw(bad if k in spoiled else valid) for k, (valid, bad) in specs.items()}, spoiled


# ---- strategies --------------------------------------------------------------------------------

FINITE = st.floats(-4, 4, allow_nan=False, width=64)
JUNK = st.sampled_from([None, "abc", "1.5", 3.0, True, [[1.0, 2.0], [3.0]], {"a": 1}, 1j, object()])


def good(shape):
    return hnp.arrays(np.float64, shape, elements=FINITE)


def bad_array(shape):
    """Bad variants of a float array of ``shape``: values, shapes, dtypes, containers (a few are valid elsewhere)."""
    shape = tuple(shape)
    n = shape[0] if shape else 1
    others = {shape[::-1], (n,), (n, 0), (n, 1), (n + 1, *shape[1:]), (*shape, 2), ()} - {shape}
    return st.one_of(
        hnp.arrays(np.float64, shape, elements=st.floats(width=64)),  # NaN, ±inf, ±1.8e308
        hnp.arrays(np.float64, shape, elements=st.sampled_from([np.nan, np.inf, -np.inf, 1e300, -1e300, 0.0])),
        st.sampled_from(sorted(others)).flatmap(good),  # wrong shapes, m = 0, a single column
        good(shape).map(lambda a: a + 1j),
        good(shape).map(lambda a: a.astype(object)),
        good(shape).map(lambda a: np.array([[None] * a.shape[-1]] * a.shape[0]) if a.ndim == 2 else a.astype(str)),
        good(shape).map(lambda a: a.astype(str)),
        good(shape).map(lambda a: a > 0),
        good(shape).map(lambda a: np.round(a).astype(np.int64)),
        good(shape).map(lambda a: a.tolist()),
        JUNK,
    )


def hyper(valid):
    return (valid, st.one_of(st.floats(width=64), st.integers(-3, 3), st.booleans(), JUNK, st.text(max_size=2)))


def size(valid):
    """A size or count: fractions, negatives, NaN/inf, astronomically large, bools, text when spoiled."""
    bad = [np.nan, np.inf, -1, 0, 2.5, 1e9, 1e300, 10**20, True, None, "3", [3], 1j]
    return (valid, st.sampled_from(bad))


def array(shape):
    return (good(shape), bad_array(shape))


UNIT = st.floats(0, 0.999)
POSITIVE = st.floats(1e-6, 10)
SEED = size(st.one_of(st.integers(0, 5), st.none()))
NAMES = st.sampled_from(list(activations.ACTIVATIONS))
BAD_NAMES = st.one_of(st.sampled_from(["rleu", "", "RELU", "soft max"]), JUNK)


def one_hot(n, m):
    return st.lists(st.integers(0, n - 1), min_size=m, max_size=m).map(lambda y: datasets.one_hot(y, n))


def zero_one(shape):
    return good(shape).map(lambda a: (a > 0).astype(float))


def bad_targets(shape):
    n, m = shape
    return st.one_of(
        st.just(3 - 4 * np.eye(n, m)),  # not probabilities
        zero_one(shape),  # in [0, 1] but a column need not sum to 1
        good(shape).map(lambda a: a + 2.0),
        bad_array(shape),
    )


def valid_dict(shapes):
    return st.fixed_dictionaries({k: good(s) for k, s in shapes.items()})


@st.composite
def bad_dict(draw, shapes: dict):
    """A dict like ``shapes`` with a key missing, an extra key or a bad entry; or no dict at all."""
    d = draw(valid_dict(shapes))
    change = draw(st.sampled_from(["missing", "extra", "entry", "entry", "not a dict"]))
    key = draw(st.sampled_from(sorted(shapes)))
    if change == "missing":
        del d[key]
    elif change == "extra":
        d["extra"] = np.zeros(2)
    elif change == "entry":
        d[key] = draw(bad_array(shapes[key]))
    else:
        return draw(st.sampled_from([list(d.values()), None, "grads", tuple(d)]))
    return d


def dicts(shapes):
    return (valid_dict(shapes), bad_dict(shapes))


SHAPES = {"W": (2, 3), "b": (2, 1)}


# ---- activations -------------------------------------------------------------------------------

FUNCTIONS = [f for pair in activations.ACTIVATIONS.values() for f in pair if f is not None]


@pytest.mark.parametrize("fn", FUNCTIONS, ids=lambda f: f.__name__)
@SETTINGS
@given(case=cases(Z=array((3, 4))))
def test_activations(fn, case):
    (kw, spoiled) = case
    out = outcome(lambda: fn(**kw), spoiled)
    assert out is REFUSED or out.shape == np.shape(kw["Z"])


@SETTINGS
@given(case=cases(dA=array((3, 4)), A=(good((3, 4)).map(activations.softmax), bad_array((3, 4)))))
def test_softmax_backward(case):
    kw, spoiled = case
    out = outcome(lambda: activations.softmax_backward(**kw), spoiled)
    assert out is REFUSED or out.shape == (3, 4)


# ---- losses ------------------------------------------------------------------------------------

PROBABILITIES = good((3, 4)).map(activations.softmax)
LOSSES = {  # function: (valid A or Z, valid Y)
    losses.mse: (good((3, 4)), good((3, 4))),
    losses.cross_entropy: (PROBABILITIES, one_hot(3, 4)),
    losses.binary_cross_entropy: (good((3, 4)).map(activations.sigmoid), zero_one((3, 4))),
    losses.softmax_cross_entropy: (good((3, 4)), st.one_of(one_hot(3, 4), PROBABILITIES)),
    losses.sigmoid_binary_cross_entropy: (good((3, 4)), zero_one((3, 4))),
}


@pytest.mark.parametrize("fn", list(LOSSES), ids=lambda f: f.__name__)
@SETTINGS
@given(data=st.data())
def test_losses(fn, data):
    valid_A, valid_Y = LOSSES[fn]
    kw, spoiled = data.draw(cases(A=(valid_A, bad_array((3, 4))), Y=(valid_Y, bad_targets((3, 4)))))
    out = outcome(lambda: fn(kw["A"], kw["Y"]), spoiled)
    if out is not REFUSED:
        L, dA = out
        assert isinstance(L, float) and dA.shape == (3, 4)


@SETTINGS
@given(
    case=cases(
        output=(st.sampled_from(["sigmoid", "softmax", "identity"]), BAD_NAMES),
        loss=(st.sampled_from(["mse", "cross_entropy"]), BAD_NAMES),
    )
)
def test_loss_on_output(case):
    kw, spoiled = case
    out = outcome(lambda: losses.loss_on_output(**kw), spoiled)
    assert out is REFUSED or out in (losses.mse, losses.cross_entropy, losses.binary_cross_entropy)


# ---- layers ------------------------------------------------------------------------------------


@SETTINGS
@given(case=cases(A_prev=array((4, 5)), W=array((3, 4)), b=array((3, 1))))
def test_linear_forward(case):
    kw, spoiled = case
    out = outcome(lambda: layers.linear_forward(**kw), spoiled)
    assert out is REFUSED or out[0].shape == (np.shape(kw["W"])[0], np.shape(kw["A_prev"])[1])


LINEAR_CACHE = st.tuples(good((4, 5)), good((3, 4))).map(lambda t: layers.LinearCache(*t))
BAD_LINEAR_CACHE = st.one_of(
    st.tuples(bad_array((4, 5)), good((3, 4))), st.tuples(good((4, 5)), bad_array((3, 4))), JUNK
)


@SETTINGS
@given(case=cases(dZ=array((3, 5)), cache=(LINEAR_CACHE, BAD_LINEAR_CACHE), need_dA_prev=hyper(st.booleans())))
def test_linear_backward(case):
    kw, spoiled = case
    out = outcome(lambda: layers.linear_backward(**kw), spoiled)
    if out is not REFUSED:
        dA_prev, dW, db = out
        A_prev, W = kw["cache"]
        assert dW.shape == np.shape(W) and db.shape == (np.shape(W)[0], 1)
        assert dA_prev is None or dA_prev.shape == np.shape(A_prev)


@SETTINGS
@given(case=cases(Z=array((3, 4)), name=(NAMES, BAD_NAMES)))
def test_activation_forward(case):
    kw, spoiled = case
    out = outcome(lambda: layers.activation_forward(**kw), spoiled)
    assert out is REFUSED or out[0].shape == np.shape(kw["Z"])


ACTIVATION_CACHE = st.tuples(good((3, 4)), NAMES).map(lambda t: layers.activation_forward(*t)[1])
BAD_ACTIVATION_CACHE = st.one_of(
    st.tuples(ACTIVATION_CACHE, st.integers(0, 2), bad_array((3, 4))).map(
        lambda t: t[0]._replace(**{t[0]._fields[t[1]]: t[2]})
    ),
    JUNK,
)


@SETTINGS
@given(case=cases(dA=array((3, 4)), cache=(ACTIVATION_CACHE, BAD_ACTIVATION_CACHE)))
def test_activation_backward(case):
    kw, spoiled = case
    out = outcome(lambda: layers.activation_backward(**kw), spoiled)
    assert out is REFUSED or out.shape == np.shape(kw["cache"][1])


def fresh(shape, value):
    return st.builds(lambda: np.full(shape, value))  # a new array per draw: batchnorm updates it in place


@SETTINGS
@given(
    case=cases(
        Z=array((4, 6)),
        gamma=array((4, 1)),
        beta=array((4, 1)),
        eps=hyper(POSITIVE),
        running_mean=(fresh((4, 1), 0.0), st.one_of(st.none(), bad_array((4, 1)))),
        running_var=(fresh((4, 1), 1.0), st.one_of(st.none(), bad_array((4, 1)), st.just(-np.ones((4, 1))))),
        momentum=hyper(UNIT),
        training=hyper(st.booleans()),
    )
)
def test_batchnorm_forward(case):
    kw, spoiled = case
    out = outcome(lambda: layers.batchnorm_forward(**kw), spoiled)
    assert out is REFUSED or out[0].shape == np.shape(kw["Z"])


BN_CACHE = st.tuples(good((4, 6)), st.booleans()).map(
    lambda t: layers.batchnorm_forward(
        t[0], np.ones((4, 1)), np.zeros((4, 1)), 1e-5, np.zeros((4, 1)), np.ones((4, 1)), 0.9, t[1]
    )[1]
)
BAD_BN_CACHE = st.one_of(
    st.tuples(BN_CACHE, st.integers(0, 3), bad_array((4, 1))).map(
        lambda t: t[0]._replace(**{t[0]._fields[t[1]]: t[2]})
    ),
    JUNK,
)


@SETTINGS
@given(case=cases(dout=array((4, 6)), cache=(BN_CACHE, BAD_BN_CACHE)))
def test_batchnorm_backward(case):
    kw, spoiled = case
    out = outcome(lambda: layers.batchnorm_backward(**kw), spoiled)
    if out is not REFUSED:
        dZ, dgamma, dbeta = out
        assert dZ.shape == np.shape(kw["cache"][0]) and dgamma.shape == dbeta.shape == (4, 1)


# ---- network -----------------------------------------------------------------------------------

HEADS = [
    ("softmax", "cross_entropy"),
    ("sigmoid", "cross_entropy"),
    ("identity", "mse"),
    ("sigmoid", "mse"),
    ("softmax", "mse"),
]
VALID_SIZES = st.tuples(st.lists(st.integers(1, 4), min_size=1, max_size=3), st.integers(2, 3)).map(
    lambda t: [*t[0], t[1]]
)
BAD_SIZES = st.one_of(
    st.lists(st.one_of(st.integers(-1, 4), st.floats(0, 4), st.booleans(), st.text(max_size=1)), max_size=4),
    st.sampled_from(["64", 64, None, (2,), np.array([[2, 3]]), [[2, 3]], {2: 3}, [2, 10**7, 10**7], [3, 0, 2]]),
)


@SETTINGS
@given(
    case=cases(
        layer_sizes=(VALID_SIZES, BAD_SIZES),
        hidden=(st.sampled_from(activations.HIDDEN_ACTIVATIONS), BAD_NAMES),
        head=(
            st.sampled_from(HEADS),
            st.one_of(st.just(("identity", "cross_entropy")), st.tuples(BAD_NAMES, BAD_NAMES)),
        ),
        init=(st.sampled_from(["auto", "zeros", "normal", "xavier", "he"]), BAD_NAMES),
        scale=hyper(POSITIVE),
        batchnorm=hyper(st.booleans()),
        seed=SEED,
        bn_momentum=hyper(UNIT),
        bn_eps=hyper(POSITIVE),
    )
)
def test_mlp_constructor(case):
    kw, spoiled = case
    kw["output"], kw["loss"] = kw.pop("head")
    net = outcome(lambda: bp.MLP(**kw), spoiled)
    if net is not REFUSED:
        assert [p.shape for k, p in net.params.items() if k.startswith("W")] == list(
            zip(net.sizes[1:], net.sizes[:-1], strict=True)
        )
        assert_finite(net.params)


KINDS = [  # (MLP keyword arguments, number of outputs)
    (dict(), 2),
    (dict(hidden="tanh", output="sigmoid"), 1),
    (dict(hidden="elu", output="identity", loss="mse"), 2),
    (dict(hidden="sigmoid", output="softmax", loss="mse", batchnorm=True), 2),
]


def make_net(kind):
    kwargs, n_out = KINDS[kind]
    return bp.MLP([3, 4, n_out], seed=0, **kwargs), n_out


def targets_for(kind, m):
    _, n_out = KINDS[kind]
    return {0: one_hot(2, m), 1: zero_one((1, m)), 2: good((2, m)), 3: good((2, m))}[kind]


def edit(net, change, data):
    """Edit net.params the way a learner might: a bad array, a missing or an extra key, bad running statistics."""
    key = data.draw(st.sampled_from(sorted(net.params)))
    if change == "entry":
        net.params[key] = data.draw(bad_array(net.params[key].shape))
    elif change == "missing":
        del net.params[key]
    elif change == "extra":
        net.params["W9"] = np.zeros((2, 2))
    elif change == "bn_state":
        if net.bn_state:
            net.bn_state[data.draw(st.sampled_from(sorted(net.bn_state)))] = data.draw(bad_array((4, 1)))
        else:
            net.params = "params"


CHANGE = (st.just("none"), st.sampled_from(["entry", "entry", "missing", "extra", "bn_state"]))


@SETTINGS
@given(kind=st.integers(0, 3), data=st.data())
def test_mlp_forward_and_predict(kind, data):
    net, n_out = make_net(kind)
    kw, spoiled = data.draw(cases(change=CHANGE, X=array((3, 5)), training=hyper(st.booleans())))
    edit(net, kw["change"], data)
    A = outcome(lambda: net.forward(kw["X"], kw["training"]), spoiled)
    m = np.shape(kw["X"])[-1] if np.ndim(kw["X"]) == 2 else None
    assert A is REFUSED or A.shape == (n_out, m)
    out = outcome(lambda: net.forward_cache(kw["X"], kw["training"]), spoiled)
    assert out is REFUSED or (out[0].shape == (n_out, m) and len(out[1]) == net.L)
    pred = outcome(lambda: net.predict(kw["X"]), spoiled - {"training"})
    assert pred is REFUSED or pred.shape == (m,)


@SETTINGS
@given(kind=st.integers(0, 3), data=st.data())
def test_mlp_loss_and_gradients(kind, data):
    net, n_out = make_net(kind)
    bad_Y = bad_targets((n_out, 5)) if kind < 2 else bad_array((n_out, 5))
    kw, spoiled = data.draw(cases(change=CHANGE, X=array((3, 5)), Y=(targets_for(kind, 5), bad_Y)))
    edit(net, kw["change"], data)
    X, Y = kw["X"], kw["Y"]
    L = outcome(lambda: net.loss(X, Y), spoiled)
    assert L is REFUSED or isinstance(L, float)
    grads = outcome(lambda: net.gradients(X, Y), spoiled)
    assert grads is REFUSED or {k: g.shape for k, g in grads.items()} == {k: p.shape for k, p in net.params.items()}
    out = outcome(lambda: net.loss_and_gradients(X, Y), spoiled)
    assert out is REFUSED or isinstance(out[0], float)


@SETTINGS
@given(kind=st.integers(0, 3), data=st.data())
def test_mlp_accuracy(kind, data):
    net, n_out = make_net(kind)
    labels = st.lists(st.integers(0, max(n_out, 2) - 1), min_size=5, max_size=5).map(np.array)
    bad = st.one_of(bad_array((5,)), bad_array((n_out, 5)), st.lists(st.integers(-1, 5), max_size=6).map(np.array))
    kw, spoiled = data.draw(cases(X=array((3, 5)), Y=(st.one_of(labels, targets_for(kind, 5)), bad)))
    acc = outcome(lambda: net.accuracy(**kw), spoiled)
    assert acc is REFUSED or 0.0 <= acc <= 1.0


@SETTINGS
@given(kind=st.integers(0, 3), data=st.data())
def test_mlp_backward_check_Y_activation_of(kind, data):
    net, n_out = make_net(kind)
    X = np.random.default_rng(0).standard_normal((3, 5))
    own = net.forward_cache(X, training=True)[1]
    other = bp.MLP([3, 5, n_out], output="identity", loss="mse").forward_cache(X)[1]
    kw, spoiled = data.draw(
        cases(
            dZL=array((n_out, 5)),
            caches=(st.just(own), st.sampled_from([other, own[:1], "caches", [None] * net.L])),
            m=size(st.integers(1, 6)),
            l=size(st.integers(1, 2)),
        )
    )
    grads = outcome(lambda: net.backward(kw["dZL"], kw["caches"]), spoiled - {"m", "l"})
    assert grads is REFUSED or {k: g.shape for k, g in grads.items()} == {k: p.shape for k, p in net.params.items()}
    m = kw["m"] if "m" not in spoiled else 3
    Y = np.full((n_out, m), 1.0 / n_out if n_out > 1 else 0.0)
    out = outcome(lambda: net.check_Y(Y, kw["m"]), spoiled & {"m"})
    assert out is REFUSED or out.shape == Y.shape
    name = outcome(lambda: net.activation_of(kw["l"]), spoiled & {"l"})
    assert name is REFUSED or name in activations.ACTIVATIONS


# ---- optim -------------------------------------------------------------------------------------

OPTIMIZERS = {
    optim.SGD: dict(lr=hyper(POSITIVE)),
    optim.Momentum: dict(lr=hyper(POSITIVE), beta=hyper(UNIT)),
    optim.AdaGrad: dict(lr=hyper(POSITIVE), eps=hyper(POSITIVE)),
    optim.RMSProp: dict(lr=hyper(POSITIVE), beta=hyper(UNIT), eps=hyper(POSITIVE)),
    optim.Adam: dict(lr=hyper(POSITIVE), beta1=hyper(UNIT), beta2=hyper(UNIT), eps=hyper(POSITIVE)),
}


@pytest.mark.parametrize("cls", list(OPTIMIZERS), ids=lambda c: c.__name__)
@SETTINGS
@given(data=st.data())
def test_optimizers(cls, data):
    kw, spoiled = data.draw(
        cases(**OPTIMIZERS[cls], params=dicts(SHAPES), grads=dicts(SHAPES), state=(st.just("fresh"), st.just("used")))
    )
    params, grads = kw.pop("params"), kw.pop("grads")
    opt = outcome(lambda: cls(**{k: v for k, v in kw.items() if k != "state"}), spoiled - {"params", "grads", "state"})
    if opt is REFUSED:
        return
    for name in ("lr", "beta", "beta1", "beta2", "eps"):
        if hasattr(opt, name):
            value = getattr(opt, name)
            assert isinstance(value, float) and np.isfinite(value)
            assert 0 <= value < 1 if name.startswith("beta") else value > 0
    if kw["state"] == "used":  # state from parameters of other shapes
        opt.step({"W": np.zeros(7)}, {"W": np.ones(7)})
    for _ in range(3):  # the state of the first steps must not break the next ones
        if outcome(lambda: opt.step(params, grads), spoiled) is REFUSED:
            break
        assert_finite(params)


@SETTINGS
@given(
    case=cases(
        name=(st.sampled_from(list(optim.OPTIMIZERS)), BAD_NAMES),
        key=(st.just("lr"), st.sampled_from(["momentum", "alpha", "beta3"])),
    )
)
def test_make(case):
    kw, spoiled = case
    opt = outcome(lambda: optim.make(kw["name"], **{kw["key"]: 0.5}), spoiled)
    assert opt is REFUSED or isinstance(opt, optim.Optimizer)


@SETTINGS
@given(case=cases(grads=dicts(SHAPES), max_norm=hyper(POSITIVE)))
def test_global_norm_and_clipping(case):
    kw, spoiled = case
    norm = outcome(lambda: optim.global_norm(kw["grads"]), spoiled - {"max_norm"})
    assert norm is REFUSED or norm >= 0
    norm = outcome(lambda: optim.clip_grad_norm(**kw), spoiled)
    if norm is not REFUSED:  # the norm before; now at most max_norm, with the direction kept
        assert optim.global_norm(kw["grads"]) == pytest.approx(min(norm, kw["max_norm"]), rel=1e-9, abs=1e-300)


@SETTINGS
@given(case=cases(grads=dicts({"W1": (3, 2), "b1": (3, 1), "W2": (1, 3)}), L=size(st.integers(1, 2))))
def test_layer_grad_norms(case):
    kw, spoiled = case
    norms = outcome(lambda: layer_grad_norms(**kw), spoiled)
    assert norms is REFUSED or norms.shape == (kw["L"],)


# ---- train -------------------------------------------------------------------------------------


def make_optimizer(choice):
    if choice == "used":  # state from another network
        opt = optim.Adam()
        opt.step({"W1": np.zeros((9, 9))}, {"W1": np.ones((9, 9))})
        return opt
    if not isinstance(choice, str):  # junk (a list, an array...) goes to bp.train as it is
        return choice
    return {"sgd": optim.SGD(lr=0.1), "adam": optim.Adam(lr=0.01), "none": None}.get(choice, choice)


@SETTINGS
@given(kind=st.integers(0, 3), data=st.data())
def test_train(kind, data):
    net, n_out = make_net(kind)
    bad_Y = bad_targets((n_out, 6)) if kind < 2 else bad_array((n_out, 6))
    X_val = np.random.default_rng(1).standard_normal((3, 4))
    Y_val = net.forward(X_val)
    kw, spoiled = data.draw(
        cases(
            net=(st.just(net), st.one_of(JUNK, st.just(net))),
            change=CHANGE,
            X=array((3, 6)),
            Y=(targets_for(kind, 6), bad_Y),
            optimizer=(st.sampled_from(["sgd", "adam", "none"]), st.one_of(st.just("used"), JUNK)),
            epochs=size(st.integers(1, 3)),
            batch_size=size(st.one_of(st.integers(1, 7), st.none())),
            seed=SEED,
            val=(
                st.sampled_from([(None, None), (X_val, Y_val)]),
                st.sampled_from([(X_val, None), (X_val.T, Y_val), (X_val, "Y")]),
            ),
            clip=hyper(st.one_of(st.none(), POSITIVE)),
            callback=(st.sampled_from([None, lambda epoch, history, net: False]), st.sampled_from([42, "plot"])),
            progress=(st.just(False), st.one_of(JUNK, st.just(1))),
            on_diverge=(st.sampled_from(["raise", "stop"]), BAD_NAMES),
        )
    )
    edit(net, kw.pop("change"), data)
    kw["X_val"], kw["Y_val"] = kw.pop("val")
    kw["optimizer"] = make_optimizer(kw["optimizer"])
    history = outcome(lambda: bp.train(**kw), spoiled)
    if history is not REFUSED:
        assert isinstance(history, bp.History) and (history.diverged_at is None or history.message)
        assert_finite([history.loss, history.val_loss, history.step_loss, history.accuracy, history.grad_norms])
        assert_finite(net.params)


# ---- datasets ----------------------------------------------------------------------------------

M = size(st.integers(1, 30))
SPREAD = hyper(st.floats(0, 1))


@pytest.mark.parametrize("name", ["xor", "moons", "sine"])
@SETTINGS
@given(case=cases(m=M, noise=SPREAD, seed=SEED))
def test_datasets_with_noise(name, case):
    kw, spoiled = case
    out = outcome(lambda: getattr(datasets, name)(**kw), spoiled)
    assert out is REFUSED or out[0].shape[1] == out[1].shape[-1] == kw["m"]


@SETTINGS
@given(case=cases(m=M, noise=SPREAD, factor=hyper(st.floats(0.01, 0.99)), seed=SEED))
def test_circles(case):
    kw, spoiled = case
    out = outcome(lambda: datasets.circles(**kw), spoiled)
    assert out is REFUSED or out[0].shape == (2, kw["m"])


@pytest.mark.parametrize("name, spread", [("spirals", "noise"), ("blobs", "std")])
@SETTINGS
@given(data=st.data())
def test_datasets_with_classes(name, spread, data):
    kw, spoiled = data.draw(
        cases(m=size(st.integers(4, 30)), classes=size(st.integers(1, 4)), seed=SEED, **{spread: SPREAD})
    )
    out = outcome(lambda: getattr(datasets, name)(**kw), spoiled)
    assert out is REFUSED or (out[0].shape == (2, kw["m"]) and out[1].max() < kw["classes"])


@settings(SETTINGS, max_examples=8)
@given(case=cases(scale=hyper(st.booleans())))
def test_load_digits(case):
    kw, spoiled = case
    out = outcome(lambda: datasets.load_digits(**kw), spoiled)
    assert out is REFUSED or out[0].shape == (64, 1797)


BAD_LABELS = st.one_of(
    st.lists(st.one_of(st.integers(-1, 9), st.floats(width=64), st.booleans(), st.text(max_size=1)), max_size=4),
    bad_array((5,)),
    bad_array((1, 5)),
)


@SETTINGS
@given(case=cases(y=(st.lists(st.integers(0, 4), max_size=6), BAD_LABELS), n_classes=size(st.integers(5, 6))))
def test_one_hot(case):
    kw, spoiled = case
    Y = outcome(lambda: datasets.one_hot(**kw), spoiled)
    assert Y is REFUSED or (Y.shape == (kw["n_classes"], len(kw["y"])) and (Y.sum(axis=0) == 1).all())


@SETTINGS
@given(
    case=cases(
        X=array((2, 6)),
        y=(st.sampled_from([np.arange(6), np.arange(6.0), np.eye(3, 6)]), bad_array((6,))),
        test_size=hyper(st.floats(0.1, 0.9)),
        seed=SEED,
    )
)
def test_train_test_split(case):
    kw, spoiled = case
    out = outcome(lambda: datasets.train_test_split(**kw), spoiled)
    if out is not REFUSED:
        X_tr, X_te, y_tr, y_te = out
        assert X_tr.shape[1] + X_te.shape[1] == 6 and X_te.shape[1] == y_te.shape[-1] >= 1
        given = np.asarray(kw["y"]).dtype
        assert y_tr.dtype == (given if given.kind in "biuf" else np.float64)  # numbers held as objects: float


# ---- gradcheck ---------------------------------------------------------------------------------

BAD_F = st.sampled_from(
    [
        lambda v: float("nan"),
        lambda v: v,  # not one number
        lambda v: "loss",
        lambda v: None,
        lambda v: True,
        lambda v: 1j,
        "f",
        None,
    ]
)


@SETTINGS
@given(
    case=cases(
        f=(st.sampled_from([lambda v: float(np.sum(v**2)), lambda v: np.array([[np.sum(v)]])]), BAD_F),
        x=array((2, 3)),
        h=hyper(st.floats(1e-6, 1e-3)),
    )
)
def test_numerical_gradient(case):
    kw, spoiled = case
    x_before = kw["x"].copy() if isinstance(kw["x"], np.ndarray) else None
    g = outcome(lambda: gradcheck.numerical_gradient(**kw), spoiled)
    assert g is REFUSED or g.shape == (2, 3)
    if x_before is not None and x_before.dtype.kind == "f":
        np.testing.assert_array_equal(kw["x"], x_before)  # restored exactly, also when refused midway


@SETTINGS
@given(case=cases(a=array((2, 3)), b=array((2, 3))))
def test_rel_error(case):
    kw, spoiled = case
    e = outcome(lambda: gradcheck.rel_error(**kw), spoiled)
    assert e is REFUSED or 0.0 <= e <= 1.0 + 1e-12


@settings(SETTINGS, max_examples=20)
@given(kind=st.integers(0, 3), data=st.data())
def test_check_network(kind, data):
    net, n_out = make_net(kind)
    kw, spoiled = data.draw(
        cases(
            net=(st.just(net), JUNK),
            X=array((3, 4)),
            Y=(targets_for(kind, 4), bad_targets((n_out, 4))),
            h=hyper(st.floats(1e-6, 1e-4)),
        )
    )
    report = outcome(lambda: gradcheck.check_network(**kw), spoiled)
    assert report is REFUSED or set(report.errors) == set(net.params)


# ---- initializers ------------------------------------------------------------------------------

RNG = (st.builds(np.random.default_rng, st.integers(0, 3)), st.one_of(JUNK, st.integers(0, 3)))


@pytest.mark.parametrize("name", list(initializers.INITIALIZERS))
@SETTINGS
@given(case=cases(n_out=size(st.integers(1, 4)), n_in=size(st.integers(1, 4)), rng=RNG, scale=hyper(POSITIVE)))
def test_initializers(name, case):
    kw, spoiled = case
    W = outcome(lambda: initializers.INITIALIZERS[name](**kw), spoiled)
    assert W is REFUSED or W.shape == (kw["n_out"], kw["n_in"])
    W = outcome(lambda: initializers.init_weights(name, **kw), spoiled)
    assert W is REFUSED or W.shape == (kw["n_out"], kw["n_in"])


@SETTINGS
@given(
    case=cases(
        hidden=(st.sampled_from(activations.HIDDEN_ACTIVATIONS), BAD_NAMES),
        name=(st.sampled_from(list(initializers.INITIALIZERS)), BAD_NAMES),
    )
)
def test_initializer_names(case):
    kw, spoiled = case
    init = outcome(lambda: initializers.default_for(kw["hidden"]), spoiled - {"name"})
    assert init is REFUSED or init in initializers.INITIALIZERS
    W = outcome(lambda: initializers.init_weights(kw["name"], 2, 3, np.random.default_rng(0)), spoiled - {"hidden"})
    assert W is REFUSED or W.shape == (2, 3)


# ---- the cases of issue 8, one by one ----------------------------------------------------------


def xor_net():
    X, y = datasets.xor(16, seed=0)
    return bp.MLP([2, 4, 2], seed=0), X, datasets.one_hot(y, 2)


def bn_cache():
    Z = np.random.default_rng(0).standard_normal((4, 6))
    return layers.batchnorm_forward(Z, np.ones((4, 1)), np.zeros((4, 1)))[1]


def one_d_bias_forward():
    net = bp.MLP([32, 32, 10], seed=0)
    net.params["b1"] = np.zeros(32)
    return net.forward(np.zeros((32, 64)))


def reused_adam():
    opt, (net, X, Y) = optim.Adam(), xor_net()
    bp.train(net, X, Y, opt, epochs=1)
    bp.train(bp.MLP([2, 8, 2], seed=0), X, Y, opt, epochs=1)


def reused_adam_step():
    opt = optim.Adam()
    opt.step({"W": np.zeros((2, 2))}, {"W": np.ones((2, 2))})
    opt.step({"W": np.zeros(3)}, {"W": np.ones(3)})


def train_with(**kw):
    net, X, Y = xor_net()
    return bp.train(net, X, Y, **kw)


EMPTY_X, EMPTY_Y = np.zeros((2, 0)), np.zeros((2, 0))
NO_EXAMPLES = r"X has shape \(2, 0\): 0 example\(s\) \(columns\), but at least 1 are needed"
CASES = {  # input → the message fragment it must raise (a regular expression)
    # silent wrong answers before
    "train(clip=-1.0)": (lambda: train_with(clip=-1.0), r"clip must be a positive number or None; got -1\.0"),
    "train(clip=0)": (lambda: train_with(clip=0), r"clip must be a positive number or None; got 0"),
    "clip_grad_norm(max_norm=nan)": (
        lambda: optim.clip_grad_norm({"W": np.ones(2)}, max_norm=float("nan")),
        r"max_norm must be a positive number; got nan",
    ),
    "batchnorm_forward(gamma (1, 4))": (
        lambda: layers.batchnorm_forward(np.ones((4, 4)), np.ones((1, 4)), np.zeros((4, 1))),
        r"gamma has shape \(1, 4\) but must be \(4, 1\), one value per row \(unit\) of Z; did you transpose it\?",
    ),
    "batchnorm_backward(dout (4, 1))": (
        lambda: layers.batchnorm_backward(np.ones((4, 1)), bn_cache()),
        r"dout has shape \(4, 1\); expected \(4, 6\)",
    ),
    "batchnorm_backward(dout (1, 6))": (
        lambda: layers.batchnorm_backward(np.ones((1, 6)), bn_cache()),
        r"dout has shape \(1, 6\); expected \(4, 6\)",
    ),
    "params['b1'] = np.zeros(32)": (
        one_d_bias_forward,
        r"net.params\['b1'\] has shape \(32,\) but must be \(32, 1\): a bias is a column, one row per unit, "
        r"so use \.reshape\(-1, 1\)",
    ),
    'MLP("64")': (
        lambda: bp.MLP("64"),
        r"layer_sizes must be a list of whole numbers such as \[64, 32, 10\]; got '64'",
    ),
    "MLP([64, 2.7, 10])": (
        lambda: bp.MLP([64, 2.7, 10]),
        r"layer_sizes must hold whole numbers; got 2\.7 at position 1 of \[64, 2\.7, 10\]",
    ),
    "Adam(beta1=1.0)": (lambda: optim.Adam(beta1=1.0), r"beta1 must be a number in \[0, 1\); got 1\.0 \(.*try 0\.9\)"),
    "Adam(beta2=1.5)": (
        lambda: optim.Adam(beta2=1.5),
        r"beta2 must be a number in \[0, 1\); got 1\.5 \(.*try 0\.999\)",
    ),
    "Adam(beta1=nan)": (lambda: optim.Adam(beta1=float("nan")), r"beta1 must be a number in \[0, 1\); got nan"),
    "Adam(eps=-1)": (lambda: optim.Adam(eps=-1), r"eps must be a positive number; got -1 \(.*try 1e-8\)"),
    "RMSProp(beta=2)": (lambda: optim.RMSProp(beta=2), r"beta must be a number in \[0, 1\); got 2"),
    "Momentum(beta=1.5)": (lambda: optim.Momentum(beta=1.5), r"beta must be a number in \[0, 1\); got 1\.5"),
    "Momentum(beta=-1)": (lambda: optim.Momentum(beta=-1), r"beta must be a number in \[0, 1\); got -1"),
    "Momentum(beta=True)": (lambda: optim.Momentum(beta=True), r"beta must be a number in \[0, 1\); got True"),
    "opt.beta1 = 1.0 later": (lambda: setattr(optim.Adam(), "beta1", 1.0), r"beta1 must be a number in \[0, 1\)"),
    "step with NaN gradients": (
        lambda: optim.SGD(lr=0.1).step({"W": np.ones(2)}, {"W": np.array([np.nan, 1.0])}),
        r"grads\['W'\] contains 1 NaN or inf value\(s\), the first at index \(0,\); it would make the parameters",
    ),
    "step with an extra key": (
        lambda: optim.SGD(lr=0.1).step({"W": np.ones(2)}, {"W": np.ones(2), "V": np.ones(2)}),
        r"grads has key\(s\) \['V'\] that params lacks; it must have the same keys as params",
    ),
    "net.loss with m = 0": (lambda: xor_net()[0].loss(EMPTY_X, EMPTY_Y), NO_EXAMPLES),
    "net.gradients with m = 0": (lambda: xor_net()[0].gradients(EMPTY_X, EMPTY_Y), NO_EXAMPLES),
    "train with m = 0": (lambda: bp.train(xor_net()[0], EMPTY_X, EMPTY_Y), NO_EXAMPLES),
    "complex X": (
        lambda: xor_net()[0].forward(np.ones((2, 3)) + 1j),
        r"X must hold real numbers; got complex values \(complex128\).* pass X\.real if the imaginary parts are 0",
    ),
    "softmax targets 3 − 4·eye": (
        lambda: bp.MLP([3, 3], seed=0).loss(np.eye(3), 3 - 4 * np.eye(3)),
        r"Y must hold probabilities in \[0, 1\] for softmax with cross-entropy; got -1 at index \(0, 0\); "
        r"for class labels y pass bp\.datasets\.one_hot\(y, 3\)",
    ),
    "softmax targets whose columns do not sum to 1": (
        lambda: bp.MLP([3, 3], seed=0).loss(np.eye(3), np.ones((3, 3))),
        r"every column of Y must sum to 1 for softmax with cross-entropy .*; column 0 sums to 3",
    ),
    "binary cross-entropy with Y = 2": (
        lambda: bp.MLP([2, 1], output="sigmoid", seed=0).loss(np.ones((2, 3)), np.full((1, 3), 2.0)),
        r"Y must hold probabilities in \[0, 1\] for binary cross-entropy; got 2 at index \(0, 0\)",
    ),
    "losses.cross_entropy(A, labels 3 − 4·eye)": (
        lambda: losses.cross_entropy(np.full((3, 3), 1 / 3), 3 - 4 * np.eye(3)),
        r"Y must hold probabilities in \[0, 1\] for categorical cross-entropy",
    ),
    "train(epochs=-3)": (lambda: train_with(epochs=-3), r"epochs must be ≥ 1; got -3"),
    "train(batch_size=2.7)": (
        lambda: train_with(batch_size=2.7),
        r"batch_size must be a whole number ≥ 1 or None; got 2\.7",
    ),
    'train(batch_size="16")': (
        lambda: train_with(batch_size="16"),
        r"batch_size must be a whole number ≥ 1 or None; got '16'",
    ),
    'load_digits(scale="no")': (lambda: datasets.load_digits(scale="no"), r"scale must be True or False; got 'no'"),
    'MLP(init="normal", scale=nan)': (
        lambda: bp.MLP([2, 2], init="normal", scale=float("nan")),
        r"scale must be a number in \(0, 1e\+06\]; got nan \(the standard deviation of init='normal'\)",
    ),
    "numerical_gradient at a NaN": (
        lambda: gradcheck.numerical_gradient(lambda v: float(v.sum()), np.array([np.nan, 1.0])),
        r"x contains 1 NaN or inf value\(s\), the first at index \(0,\); the gradient at a NaN or inf point",
    ),
    "numerical_gradient of an f returning NaN": (
        lambda: gradcheck.numerical_gradient(lambda v: float("nan"), np.ones(2)),
        r"f returned nan at x\[0\] \+ h: f must be finite near x",
    ),
    "numerical_gradient of an f returning an array": (
        lambda: gradcheck.numerical_gradient(lambda v: 2 * v, np.ones(2)),
        r"f must return one real number \(the loss\); at x\[0\] \+ h it returned an array of shape \(2,\)",
    ),
    "rel_error with NaN": (
        lambda: gradcheck.rel_error([np.nan, 1.0], [1.0, 1.0]),
        r"a contains 1 NaN or inf value\(s\), the first at index \(0,\); rel_error compares two finite gradients",
    ),
    # unhelpful raw exceptions before
    "grads as lists": (
        lambda: optim.SGD(lr=0.1).step({"W": np.ones(2)}, {"W": [1.0, 2.0]}),
        r"grads\['W'\] is \[1\.0, 2\.0\]; it must be a NumPy array of shape \(2,\) like params\['W'\]",
    ),
    "one Adam reused by train on a net of another shape": (
        reused_adam,
        r"this Adam holds state 'm' of shape \(4, 2\) for 'W1' from earlier steps, but params\['W1'\] has shape "
        r"\(8, 2\): it was used on another network\. Use a new optimizer per network, or call \.reset\(\) first",
    ),
    "one Adam reused by step on params of another shape": (reused_adam_step, r"this Adam holds state 'm'"),
    "batchnorm_forward(1-D Z)": (
        lambda: layers.batchnorm_forward(np.ones(4), np.ones((4, 1)), np.zeros((4, 1))),
        r"Z must be 2-D with one example per column, shape \(n, m\); got 1-D shape \(4,\)",
    ),
    "numerical_gradient(h=0)": (
        lambda: gradcheck.numerical_gradient(lambda v: float(v.sum()), np.ones(2), h=0),
        r"h must be a positive number; got 0 \(the step of the differences; try 1e-5\)",
    ),
    "numerical_gradient(h=1e-20)": (
        lambda: gradcheck.numerical_gradient(lambda v: float(v.sum()), np.ones(2), h=1e-20),
        r"h=1e-20 is too small for x\[0\] = 1: x ± h rounds back to x",
    ),
    "one_hot(y, 2.5)": (lambda: datasets.one_hot([0, 1], 2.5), r"n_classes must be a whole number ≥ 1; got 2\.5"),
    "train(epochs=2.5)": (lambda: train_with(epochs=2.5), r"epochs must be a whole number ≥ 1; got 2\.5"),
    'train("net", X, Y)': (
        lambda: bp.train("net", np.ones((2, 3)), np.ones((2, 3))),
        r"net must be a bp\.MLP network; got 'net' \(the call is train\(net, X, Y, optimizer, \.\.\.\)\)",
    ),
    "net.accuracy(X, labels of the wrong length)": (
        lambda: xor_net()[0].accuracy(np.ones((2, 16)), np.zeros(5)),
        r"Y has 5 labels but X has 16 examples \(columns\); they must match",
    ),
    "MLP(None)": (
        lambda: bp.MLP(None),
        r"layer_sizes must be a list of whole numbers such as \[64, 32, 10\]; got None",
    ),
    'MLP(seed="abc")': (lambda: bp.MLP([2, 2], seed="abc"), r"seed must be a whole number ≥ 0 or None; got 'abc'"),
    'train(seed="abc")': (lambda: train_with(seed="abc"), r"seed must be a whole number ≥ 0 or None; got 'abc'"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_issue_8_case(case):
    call, message = CASES[case]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(BPCourseError, match=message):
            call()


def test_one_hot_of_no_labels_is_empty():
    """one_hot([], 3) raised IndexError (an empty list is float64): it is Y of shape (3, 0)."""
    assert datasets.one_hot([], 3).shape == (3, 0)


def test_numerical_gradient_restores_x_when_f_fails():
    x = np.array([1.0, 2.0])
    with pytest.raises(BPCourseError):
        gradcheck.numerical_gradient(lambda v: float("inf") if v[1] > 2 else 0.0, x)
    np.testing.assert_array_equal(x, [1.0, 2.0])


def test_numerical_gradient_type_errors_are_still_type_errors():
    with pytest.raises(TypeError, match="float ndarray"):
        gradcheck.numerical_gradient(lambda v: 0.0, [1.0])
    with pytest.raises(BPCourseError, match="float ndarray"):
        gradcheck.numerical_gradient(lambda v: 0.0, np.array([1, 2]))


def test_rel_error_of_huge_values_does_not_overflow():
    assert gradcheck.rel_error([1e300, -1e300], [1e300, 1e300]) == pytest.approx(
        2 / (2 * np.sqrt(2))
    )  # 2e300 / 2√2e300


def test_reset_lets_an_optimizer_move_to_another_network():
    opt = optim.Adam()
    opt.step({"W": np.zeros((2, 2))}, {"W": np.ones((2, 2))})
    opt.reset()
    params = {"W": np.zeros(3)}
    opt.step(params, {"W": np.ones(3)})
    np.testing.assert_allclose(params["W"], -1e-3, rtol=1e-6)


def test_update_that_overflows_is_reported():
    params = {"W": np.array([1e308])}
    with pytest.raises(
        BPCourseError, match=r"params\['W'\] after the update contains 1 NaN or inf .* smaller learning"
    ):
        optim.SGD(lr=1e10).step(params, {"W": np.array([-1e300])})


def test_overflowing_forward_pass_is_reported():
    net = bp.MLP([1, 1], output="identity", loss="mse", seed=0)
    net.params["W1"][...] = 1e300
    with pytest.raises(BPCourseError, match=r"the forward pass overflowed to inf or NaN although X and the param"):
        net.forward(np.array([[1e10]]))
    net.params["W1"][...] = 1e200  # Z = 1e210 is finite, but ½ Z² is not
    with pytest.raises(BPCourseError, match=r"the loss overflowed to inf or NaN although X and the parameters are"):
        net.loss(np.array([[1e10]]), np.zeros((1, 1)))


def test_valid_odd_inputs_still_work():
    """Bool and int arrays are numbers, a single column is a batch, labels may be floats or bools."""
    net, X, Y = xor_net()
    assert net.forward(X > 0.5).shape == (2, 16)
    assert net.loss(X[:, :1], Y[:, :1].astype(int)) > 0
    np.testing.assert_array_equal(datasets.one_hot(np.array([True, False]), 2), [[0, 1], [1, 0]])
    assert bp.MLP(np.array([2, 3, 2]), seed=np.int64(1)).sizes == [2, 3, 2]
    assert bp.MLP([2.0, 3, 2]).sizes == [2, 3, 2]
    assert optim.Adam(lr=np.float32(0.01), beta1=0).beta1 == 0.0


# ---- the divergence criterion --------------------------------------------------------------------


def test_runaway_loss_stops_training_before_it_overflows():
    """SGD(lr=1e6) on the digits: the loss grows to ~1e69 without ever becoming inf; it stops at 1e6 × the first."""
    X, y = datasets.load_digits()
    with pytest.raises(bp.TrainingDiverged) as err:
        bp.train(bp.MLP([64, 32, 10], seed=0), X, datasets.one_hot(y, 10), optim.SGD(lr=1e6), epochs=5)
    assert isinstance(err.value, BPCourseError) and isinstance(err.value, FloatingPointError)
    assert "exceeded" in str(err.value) and "× max(1, its first value" in str(err.value)
    assert "The learning rate 1e+06 is probably too large; try 1e+05." in str(err.value)


def test_divergence_criterion_spares_healthy_runs():
    """Runs that rise for a while and settle, tiny and huge loss scales, a network trained further."""
    # the oscillating learning rates of the chapter 1 explorer: the loss rises on 13–19 steps but settles
    X, Y = datasets.sine(100, seed=0)
    for lr in (10**-0.5, 10**-0.25):
        net = bp.MLP([1, 16, 1], hidden="tanh", output="identity", loss="mse", seed=0)
        h = bp.train(net, X, Y, optim.SGD(lr=lr), epochs=200, batch_size=None)
        assert h.diverged_at is None and max(h.step_loss) < 10 * h.step_loss[0]
    # MSE on targets of order 1e-4 (first loss ~1e-8) and 1e4 (first loss ~1e8): both train normally
    for scale, lr in ((1e-4, 0.05), (1e4, 1e-3)):
        net = bp.MLP([1, 16, 1], hidden="tanh", output="identity", loss="mse", seed=0)
        h = bp.train(net, X, scale * Y, optim.Adam(lr=lr), epochs=20, batch_size=20)
        assert h.diverged_at is None
    # a network trained to a tiny loss, then trained further: its first loss is tiny, the limit is still 1e6
    net, Xc, Yc = xor_net()
    bp.train(net, Xc, Yc, optim.Adam(lr=0.05), epochs=200, batch_size=None)
    h = bp.train(net, Xc, Yc, optim.Adam(lr=0.05), epochs=50, batch_size=4)
    assert h.diverged_at is None and h.step_loss[0] < 1e-2


def test_divergence_limit_is_documented_and_named_in_the_message():
    assert DIVERGENCE_FACTOR == 1e6
    X, Y = datasets.sine(40, seed=0)
    net = bp.MLP([1, 16, 1], hidden="relu", output="identity", loss="mse", seed=0)
    h = bp.train(net, X, Y, optim.SGD(lr=1e6), epochs=5, batch_size=10, on_diverge="stop")
    first = h.step_loss[0]
    assert h.message.startswith(f"training stopped at step {h.diverged_at} (epoch 1): the loss ")
    assert (
        f"exceeded {DIVERGENCE_FACTOR * max(1, first):.3g} = 1e+06 × max(1, its first value {first:.3g})" in h.message
    )


# ---- validation stays out of the training loop's steps --------------------------------------------


def test_train_checks_once_not_per_step(monkeypatch):
    """params are checked once per call; no @checked function runs its checks; Optimizer.step is not used."""
    import bpcourse.errors as errors_module
    import bpcourse.network as network_module

    calls = {"params": 0, "checked": 0}
    check_params, finite_result = network_module.check_params, errors_module.finite_result

    def counting_params(*args, **kwargs):
        calls["params"] += 1
        return check_params(*args, **kwargs)

    def counting_checked(*args, **kwargs):
        calls["checked"] += 1
        return finite_result(*args, **kwargs)

    monkeypatch.setattr(network_module, "check_params", counting_params)
    monkeypatch.setattr(errors_module, "finite_result", counting_checked)
    monkeypatch.setattr(optim.Optimizer, "step", lambda *a: pytest.fail("train must use the unchecked _step"))
    net, X, Y = xor_net()
    h = bp.train(net, X, Y, optim.Adam(lr=0.01), epochs=5, batch_size=4, clip=1.0, X_val=X, Y_val=Y)
    assert len(h.step_loss) == 20
    assert calls == {"params": 1, "checked": 0}


def test_train_test_split_gives_labels_held_as_objects_a_numeric_dtype():
    parts = datasets.train_test_split(np.zeros((2, 6)), np.array([0.0, 1, 0, 1, 0, 1], dtype=object), seed=0)
    assert [p.dtype.kind for p in parts] == ["f", "f", "f", "f"]


def test_train_refuses_a_list_as_its_optimizer():
    net = bp.MLP([3, 4, 1], hidden="tanh", output="sigmoid", loss="cross_entropy", seed=0)
    with pytest.raises(BPCourseError):
        bp.train(net, np.zeros((3, 6)), np.zeros((1, 6)), [[1.0, 2.0], [3.0]], epochs=1)
