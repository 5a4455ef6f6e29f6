"""bpcourse.autodiff: the engine gradient-checked on random expressions over every op and shape, forks,
rule overrides, the trace hook, the MLP built from nodes against net.gradients, and clear errors."""

import numpy as np
import pytest
from test_network import GRID, grid_case

import bpcourse as bp
import bpcourse.autodiff as ad
from bpcourse.errors import BPCourseError
from bpcourse.gradcheck import numerical_gradient, rel_error

# ---- a seeded random grammar of expressions ------------------------------------------------------
# An expression is a tree of tuples; ``generate(rng, shape, depth)`` returns one whose value has exactly
# ``shape``. Operands of the element-wise binary ops get shapes that broadcast to it (leading axes dropped,
# axes set to 1), so un-broadcasting is checked too. Divisors, logs and fractional powers get positive inputs.

SHAPES = [(), (3,), (2, 3), (2, 1), (1, 3), (3, 2)]
BINARY = ("add", "sub", "mul", "div", "max")
UNARY = ("neg", "exp", "log", "tanh", "sigmoid", "relu", "pow")
EXPONENTS = (2, 3, -1, 0.5, 1.5, -0.5)


def broadcastable(rng, shape):
    """A shape that broadcasts to ``shape``: some leading axes dropped and/or some axes set to 1."""
    out = list(shape[int(rng.integers(0, len(shape) + 1)) :] if rng.random() < 0.5 else shape)
    for i in range(len(out)):
        if rng.random() < 0.3:
            out[i] = 1
    return tuple(out)


def generate(rng, shape, depth, leaves):
    """A random expression tree of value shape ``shape``; new leaf arrays are appended to ``leaves``."""
    if depth == 0 or rng.random() < 0.2:
        leaves.append(rng.standard_normal(shape))
        return ("leaf", len(leaves) - 1)
    choices = list(BINARY + UNARY) + ["sum", "mean", "const"] + (["matmul"] * 2 if len(shape) == 2 else [])
    op = choices[int(rng.integers(len(choices)))]
    sub = lambda s=shape: generate(rng, s, depth - 1, leaves)  # noqa: E731
    if op in BINARY:
        left, right = sub(), sub(broadcastable(rng, shape))
        if rng.random() < 0.5:
            left, right = right, left
        if op == "div":
            right = ("positive", right)
        return (op, left, right)
    if op == "const":  # a plain number or array on either side: the reflected operators
        value = float(rng.uniform(0.5, 2.0)) if rng.random() < 0.5 else rng.uniform(0.5, 2.0, broadcastable(rng, shape))
        return ("const", ["add", "sub", "mul", "div"][int(rng.integers(4))], value, sub(), rng.random() < 0.5)
    if op == "matmul":
        k = int(rng.integers(1, 4))
        return ("matmul", sub((shape[0], k)), sub((k, shape[1])))
    if op in ("sum", "mean"):
        if len(shape) < 2 and rng.random() < 0.3:  # reduce everything to a scalar, then broadcast it back
            inner = ("sum_all", op, sub(SHAPES[int(rng.integers(1, len(SHAPES)))]))
            return inner if shape == () else ("add", inner, sub())
        axis = int(rng.integers(0, len(shape) + 1))
        keepdims = axis < len(shape) and shape[axis] == 1 and rng.random() < 0.5
        size = int(rng.integers(2, 4))
        bigger = shape[:axis] + (size,) + (shape[axis + 1 :] if keepdims else shape[axis:])
        return (op, sub(bigger), axis, keepdims)
    if op == "pow":
        p = EXPONENTS[int(rng.integers(len(EXPONENTS)))]
        return ("pow", sub() if p in (2, 3) else ("positive", sub()), p)
    if op == "log":
        return ("log", ("positive", sub()))
    if op == "exp":
        return ("exp", ("tanh", sub()))  # bounded exponents keep the values O(1)
    return (op, sub())


