r"""A tiny reverse-mode automatic differentiation engine on NumPy arrays (chapter 3b).

A computation is a graph of ``Node`` objects. Each node holds its ``value`` (a float64 array,
0-d for a scalar), the ``parents`` it was computed from and the name of its ``op``.
``backward(root)`` visits the nodes in reverse topological order (every node after all the
nodes that use it) and hands each one's gradient back to its parents through the node's
vector-Jacobian product (VJP): if out = f(a, b) and g = ∂L/∂out, then

    ∂L/∂a += g · ∂out/∂a,   ∂L/∂b += g · ∂out/∂b

with ``+=``: a node used by several children (a fork) receives the sum of their contributions.

    import bpcourse.autodiff as ad
    x, y = ad.Node(2.0, name="x"), ad.Node(-3.0, name="y")
    L = x * y + x          # x is used twice
    L.backward()           # x.grad = y + 1 = -2.0, y.grad = x = 2.0

Every local backward is a pure function of arrays in the one table ``VJP``, so a rule can be read,
tested or replaced (``backward(root, rules={"mul": my_mul})``) on its own.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from functools import partialmethod

import numpy as np

from .errors import BPCourseError, BPCourseTypeError, describe, real_array
from .i18n import _

# ---- the rules: one local backward per op -----------------------------------------------------
# g is ∂L/∂out, with out's shape. Each rule returns one gradient per parent, before un-broadcasting
# (the engine sums each one back to its parent's shape).


def _add(g, a, b):
    return g, g  # a router: the gradient passes unchanged to both inputs


def _sub(g, a, b):
    return g, -g


def _mul(g, a, b):
    return g * b, g * a  # a scaler: each input gets g times the other input


def _div(g, a, b):
    return g / b, -g * a / b**2


def _neg(g, a):
    return (-g,)


def _pow(g, a, p):
    return (g * p * a ** (p - 1),)  # p is a constant number


def _exp(g, out):
    return (g * out,)  # (e^x)' = e^x: the output itself


def _log(g, x):
    return (g / x,)


def _tanh(g, out):
    return (g * (1.0 - out**2),)  # tanh' = 1 − tanh²: from the output


def _sigmoid(g, out):
    return (g * out * (1.0 - out),)  # σ' = σ(1 − σ): from the output


def _relu(g, x):
    return (g * (x > 0),)  # a switch: open where x > 0 (closed at 0, as in the library)


def _maximum(g, a, b):
    return g * (a >= b), g * (a < b)  # a switch: the larger input takes all of g (a on a tie)


def _matmul(g, A, B):
    return g @ B.T, A.T @ g  # out = A B:  dA = g Bᵀ,  dB = Aᵀ g


def _sum(g, a, axis, keepdims):
    if axis is not None and not keepdims:
        g = np.expand_dims(g, axis)
    return (np.broadcast_to(g, a.shape).copy(),)  # every summed entry gets the same g


VJP: dict[str, Callable] = {
    "add": _add,
    "sub": _sub,
    "mul": _mul,
    "div": _div,
    "neg": _neg,
    "pow": _pow,
    "exp": _exp,
    "log": _log,
    "tanh": _tanh,
    "sigmoid": _sigmoid,
    "relu": _relu,
    "max": _maximum,
    "matmul": _matmul,
    "sum": _sum,
}
"""The local backward (vector-Jacobian product) of each op, as a pure function of arrays.

Signatures (g = ∂L/∂out; a, b, x, A, B the parents' values; out the node's own value):

    add(g, a, b) -> (ga, gb)        sub(g, a, b) -> (ga, gb)     mul(g, a, b) -> (ga, gb)
    div(g, a, b) -> (ga, gb)        neg(g, a) -> (ga,)           pow(g, a, p) -> (ga,)  p a constant
    exp(g, out) -> (gx,)            log(g, x) -> (gx,)           tanh(g, out) -> (gx,)
    sigmoid(g, out) -> (gx,)        relu(g, x) -> (gx,)          max(g, a, b) -> (ga, gb)
    matmul(g, A, B) -> (gA, gB)     sum(g, a, axis, keepdims) -> (ga,)