def build(tree, nodes):
    """Evaluate ``tree`` with the engine on the leaf nodes ``nodes``."""
    kind = tree[0]
    if kind == "leaf":
        return nodes[tree[1]]
    if kind == "positive":  # x² + 0.5 > 0
        x = build(tree[1], nodes)
        return x * x + 0.5
    if kind == "const":
        _, op, value, sub, on_left = tree
        x = build(sub, nodes)
        if op == "div":
            return value / (x * x + 0.5) if on_left else x / value
        f = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b, "mul": lambda a, b: a * b}[op]
        return f(value, x) if on_left else f(x, value)
    if kind == "sum_all":
        x = build(tree[2], nodes)
        return x.sum() if tree[1] == "sum" else x.mean()
    if kind in ("sum", "mean"):
        x = build(tree[1], nodes)
        return getattr(x, kind)(axis=tree[2], keepdims=tree[3])
    if kind == "pow":
        return build(tree[1], nodes) ** tree[2]
    if kind in BINARY or kind == "matmul":
        a, b = build(tree[1], nodes), build(tree[2], nodes)
        return {
            "add": lambda: a + b,
            "sub": lambda: a - b,
            "mul": lambda: a * b,
            "div": lambda: a / b,
            "max": lambda: ad.maximum(a, b),
            "matmul": lambda: a @ b,
        }[kind]()
    x = build(tree[1], nodes)
    return -x if kind == "neg" else getattr(x, kind)()


def random_expression(seed):
    rng = np.random.default_rng(seed)
    shape = SHAPES[seed % len(SHAPES)]
    leaves = []
    tree = generate(rng, shape, 4, leaves)
    if not leaves:  # a tree of constants only: give it an input
        leaves.append(rng.standard_normal(shape))
        tree = ("add", tree, ("leaf", 0))
    return tree, leaves, rng.standard_normal(shape)


N_EXPRESSIONS = 240


def check_expression(seed):
    """(relative error of the engine's gradients vs finite differences, the ops used, number of entries)."""
    tree, leaves, w = random_expression(seed)
    nodes = [ad.Node(x) for x in leaves]
    root = build(tree, nodes)
    if root.shape == ():
        root.backward()  # seed 1
        w = np.array(1.0)
    else:
        root.backward(seed=w)  # ∂(Σ w ⊙ root)/∂leaf

    def f(_):
        return float(np.sum(w * build(tree, [ad.Node(x) for x in leaves]).value))

    engine = np.concatenate([n.grad.ravel() for n in nodes])
    numerical = np.concatenate([numerical_gradient(f, x).ravel() for x in leaves])
    ops = {n.op for n in ad.topological_order(root)}
    return rel_error(engine, numerical), ops, engine.size


def test_random_expressions_match_finite_differences():
    errors, ops_seen, kinds = [], set(), set()
    for seed in range(N_EXPRESSIONS):
        err, ops, _ = check_expression(seed)
        errors.append(err)
        ops_seen |= ops
        kinds.add(random_expression(seed)[0][0])
    worst = int(np.argmax(errors))
    assert max(errors) < 1e-7, f"expression {worst}: {random_expression(worst)[0]}"
    assert ops_seen == set(ad.VJP) | {"input"}  # every op of the rule table was checked
    assert len(errors) >= 200


def test_grammar_covers_broadcasting_and_every_shape():
    shapes = set()
    broadcast = 0
    for seed in range(N_EXPRESSIONS):
        tree, leaves, _ = random_expression(seed)
        root = build(tree, [ad.Node(x) for x in leaves])
        for n in ad.topological_order(root):
            shapes.add(n.shape)
            broadcast += any(p.shape != n.shape for p in n.parents if n.op in BINARY)
    assert set(SHAPES) <= shapes
    assert broadcast > 100


# ---- the engine by hand ---------------------------------------------------------------------------


def test_scalar_example_by_hand_and_fork_accumulates():
    # L = x·y + x: x is used twice, so ∂L/∂x = y + 1 (the sum of both paths)
    x, y = ad.Node(2.0, name="x"), ad.Node(-3.0, name="y")
    L = x * y + x
    L.backward()
    assert float(L.value) == -4.0
    assert float(x.grad) == -2.0 and float(y.grad) == 2.0
    # x·x: one op with the same parent twice
    z = ad.Node(3.0)
    (z * z).backward()
    assert float(z.grad) == 6.0


def test_gates_route_scale_and_switch():
    a, b = ad.Node(2.0), ad.Node(5.0)
    (a + b).backward()
    assert (float(a.grad), float(b.grad)) == (1.0, 1.0)  # add routes g unchanged to both
    a, b = ad.Node(2.0), ad.Node(5.0)
    (a * b).backward()
    assert (float(a.grad), float(b.grad)) == (5.0, 2.0)  # mul scales g by the other input
    a, b = ad.Node(2.0), ad.Node(5.0)
    ad.maximum(a, b).backward()
    assert (float(a.grad), float(b.grad)) == (0.0, 1.0)  # max switches g to the larger input


def test_bias_broadcast_sums_over_columns():
    Z = ad.Node(np.zeros((2, 3)))
    b = ad.Node(np.zeros((2, 1)))
    (Z + b).backward(seed=np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(b.grad, [[3.0], [12.0]])
    np.testing.assert_array_equal(Z.grad, np.arange(6.0).reshape(2, 3))


def test_leaves_accumulate_across_calls_interior_nodes_do_not():
    x = ad.Node(3.0)
    h = x * 2.0
    L = h * h  # L = 4x², dL/dx = 8x = 24
    L.backward()
    L.backward()
    assert float(x.grad) == 48.0  # leaves accumulate like torch's .grad
    assert float(h.grad) == 12.0  # interior grads are recomputed: 2h
    ad.zero_grad(L)
    assert float(x.grad) == 0.0
    L.backward()
    assert float(x.grad) == 24.0


def test_topological_order_parents_first_and_deep_graph():
    x = ad.Node(0.5)
    y = x
    for _ in range(20000):  # far beyond Python's recursion limit
        y = y * 1.0 + 0.0
    order = ad.topological_order(y)
    assert order[0] is x and order[-1] is y and len(order) == 1 + 2 * 20000 + 2 * 20000
    y.backward()
    assert float(x.grad) == 1.0
    position = {id(n): i for i, n in enumerate(order)}
    assert all(position[id(p)] < position[id(n)] for n in order for p in n.parents)


def test_rules_override_the_table():
    calls = []

    def double_mul(g, a, b):
        calls.append((a.shape, b.shape))
        return 2 * g * b, 2 * g * a

    x, y = ad.Node(2.0), ad.Node(-3.0)
    L = x * y + x
    L.backward(rules={"mul": double_mul})
    assert calls == [((), ())]
    assert (float(x.grad), float(y.grad)) == (-5.0, 4.0)  # 2y + 1, 2x
    assert ad.VJP["mul"](np.array(1.0), np.array(2.0), np.array(-3.0)) == (-3.0, 2.0)  # the table is unchanged


def test_vjp_signatures_of_the_exercise_rules():
    g, A, B = np.ones((2, 2)), np.arange(6.0).reshape(2, 3), np.arange(6.0).reshape(3, 2)
    gA, gB = ad.VJP["matmul"](g, A, B)
    np.testing.assert_array_equal(gA, g @ B.T)
    np.testing.assert_array_equal(gB, A.T @ g)
    (gx,) = ad.VJP["tanh"](np.array(2.0), np.array(0.5))  # from the output: 2·(1 − 0.5²)
    assert float(gx) == 1.5


def test_trace_reports_every_contribution_and_the_running_sum():
    x, y = ad.Node(2.0, name="x"), ad.Node(-3.0, name="y")
    L = x * y + x
    steps = []
    L.backward(
        trace=lambda node, parent, g, c, total: steps.append((node.op, parent.name, float(g), float(c), float(total)))
    )
    # reverse topological order: the add first (x gets 1), then the mul (x gets y = -3: running sum -2)
    assert steps == [
        ("add", None, 1.0, 1.0, 1.0),
        ("add", "x", 1.0, 1.0, 1.0),
        ("mul", "x", 1.0, -3.0, -2.0),
        ("mul", "y", 1.0, 2.0, 2.0),
    ]


# ---- layers are VJPs; the MLP from nodes is net.gradients -------------------------------------------


def test_layers_are_the_vjps_of_their_nodes():
    rng = np.random.default_rng(0)
    A_prev, W, b = rng.standard_normal((3, 5)), rng.standard_normal((4, 3)), rng.standard_normal((4, 1))
    dZ = rng.standard_normal((4, 5))
    nA, nW, nb = ad.Node(A_prev), ad.Node(W), ad.Node(b)
    (nW @ nA + nb).backward(seed=dZ)
    _, cache = bp.layers.linear_forward(A_prev, W, b)
    dA_prev, dW, db = bp.layers.linear_backward(dZ, cache)
    np.testing.assert_array_equal(nA.grad, dA_prev)
    np.testing.assert_array_equal(nW.grad, dW)
    np.testing.assert_allclose(nb.grad, db, rtol=0, atol=1e-15)
    for name in ("sigmoid", "tanh", "relu"):
        Z = ad.Node(rng.standard_normal((4, 5)))
        getattr(Z, name)().backward(seed=dZ)
        _, a_cache = bp.layers.activation_forward(Z.value, name)
        np.testing.assert_allclose(Z.grad, bp.layers.activation_backward(dZ, a_cache), rtol=0, atol=1e-15)


@pytest.mark.parametrize("depth,hidden,output,loss,bn", GRID)
def test_mlp_graph_matches_net_gradients(depth, hidden, output, loss, bn):
    net, X, Y = grid_case(depth, hidden, output, loss, bn)
    L, params = ad.mlp_graph(net, X, Y)
    L.backward()
    L_lib, grads = net.loss_and_gradients(X, Y)
    assert abs(float(L.value) - L_lib) < 1e-12
    assert params.keys() == grads.keys()
    for k, g in grads.items():
        np.testing.assert_allclose(params[k].grad, g, rtol=0, atol=1e-12, err_msg=k)
        assert params[k].value is net.params[k]  # the nodes share the network's memory


# ---- bad inputs -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "make,message",
    [
        (lambda: ad.Node("abc"), "the value of a Node must be a numeric array; got str"),
        (lambda: ad.Node([1.0, np.nan]), "NaN"),
        (lambda: ad.Node(np.ones((2, 3))) @ ad.Node(np.ones((2, 3))), "matmul (@) needs A's columns to match B's rows"),
        (lambda: ad.Node(np.ones(3)) @ ad.Node(np.ones((3, 1))), "matmul (@) needs two 2-D arrays"),
        (lambda: ad.Node(2.0) ** ad.Node(3.0), "x ** p needs a constant number p"),
        (lambda: 2.0 ** ad.Node(3.0), "has the node in the exponent"),
        (lambda: ad.Node(np.ones((2, 3))).backward(), "backward from a root of shape (2, 3) needs seed="),
        (lambda: ad.Node(np.ones(2)).backward(seed=np.ones(3)), "seed has shape (3,) but the root has (2,)"),
        (lambda: ad.Node(np.ones((2, 3))) + ad.Node(np.ones(4)), "add cannot combine shapes (2, 3) and (4,)"),
        (lambda: ad.Node(-1.0).log(), "log needs positive values"),
        (lambda: ad.Node(1.0) / ad.Node(0.0), "division by zero"),
        (lambda: ad.Node(-2.0) ** 0.5, "a negative number has no real non-integer power"),
        (lambda: ad.Node(800.0).exp(), "exp gave inf or NaN"),
        (lambda: ad.Node(np.ones((2, 3))).sum(axis=2), "sum(axis=...) needs None or an axis"),
        (lambda: ad.Node(1.0) + "a", "add needs a Node, a number or an array"),
        (lambda: ad.backward(3.0), "root must be a Node"),
        (lambda: ad.Node(1.0).backward(rules={"mull": lambda g, a, b: (g, g)}), "rules has unknown op(s) ['mull']"),
    ],
)
def test_bad_inputs_raise_clear_errors(make, message):
    with pytest.raises(BPCourseError) as info:
        make()
    assert message in str(info.value)


def test_a_wrong_rule_is_named():
    x, y = ad.Node(np.ones((2, 3))), ad.Node(np.ones((3, 1)))
    with pytest.raises(BPCourseError, match=r"the rule for 'matmul' returned a gradient of shape \(1, 3\)"):
        (x @ y).sum().backward(rules={"matmul": lambda g, A, B: (g @ B.T, (A.T @ g).T)})  # transposed dB
    with pytest.raises(BPCourseError, match=r"the rule for 'matmul' raised ValueError: matmul: Input operand 1"):
        (x @ y).sum().backward(rules={"matmul": lambda g, A, B: (g @ B.T, A @ g.T)})  # shapes that do not fit
    with pytest.raises(BPCourseError, match=r"the rule for 'tanh' must return a tuple of 1 gradient"):
        x.tanh().sum().backward(rules={"tanh": lambda g, out: g * (1 - out**2)})  # no tuple