Results come before un-broadcasting: the engine sums each one back to its parent's shape.
"""


def _rule_inputs(node: Node) -> tuple:
    """What ``VJP[node.op]`` receives after g (see the table's docstring)."""
    if node.op in ("exp", "tanh", "sigmoid"):
        return (node.value,)
    values = tuple(p.value for p in node.parents)
    if node.op == "pow":
        return values + (node.ctx,)
    if node.op == "sum":
        return values + node.ctx
    return values


# ---- the node --------------------------------------------------------------------------------


class Node:
    """One value of a computation: ``value`` (float64 array, any shape; 0-d for a scalar), ``grad``
    (∂root/∂value, same shape, zeros until ``backward``), ``parents``, ``op`` and an optional ``name``."""

    __array_ufunc__ = None  # ndarray + Node calls Node.__radd__ instead of broadcasting over the node

    def __init__(self, value, name: str | None = None):
        if isinstance(value, Node):
            raise BPCourseTypeError(_("Node(value) takes numbers or an array, not a Node; use the node itself"))
        # no copy of a float64 array: a gradient check may perturb the array in place
        self.value = np.asarray(real_array(_("the value of a Node"), value), dtype=np.float64)
        self.grad = np.zeros_like(self.value)
        self.parents: tuple[Node, ...] = ()
        self.op = "input"
        self.ctx = None  # a constant the rule needs: pow's exponent, sum's (axis, keepdims)
        if name is not None and not isinstance(name, str):
            raise BPCourseTypeError(_("name must be a string label such as 'x'; got {got}").format(got=describe(name)))
        self.name = name

    @classmethod
    def _result(cls, value: np.ndarray, parents: tuple, op: str, ctx=None) -> Node:
        """The node ``op(*parents)``: its value was computed from already checked parents."""
        if not np.isfinite(value).all():
            raise BPCourseError(
                _("{op} gave inf or NaN (an overflow, e.g. exp of a large number); scale the inputs down").format(op=op)
            )
        node = cls.__new__(cls)
        node.value, node.grad, node.parents = value, np.zeros_like(value), parents
        node.op, node.ctx, node.name = op, ctx, None
        return node

    @property
    def shape(self) -> tuple:
        return self.value.shape

    def __repr__(self) -> str:
        label = f"{self.name!r}, " if self.name else ""
        shown = f"{float(self.value):.4g}" if self.value.ndim == 0 else f"shape {self.value.shape}"
        return f"Node({label}op={self.op!r}, value {shown})"

    # ---- arithmetic: each computes out and records its parents -------------------------------
    def _binary(self, other, op: str, f: Callable, reflected: bool = False) -> Node:
        other = _as_node(other, op)
        a, b = (other, self) if reflected else (self, other)
        try:
            np.broadcast_shapes(a.shape, b.shape)
        except ValueError:
            raise BPCourseError(
                _(
                    "{op} cannot combine shapes {a} and {b}: under NumPy broadcasting each "
                    "trailing dimension must be equal or 1 (a bias is a column (n, 1) added to (n, m))"
                ).format(op=op, a=a.shape, b=b.shape)
            ) from None
        with np.errstate(all="ignore"):  # an overflow is refused by _result, with a message
            return Node._result(f(a.value, b.value), (a, b), op)

    __add__ = partialmethod(_binary, op="add", f=np.add)
    __radd__ = partialmethod(_binary, op="add", f=np.add, reflected=True)
    __sub__ = partialmethod(_binary, op="sub", f=np.subtract)
    __rsub__ = partialmethod(_binary, op="sub", f=np.subtract, reflected=True)
    __mul__ = partialmethod(_binary, op="mul", f=np.multiply)
    __rmul__ = partialmethod(_binary, op="mul", f=np.multiply, reflected=True)

    def __truediv__(self, other):
        return _as_node(other, "div")._divides(self)

    def __rtruediv__(self, other):
        return self._divides(_as_node(other, "div"))

    def _divides(self, numerator: Node) -> Node:
        if (self.value == 0).any():
            raise BPCourseError(_("division by zero: the divisor {node} has a 0 entry").format(node=_label(self)))
        return numerator._binary(self, "div", np.divide)

    def __neg__(self):
        return Node._result(-self.value, (self,), "neg")

    def __pow__(self, p):
        if isinstance(p, Node) or not isinstance(p, numbers.Real) or isinstance(p, bool):
            raise BPCourseTypeError(
                _(
                    "x ** p needs a constant number p; got {got}: for a variable exponent write (p * x.log()).exp()"
                ).format(got=describe(p))
            )
        p = float(p)
        if p != int(p) and (self.value < 0).any():
            raise BPCourseError(
                _("{node} ** {p:g}: a negative number has no real non-integer power").format(node=_label(self), p=p)
            )
        if p < 0 and (self.value == 0).any():
            raise BPCourseError(_("{node} ** {p:g}: 0 to a negative power is infinite").format(node=_label(self), p=p))
        with np.errstate(over="ignore"):
            return Node._result(self.value**p, (self,), "pow", ctx=p)

    def __rpow__(self, base):
        raise BPCourseTypeError(
            _("{base} ** x has the node in the exponent; write (x * log(base)).exp() instead").format(
                base=describe(base)
            )
        )

    def __matmul__(self, other):
        return _matmul(self, _as_node(other, "matmul"))

    def __rmatmul__(self, other):
        return _matmul(_as_node(other, "matmul"), self)

    # ---- functions of one input --------------------------------------------------------------
    def exp(self) -> Node:
        with np.errstate(over="ignore"):
            return Node._result(np.exp(self.value), (self,), "exp")

    def log(self) -> Node:
        if (self.value <= 0).any():
            raise BPCourseError(
                _("log needs positive values; {node} has a minimum of {minimum:.4g}").format(
                    node=_label(self), minimum=self.value.min()
                )
            )
        return Node._result(np.log(self.value), (self,), "log")

    def tanh(self) -> Node:
        return Node._result(np.tanh(self.value), (self,), "tanh")

    def sigmoid(self) -> Node:
        E = np.exp(-np.abs(self.value))  # never overflows; the form per sign is the same σ
        return Node._result(np.where(self.value >= 0, 1.0 / (1.0 + E), E / (1.0 + E)), (self,), "sigmoid")

    def relu(self) -> Node:
        return Node._result(np.maximum(self.value, 0.0), (self,), "relu")

    def sum(self, axis: int | None = None, keepdims: bool = False) -> Node:
        """Σ over ``axis`` (None: every entry, giving a scalar); keepdims keeps it as a length-1 axis."""
        if axis is not None:
            ndim = self.value.ndim
            if not isinstance(axis, numbers.Integral) or isinstance(axis, bool) or not -ndim <= axis < ndim:
                raise BPCourseError(
                    _(
                        "sum(axis=...) needs None or an axis of the {ndim}-D value of shape {shape} "
                        "(0 … {last}); got {got}"
                    ).format(ndim=ndim, shape=self.shape, last=ndim - 1, got=describe(axis))
                )
            axis = int(axis) % ndim
        keepdims = bool(keepdims)
        return Node._result(np.sum(self.value, axis=axis, keepdims=keepdims), (self,), "sum", ctx=(axis, keepdims))

    def mean(self, axis: int | None = None, keepdims: bool = False) -> Node:
        """The sum over ``axis`` times 1/count: a composite of two nodes, no rule of its own."""
        count = self.value.size if axis is None else self.value.shape[axis]
        return self.sum(axis, keepdims) * (1.0 / count)

    def backward(self, **kwargs) -> None:
        """``backward(self, **kwargs)``: see the module function."""
        backward(self, **kwargs)


def _label(node: Node) -> str:
    """How a message names a node: its name, or its op and shape."""
    if node.name:
        return repr(node.name)
    return _("the {op} node of shape {shape}").format(op=node.op, shape=node.shape)


def _as_node(x, op: str) -> Node:
    """A Node as is; a number or an array as a constant input node."""
    if isinstance(x, Node):
        return x
    try:
        return Node(x)
    except BPCourseError as exc:
        raise BPCourseError(
            _("{op} needs a Node, a number or an array; got {got} ({error})").format(op=op, got=describe(x), error=exc)
        ) from None


def _matmul(A: Node, B: Node) -> Node:
    if A.value.ndim != 2 or B.value.ndim != 2:
        raise BPCourseError(
            _(
                "matmul (@) needs two 2-D arrays (matrices); got shapes {a} @ {b}: "
                "make a vector a column with .reshape(-1, 1)"
            ).format(a=A.shape, b=B.shape)
        )
    if A.shape[1] != B.shape[0]:
        if A.shape[0] == B.shape[0] or A.shape[1] == B.shape[1]:
            message = _(
                "matmul (@) needs A's columns to match B's rows; got A {a} @ B {b}: "
                "did you mean the transpose of one of them?"
            )
        else:
            message = _("matmul (@) needs A's columns to match B's rows; got A {a} @ B {b}")
        raise BPCourseError(message.format(a=A.shape, b=B.shape))
    return Node._result(A.value @ B.value, (A, B), "matmul")


def exp(x) -> Node:
    return _as_node(x, "exp").exp()


def log(x) -> Node:
    return _as_node(x, "log").log()


def tanh(x) -> Node:
    return _as_node(x, "tanh").tanh()


def sigmoid(x) -> Node:
    return _as_node(x, "sigmoid").sigmoid()


def relu(x) -> Node:
    return _as_node(x, "relu").relu()


def maximum(a, b) -> Node:
    """max(a, b) entry by entry (op "max"): the gradient goes to the larger input."""
    return _as_node(a, "max")._binary(b, "max", np.maximum)


# ---- the sweep -------------------------------------------------------------------------------


def topological_order(root: Node) -> list[Node]:
    """Every node ``root`` depends on, parents before children, ``root`` last (iterative depth-first)."""
    if not isinstance(root, Node):
        raise BPCourseTypeError(
            _("root must be a Node (the output of the computation); got {got}").format(got=describe(root))
        )
    order, done, stack = [], set(), [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
        elif id(node) not in done:
            done.add(id(node))
            stack.append((node, True))
            stack.extend((p, False) for p in reversed(node.parents) if id(p) not in done)
    return order


def unbroadcast(g: np.ndarray, shape: tuple) -> np.ndarray | None:
    """Sum g back to ``shape``: over the leading axes broadcasting added, and over axes that were 1
    (a bias (n, 1) added to (n, m) gets the row sums). None if g cannot come from broadcasting ``shape``."""
    if g.ndim < len(shape):
        return None
    g = g.sum(axis=tuple(range(g.ndim - len(shape)))) if g.ndim > len(shape) else g
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    g = g.sum(axis=axes, keepdims=True) if axes else g
    return g if g.shape == shape else None


def zero_grad(root: Node) -> None:
    """Set the grad of every node of the graph to zeros."""
    for node in topological_order(root):
        node.grad = np.zeros_like(node.value)


def backward(root: Node, rules: dict | None = None, seed=None, trace: Callable | None = None) -> None:
    r"""Fill ``grad`` of every node with ∂root/∂node (for a non-scalar root: ∂(Σ seed ⊙ root)/∂node).

    root.grad is set to ones (or ``seed``, root's shape); then, in reverse topological order, each
    node's rule (``rules[op]`` if given, else ``VJP[op]``) turns node.grad into one contribution per
    parent, summed to that parent's shape and **added** to parent.grad. The grads of the nodes
    between are recomputed on every call; the inputs' (leaves') grads accumulate across calls,
    like torch's ``.grad``: call ``zero_grad(root)`` between steps.

    ``trace(node, parent, incoming_g, contribution, running_sum)`` is called after each addition.
    """
    order = topological_order(root)
    rules = {} if rules is None else rules
    if not isinstance(rules, dict) or not all(callable(r) for r in rules.values()):
        raise BPCourseTypeError(
            _("rules must be a dict mapping an op name to its VJP function; got {got}").format(got=describe(rules))
        )
    unknown = [k for k in rules if k not in VJP]
    if unknown:
        raise BPCourseError(
            _("rules has unknown op(s) {unknown}; the ops are {ops}").format(unknown=unknown, ops=list(VJP))
        )
    if trace is not None and not callable(trace):
        raise BPCourseTypeError(
            _("trace must be a function (node, parent, g, contribution, total); got {got}").format(got=describe(trace))
        )
    if seed is None and root.value.size != 1:
        raise BPCourseError(
            _(
                "backward from a root of shape {shape} needs seed= (∂L/∂root, same shape): a gradient is "
                "defined for one number; call .sum() on the root first, or pass seed=np.ones(root.shape)"
            ).format(shape=root.shape)
        )
    seed = np.ones_like(root.value) if seed is None else np.asarray(real_array("seed", seed), dtype=np.float64)
    if seed.shape != root.shape:
        raise BPCourseError(
            _("seed has shape {seed} but the root has {root}; they must match").format(seed=seed.shape, root=root.shape)
        )
    for node in order:
        if node.parents:
            node.grad = np.zeros_like(node.value)
    root.grad = seed.copy()
    for node in reversed(order):
        if not node.parents:
            continue
        rule = rules.get(node.op, VJP[node.op])
        try:
            contributions = rule(node.grad, *_rule_inputs(node))
        except BPCourseError:
            raise
        except Exception as exc:  # a learner's rule: say which one failed, keep the original in the chain
            raise BPCourseError(
                _("the rule for {op!r} raised {error_type}: {error}").format(
                    op=node.op, error_type=type(exc).__name__, error=exc
                )
            ) from exc
        if not isinstance(contributions, tuple) or len(contributions) != len(node.parents):
            raise BPCourseError(
                _("the rule for {op!r} must return a tuple of {n} gradient(s), one per input; got {got}").format(
                    op=node.op, n=len(node.parents), got=describe(contributions)
                )
            )
        for parent, c in zip(node.parents, contributions, strict=True):
            c = real_array(_("the gradient the rule for {op!r} returned").format(op=node.op), c, finite=False)
            summed = unbroadcast(c, parent.shape) if c.shape != parent.shape else c
            if summed is None:
                raise BPCourseError(
                    _(
                        "the rule for {op!r} returned a gradient of shape {shape} for an input of shape "
                        "{parent}; a gradient has the shape of what it differentiates"
                    ).format(op=node.op, shape=c.shape, parent=parent.shape)
                )
            c = summed
            parent.grad = parent.grad + c  # a fork: the contributions of every use add up
            if trace is not None:
                trace(node, parent, node.grad, c, parent.grad.copy())


# ---- an MLP as a graph of array nodes ---------------------------------------------------------

_ELEMENTWISE = {
    "sigmoid": Node.sigmoid,
    "tanh": Node.tanh,
    "relu": Node.relu,
    "leaky_relu": lambda z: z.relu() - 0.01 * (-z).relu(),  # z for z > 0, 0.01 z below
    "elu": lambda z: z.relu() + (-(-z).relu()).exp() - 1.0,  # z for z > 0, e^z − 1 below
    "identity": lambda z: z,
}


def mlp_graph(net, X, Y) -> tuple[Node, dict[str, Node]]:
    r"""Build ``net``'s training-mode loss on (X, Y) from nodes: returns (L, {name: parameter node}).

    Z^l = W^l A^{l-1} + b^l (or batch norm: ẑ = (Z − μ)/√(σ² + ε), γ ⊙ ẑ + β), A^l = σ(Z^l), L the
    mean loss over the m columns. The parameter nodes share memory with ``net.params``;
    ``L.backward()`` then gives ``net.gradients(X, Y)`` (the running averages are not touched).
    """
    X = net.check_X(X)
    Y = net.check_Y(Y, X.shape[1])
    m = X.shape[1]
    params = {k: Node(p, name=k) for k, p in net.params.items()}  # the same memory as net.params
    A = Node(X, name="X")
    for l in range(1, net.L + 1):
        Z = params[f"W{l}"] @ A
        if net._has_bn(l):
            D = Z - Z.mean(axis=1, keepdims=True)
            Z_hat = D * ((D * D).mean(axis=1, keepdims=True) + net.bn_eps) ** -0.5
            Z = params[f"gamma{l}"] * Z_hat + params[f"beta{l}"]
        else:
            Z = Z + params[f"b{l}"]
        name = net.activation_of(l)
        if l < net.L or name in ("identity", "tanh", "relu", "leaky_relu", "elu"):
            A = _ELEMENTWISE[name](Z)
    out, loss = net.output, net.loss_name
    if out == "softmax":  # log a = z − c − log Σ e^{z − c}; the column max c is a constant: softmax ignores shifts
        Zs = Z - Z.value.max(axis=0, keepdims=True)
        S = Zs.exp().sum(axis=0, keepdims=True)
        if loss == "cross_entropy":
            return -(Y * (Zs - S.log())).sum() * (1.0 / m), params
        A = Zs.exp() / S
    elif (
        out == "sigmoid" and loss == "cross_entropy"
    ):  # ℓ = log(1 + e^z) − y z, with log(1 + e^z) = relu(z) + log(1 + e^{−|z|})
        softplus = Z.relu() + (1.0 + (-(Z.relu() + (-Z).relu())).exp()).log()
        return (softplus - Y * Z).sum() * (1.0 / m), params
    elif out == "sigmoid":
        A = Z.sigmoid()
    D = A - Y
    return (D * D).sum() * (0.5 / m), params
