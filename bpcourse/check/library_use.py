r"""The library functions each graded item asks the learner to write, and finding their use in a notebook.

``bpcourse`` implements everything the exercises ask for, so ``sigmoid = bp.activations.sigmoid``
would pass ``ex01_sigmoid``. ``DECLARED`` lists, per grade_id, what the package offers that does
that item's job: the public function, its private unchecked twin, the table or factory that hands
it out (``ACTIVATIONS``, ``optim.make``), the ``MLP`` methods that compute it, and the reference
the item's own check compares with (``bp.check.steps.reference_forward``). Every other library
name stays allowed: ``bp.activations.sigmoid`` inside ``sigmoid_prime``, ``bp.MLP`` and ``bp.train``
in ``train_digits``. The concept questions declare nothing.

``scan(sources, declared)`` parses each cell with ``ast`` (IPython ``%``/``!`` lines blanked first)
and reports every use of a declared object, however it is spelled:

- attribute access on anything that can be traced to the package: ``bp.activations.sigmoid``,
  aliases of modules through any number of assignments or imports, ``import_module`` and
  ``__import__`` results, ``sys.modules["bpcourse..."]``, and instances of library classes
  (``net = bp.MLP(...)``, ``bp.MLP(...).backward``, a learner's subclass of ``bp.MLP`` and its
  ``self``/``super()``). The attribute is looked up on the real object and compared by identity,
  so ``bp.losses.sigmoid`` (re-exported) is caught and ``bp.check.steps.forward`` (the check) is not;
- attribute access on an object it cannot trace (a parameter, a subscript) only when the name is
  distinctive: it holds an inner underscore or a capital (``clip_grad_norm``, ``Adam``), and the
  learner's code does not define that attribute itself. Plain words (``sigmoid``, ``forward``,
  ``step``) on untraced objects would flag a learner's own classes, so they are left alone;
- ``from bpcourse.x import name [as y]``, a star import from a module holding a declared name,
  and ``import bpcourse.train as t`` (which binds the function ``bp.train``);
- look-ups by string: ``getattr``, ``inspect.getattr_static``, ``__getattribute__``,
  ``vars(x)[...]``, ``x.__dict__[...]`` and their ``.get``, ``operator.attrgetter``, where the
  string is a constant, a name bound to one, or a ``+``/f-string/``"".join`` of those;
- ``import_module``/``__import__`` of a bpcourse module when a declared name under it appears
  anywhere in the sources as an attribute or a string.

The learner's own ``def sigmoid`` and calls of it are not uses; neither are comments, docstrings,
strings used as data, nor names of NumPy or any other package.

Limits. Static analysis sees names, not values: a name computed at run time (``getattr(m, s)`` with
``s`` read from a file or built in a loop), ``exec``/``eval`` of a string, a library function
reached through a container or a function's return value, or a plain-word method on an untraced
object escapes it. ``dynamic_code`` lists the constructs that make this possible, for an
instructor to read; and ``declared_object`` checks the function a learner hands to the check
itself: a declared function returned directly, through ``functools.partial``, a bound method or
``__wrapped__``, is recognized by identity whatever its spelling (a lambda around one is not).
Binding is flow-insensitive: a name bound to a library object anywhere counts as that object
everywhere, which errs towards flagging.
"""

from __future__ import annotations

import ast
import functools
import importlib
import inspect
import re
import sys
import warnings
from pathlib import Path
from typing import NamedTuple

from ..i18n import _

PACKAGE = "bpcourse"
_PACKAGE_DIR = Path(__file__).resolve().parent.parent

_BY_NAME = ("optim.make", "optim.OPTIMIZERS")  # any optimizer, built from its name

# grade_id -> what does that item's job, dotted relative to bpcourse. The last names of each item are the
# reference its check compares with. Why some are absent: see the comments.
# fmt: off
DECLARED: dict[str, tuple[str, ...]] = {
    "ex01_sigmoid": ("activations.sigmoid", "activations.ACTIVATIONS", "layers.activation_forward",
                     "check.steps._sigmoid", "check.principles._sigmoid", "check.principles.SIGMOID"),
    "ex01_sigmoid_prime": ("activations.sigmoid_prime", "activations.ACTIVATIONS", "layers.activation_backward",
                           "check.steps._sigmoid_prime", "check.principles._sigmoid_prime",
                           "check.principles.SIGMOID_PRIME"),
    # Momentum with beta=0 is plain gradient descent
    "ex01_gd_step": ("optim.SGD", "optim.Momentum", "optim.momentum_update", *_BY_NAME,
                     "check.principles._gd_step", "check.principles.GD_STEP"),
    "ex01_q1": (), "ex01_q2": (), "ex01_q3": (),
    # chapter 2's locked cell hands out bp.activations.sigmoid and sigmoid_prime: allowed in its items
    "ex02_forward": ("layers.linear_forward", "layers.activation_forward", "MLP.forward", "MLP.forward_cache",
                     "MLP._forward_cache", "MLP._checked_forward",
                     "check.steps.reference_forward", "check.steps.FORWARD"),
    "ex02_mse": ("losses.mse", "losses.LOSSES", "losses.loss_on_output",
                 "check.steps.reference_mse", "check.steps.MSE"),
    "ex02_cross_entropy": ("losses.cross_entropy", "losses.LOSSES", "losses.loss_on_output",
                           "check.steps.reference_cross_entropy", "check.steps.CROSS_ENTROPY"),
    # not gradcheck.numerical_gradient: checking one's own backward numerically is what chapter 3 teaches
    "ex02_backward": ("layers.linear_backward", "layers.activation_backward", "MLP.backward", "MLP._backward",
                      "MLP.gradients", "MLP.loss_and_gradients", "MLP._loss_and_gradients", "MLP._loss_and_dZL",
                      "check.steps.reference_backward", "check.steps.BACKWARD"),
    "ex02_train": ("train", "MLP.gradients", "MLP.loss_and_gradients", "MLP._loss_and_gradients",
                   "check.steps.reference_train", "check.steps.TRAIN"),
    "ex02_q1": (), "ex02_q2": (),
    # not activations.sigmoid_prime: the solution of output_delta uses it, as BP1's σ′
    "ex03_output_delta": ("layers.activation_backward", "MLP._loss_and_dZL",
                          "check.derivation._output_delta", "check.derivation.OUTPUT_DELTA"),
    "ex03_hidden_delta": ("layers.linear_backward", "layers.activation_backward", "MLP.backward", "MLP._backward",
                          "check.derivation._hidden_delta", "check.derivation._bp2", "check.derivation.HIDDEN_DELTA"),
    "ex03_weight_gradients": ("layers.linear_backward",
                              "check.derivation._weight_gradients", "check.derivation.WEIGHT_GRADIENTS"),
    "ex03_numerical_gradient": ("gradcheck.numerical_gradient",
                                "check.derivation._differences", "check.derivation.NUMERICAL_GRADIENT"),
    "ex03_q1": (), "ex03_q2": (),
    # chapter 3b: the engine's sweep, its rule table and its internal rules, and whatever computes the item's
    # result (finite differences included) count as the library's answer; bp.layers.batchnorm_backward and the
    # activations' derivatives stay allowed in model_backward, which is about the loop through the layers
    "ex03b_backprop": ("autodiff.backward", "autodiff.Node.backward",
                       "check.graphs._backprop", "check.graphs.BACKPROP"),
    "ex03b_vjp_rules": ("autodiff.VJP", "autodiff._mul", "autodiff._tanh", "autodiff._matmul",
                        "layers.linear_backward", "layers.activation_backward",
                        "check.graphs._mul", "check.graphs.MUL", "check.graphs._tanh", "check.graphs.TANH",
                        "check.graphs._matmul", "check.graphs.MATMUL"),
    "ex03b_model_backward": ("layers.linear_backward", "layers.activation_backward", "MLP.backward", "MLP._backward",
                             "MLP.gradients", "MLP.loss_and_gradients", "MLP._loss_and_gradients",
                             "autodiff.mlp_graph", "check.graphs._model_backward", "check.graphs.MODEL_BACKWARD"),
    "ex03b_softplus": ("autodiff.backward", "autodiff.Node.backward", "gradcheck.numerical_gradient",
                       "check.graphs._softplus_backward", "check.graphs.SOFTPLUS"),
    "ex03b_huber": ("autodiff.backward", "autodiff.Node.backward", "gradcheck.numerical_gradient",
                    "check.graphs._huber_backward", "check.graphs.HUBER", "check.graphs.HUBER_CHECKED"),
    "ex03b_q1": (), "ex03b_q2": (),
    "ex04_layer_grad_norms": ("train.layer_grad_norms", "train._layer_grad_norms",
                              "check.limitations._layer_norms", "check.limitations.LAYER_NORMS"),
    # initializers.normal with scale = the item's std draws exactly the item's W
    "ex04_xavier": ("initializers.xavier", "initializers.normal", "initializers.init_weights",
                    "initializers.INITIALIZERS"),
    "ex04_he": ("initializers.he", "initializers.normal", "initializers.init_weights", "initializers.INITIALIZERS"),
    "ex04_clip": ("optim.clip_grad_norm", "optim._clip_grad_norm", "optim.global_norm", "optim._global_norm",
                  "check.limitations._norm", "check.limitations._clip", "check.limitations.CLIP"),
    "ex04_q1": (), "ex04_q2": (),
    "ex05_momentum": ("optim.Momentum", "optim.momentum_update", *_BY_NAME,
                      "check.improvements._momentum", "check.improvements.MOMENTUM"),
    "ex05_rmsprop": ("optim.RMSProp", "optim.rmsprop_update", *_BY_NAME,
                     "check.improvements._rmsprop", "check.improvements.RMSPROP"),
    "ex05_adam": ("optim.Adam", "optim.adam_update", *_BY_NAME, "check.improvements._adam", "check.improvements.ADAM"),
    "ex05_batchnorm_forward": ("layers.batchnorm_forward",
                               "check.improvements._bn_forward", "check.improvements.BN_FORWARD"),
    "ex05_batchnorm_backward": ("layers.batchnorm_backward",
                                "check.improvements._bn_backward", "check.improvements.BN_BACKWARD"),
    "ex05_q1": (), "ex05_q2": (),
    "ex06_one_hot": ("datasets.one_hot", "check.capstone._one_hot", "check.capstone.ONE_HOT"),
    # not MLP.predict nor MLP.accuracy: they need a network and its X, not the item's inputs
    "ex06_predict_labels": ("MLP._predict_from", "MLP._labels_of", "check.capstone._predict", "check.capstone.PREDICT"),
    "ex06_accuracy": ("check.capstone._accuracy", "check.capstone.ACCURACY"),
    "ex06_confusion": ("widgets.capstone.confusion_matrix", "check.capstone._confusion", "check.capstone.CONFUSION"),
    "ex06_train_digits": (),  # meant to be built with bp.MLP, bp.train and a bp.optim optimizer
    "ex06_q1": (), "ex06_q2": (),
}
# fmt: on


class Use(NamedTuple):
    """One place in the sources: ``cell`` indexes ``sources``, ``line`` counts from 1 within it."""

    cell: int
    line: int
    name: str  # the declared dotted name (for dynamic_code: the construct, e.g. "exec")
    how: str  # e.g. "calls bp.activations.sigmoid"


# ---- the library side -------------------------------------------------------------------------------


@functools.cache
def resolve(name: str):
    """The object that ``name``, dotted relative to bpcourse, names (``bp.train`` hides the module
    ``bpcourse.train``, so a path that fails by attribute is retried from its longest module prefix)."""
    obj = importlib.import_module(PACKAGE)
    try:
        for part in name.split("."):
            obj = getattr(obj, part)
        return obj
    except AttributeError:
        parts = name.split(".")
    for i in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join((PACKAGE, *parts[:i])))
        except ImportError:
            continue
        for part in parts[i:]:
            obj = getattr(obj, part)
        return obj
    raise AttributeError(f"bpcourse has no {name}")


_MISSING = object()  # a declared name whose module cannot be imported here: only its spelling can be matched


def _targets(declared) -> list[tuple[str, object]]:
    out = []
    for name in declared:
        try:
            out.append((name, resolve(name)))
        except Exception:  # e.g. a widgets module without matplotlib
            out.append((name, _MISSING))
    return out


def _ours(module: str) -> bool:
    return module == PACKAGE or module.startswith(PACKAGE + ".")


def _module(name: str):
    """The module of that name, imported if need be; None unless it is a plain dotted path (never a __main__)."""
    parts = name.split(".")
    if not all(p.isidentifier() and p != "__main__" for p in parts):
        return None
    try:
        return sys.modules.get(name) or importlib.import_module(name)
    except Exception:
        return None


def _lookup(obj, attr: str) -> list:
    """[getattr(obj, attr)], or the submodule of that name, or []."""
    try:
        return [getattr(obj, attr)]
    except Exception:
        pass
    name = getattr(obj, "__name__", None)
    sub = _module(f"{name}.{attr}") if inspect.ismodule(obj) and _ours(name or "") else None
    return [] if sub is None else [sub]


def _wrapped(obj, calls: bool = False):
    """obj, then what it wraps: a partial's func, a method's __func__, __wrapped__, a callable instance's __call__."""
    for _depth in range(16):
        yield obj
        if isinstance(obj, functools.partial):
            obj = obj.func
        elif isinstance(obj, (staticmethod, classmethod)) or inspect.ismethod(obj):
            obj = obj.__func__
        elif inspect.isfunction(obj) and hasattr(obj, "__wrapped__"):
            obj = obj.__wrapped__
        elif calls and callable(obj) and not inspect.isclass(obj) and not inspect.isroutine(obj):
            obj, calls = type(obj).__call__, False
        else:
            return


def _library_name(f) -> str | None:
    if not (inspect.isfunction(f) or inspect.isclass(f)):
        return None
    qualname, module = getattr(f, "__qualname__", ""), getattr(f, "__module__", None) or ""
    if "<" in qualname:  # a lambda or a local function: nothing a learner could name
        return None
    if not _ours(module):
        code = getattr(f, "__code__", None)
        path = Path(code.co_filename).resolve() if code is not None else None
        if path is None or not path.is_relative_to(_PACKAGE_DIR):
            return None
        module = ".".join((PACKAGE, *path.relative_to(_PACKAGE_DIR).with_suffix("").parts)).removesuffix(".__init__")
    rel = module[len(PACKAGE) + 1 :]
    return f"{rel}.{qualname}" if rel else qualname


def library_object(obj) -> str | None:
    """The dotted name, relative to bpcourse (``"activations.sigmoid"``, ``"optim.Optimizer.step"``), of the
    function, class or method defined in the package that ``obj`` is or wraps; None for anything else."""
    for f in _wrapped(obj, calls=True):
        name = _library_name(f)
        if name:
            return name
    return None


def declared_object(obj, declared) -> str | None:
    """The name in ``declared`` whose object ``obj`` is, wraps, is an instance of or is a bound method of."""
    targets = [(n, t) for n, t in _targets(declared) if t is not _MISSING]
    for f in _wrapped(obj):
        for name, t in targets:
            if any(f is w for w in _wrapped(t)):
                return name
            if inspect.isclass(t) and (isinstance(f, t) or (inspect.ismethod(f) and isinstance(f.__self__, t))):
                return name
    return None


# ---- reading the sources ----------------------------------------------------------------------------

_MAGIC = re.compile(r"^(\s*)(?:[%!].*|[\w.]+\?\??\s*)$", re.M)  # %magic, !shell, obj? (IPython help)
_ASSIGNED_MAGIC = re.compile(r"^(\s*[\w, ]+=\s*)[%!].*$", re.M)  # x = !ls, t = %timeit -o f()


def _parse(source: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # an invalid escape in a learner's string is not ours to report
        for text in (source, _MAGIC.sub(r"\1pass", _ASSIGNED_MAGIC.sub(r"\1None", source))):
            try:
                return ast.parse(text)
            except (SyntaxError, ValueError, RecursionError, MemoryError):
                continue
    return None


class _Val(NamedTuple):
    """What an expression may hold. kind: "lib" a bpcourse object (module, function, class, table...);
    "inst" an instance of the class obj; "sub" a learner's class derived from obj; "other" something
    from another import (obj: its origin); "str" a known string. own: attributes a learner's subclass defines."""

    kind: str
    obj: object
    own: frozenset = frozenset()


def _same(a: _Val, b: _Val) -> bool:
    same_obj = a.obj == b.obj if a.kind in ("str", "other") else a.obj is b.obj
    return a.kind == b.kind and same_obj and a.own == b.own


def _attr(v: _Val, attr: str) -> list[_Val]:
    if v.kind == "other":
        return [v]
    if v.kind not in ("lib", "inst", "sub") or attr in v.own:
        return []
    return [_Val("lib", o) for o in _lookup(v.obj, attr)]


def _dotted(name: str) -> list[_Val]:
    """What ``import bpcourse.x.y as z`` binds: getattr from bpcourse down the path, else the submodule."""
    vals = [_Val("lib", _module(PACKAGE))]
    for part in name.split(".")[1:]:
        vals = [w for v in vals for w in _attr(v, part)]
    return vals


def _dict_of(node):
    """(x, tool) for ``vars(x)`` or ``x.__dict__``, else None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "vars" and node.args:
        return node.args[0], "vars()"
    if isinstance(node, ast.Attribute) and node.attr == "__dict__":
        return node.value, "__dict__"
    return None


def _joined(parts: list[set], sep: str = "") -> set:
    out = {""} if parts else set()
    for i, part in enumerate(parts):
        out = {a + (sep if i else "") + b for a in out for b in part}
        if len(out) > 64:
            return set()
    return out


def _spell(node, depth: int = 0) -> str:
    if depth > 8:
        return "..."
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_spell(node.value, depth + 1)}.{node.attr}"
    if isinstance(node, ast.Call):
        return f"{_spell(node.func, depth + 1)}(...)"
    if isinstance(node, ast.Subscript):
        return f"{_spell(node.value, depth + 1)}[...]"
    return "(...)"


class _Sources:
    """The parsed cells and what their names may hold (every binding, in any cell, in any scope)."""

    def __init__(self, sources: list[str]):
        self.trees = []
        for cell, source in enumerate(sources):
            tree = _parse(source) if isinstance(source, str) else None
            if tree is not None:
                for node in ast.walk(tree):
                    for child in ast.iter_child_nodes(node):
                        child._bp_parent = node
                self.trees.append((cell, tree))
        self.env: dict[str, list[_Val]] = {}
        for _round in range(10):  # an alias of an alias needs one more round
            changed = False
            for _cell, node in self.nodes():
                for name, vals in self._bindings(node):
                    have = self.env.setdefault(name, [])
                    for v in vals:
                        if not any(_same(v, w) for w in have):
                            have.append(v)
                            changed = True
            if not changed:
                break
        self.own_attrs, self.mentions = set(), set()
        for _cell, node in self.nodes():
            if isinstance(node, ast.Attribute):
                self.mentions.add(node.attr)
                if isinstance(node.ctx, ast.Store) and not self.values(node.value):
                    self.own_attrs.add(node.attr)  # self.one_hot = ...: the learner's own attribute
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                self.mentions.add(node.value)
            elif isinstance(node, ast.ClassDef):
                self.own_attrs |= self._class_names(node)

    def nodes(self):
        for cell, tree in self.trees:
            for node in ast.walk(tree):
                yield cell, node

    @staticmethod
    def _class_names(node: ast.ClassDef) -> set[str]:
        names = {n.name for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))}
        for n in node.body:
            targets = n.targets if isinstance(n, ast.Assign) else [n.target] if isinstance(n, ast.AnnAssign) else []
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
        return names

    def _bindings(self, node):
        if isinstance(node, ast.Import):
            for a in node.names:
                if not _ours(a.name):
                    yield a.asname or a.name.split(".")[0], [_Val("other", a.name)]
                elif a.asname is None:
                    yield PACKAGE, [_Val("lib", _module(PACKAGE))]
                else:
                    yield a.asname, _dotted(a.name)
        elif isinstance(node, ast.ImportFrom):
            mod = _module(node.module) if node.level == 0 and _ours(node.module or "") else None
            for a in node.names:
                if a.name != "*":
                    other = [_Val("other", f"{node.module}.{a.name}")]
                    yield a.asname or a.name, other if mod is None else _attr(_Val("lib", mod), a.name)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                yield from self._pairs(target, node.value)
        elif isinstance(node, (ast.AnnAssign, ast.NamedExpr)) and node.value is not None:
            yield from self._pairs(node.target, node.value)
        elif isinstance(node, (ast.For, ast.comprehension)) and isinstance(node.iter, (ast.List, ast.Tuple, ast.Set)):
            for element in node.iter.elts:
                yield from self._pairs(node.target, element)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            args = node.args
            positional = args.posonlyargs + args.args
            for a, default in zip(positional[len(positional) - len(args.defaults) :], args.defaults, strict=True):
                yield a.arg, self.values(default)
            for a, default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
                if default is not None:
                    yield a.arg, self.values(default)
        elif isinstance(node, ast.ClassDef):
            own = frozenset(self._class_names(node))
            for base in node.bases:
                for v in self.values(base):
                    if v.kind in ("lib", "sub") and inspect.isclass(v.obj):
                        yield node.name, [_Val("sub", v.obj, own | v.own)]

    def _pairs(self, target, value):
        if isinstance(target, ast.Name):
            yield target.id, self.values(value)
        elif isinstance(target, (ast.Tuple, ast.List)) and isinstance(value, (ast.Tuple, ast.List)):
            if len(target.elts) == len(value.elts):
                for t, v in zip(target.elts, value.elts, strict=True):
                    yield from self._pairs(t, v)

    def callee(self, func) -> str | None:
        """The name a call's function goes by: ``getattr``, ``import_module`` (also when imported under an alias)."""
        if isinstance(func, ast.Attribute):
            return func.attr
        if isinstance(func, ast.Name):
            origins = [v.obj for v in self.env.get(func.id, ()) if v.kind == "other"]
            return origins[0].rsplit(".", 1)[-1] if origins else func.id
        return None

    def _enclosing_sub(self, node) -> _Val | None:
        while (node := getattr(node, "_bp_parent", None)) is not None:
            if isinstance(node, ast.ClassDef):
                return next((v for v in self.env.get(node.name, ()) if v.kind == "sub"), None)
        return None

    def lookup_call(self, node: ast.Call):
        """(object node, name node, tool) when the call looks an attribute up by a string, else None."""
        f, args = node.func, node.args
        if self.callee(f) in ("getattr", "getattr_static") and len(args) >= 2:
            return args[0], args[1], self.callee(f)
        if isinstance(f, ast.Attribute) and f.attr == "__getattribute__" and args:
            if isinstance(f.value, ast.Name) and f.value.id in ("object", "type") and len(args) >= 2:
                return args[0], args[1], "__getattribute__"
            return f.value, args[0], "__getattribute__"
        if isinstance(f, ast.Attribute) and f.attr == "get" and args and (d := _dict_of(f.value)):
            return d[0], args[0], d[1]
        return None

    def values(self, node, depth: int = 0) -> list[_Val]:
        """What the expression may hold; [] when unknown."""
        if depth > 40:
            return []
        if isinstance(node, ast.Name):
            sub = self._enclosing_sub(node) if node.id == "self" else None
            return [_Val("inst", sub.obj, sub.own)] if sub else list(self.env.get(node.id, ()))
        if isinstance(node, ast.Attribute):
            return [w for v in self.values(node.value, depth + 1) for w in _attr(v, node.attr)]
        if isinstance(node, ast.Subscript):
            if d := _dict_of(node.value):
                return self._lookups(d[0], node.slice, depth)
            if isinstance(node.value, ast.Attribute) and node.value.attr == "modules":  # sys.modules["bpcourse.x"]
                mods = [_module(s) for s in self.strings(node.slice) if _ours(s)]
                return [_Val("lib", m) for m in mods if m is not None]
            return [v for v in self.values(node.value, depth + 1) if v.kind == "other"]
        if isinstance(node, ast.Call):
            return self._call_values(node, depth)
        return [_Val("str", s) for s in self.strings(node)]

    def _lookups(self, base, name, depth: int) -> list[_Val]:
        return [w for v in self.values(base, depth + 1) for s in self.strings(name) for w in _attr(v, s)]

    def _call_values(self, node: ast.Call, depth: int) -> list[_Val]:
        callee = self.callee(node.func)
        if callee in ("import_module", "__import__") and node.args:
            fromlist = len(node.args) >= 4 or any(k.arg == "fromlist" for k in node.keywords)
            names = [s if callee == "import_module" or fromlist else PACKAGE for s in self.strings(node.args[0])]
            return [_Val("lib", m) for s in names if _ours(s) and (m := _module(s)) is not None]
        if looked := self.lookup_call(node):
            return self._lookups(looked[0], looked[1], depth)
        if isinstance(node.func, ast.Name) and node.func.id == "super":
            sub = self._enclosing_sub(node)
            return [_Val("lib", sub.obj)] if sub else []
        out = []
        for v in self.values(node.func, depth + 1):
            if v.kind == "other":
                out.append(v)
            elif v.kind in ("lib", "sub") and inspect.isclass(v.obj):
                out.append(_Val("inst", v.obj, v.own))
        return out

    def strings(self, node, depth: int = 0) -> set[str]:
        """The strings the expression may be: constants, names bound to them, and + / f-strings / join of those."""
        if depth > 40:
            return set()
        if isinstance(node, ast.Constant):
            return {node.value} if isinstance(node.value, str) else set()
        if isinstance(node, ast.Name):
            return {v.obj for v in self.env.get(node.id, ()) if v.kind == "str"}
        if isinstance(node, ast.JoinedStr):
            return _joined([self.strings(v, depth + 1) for v in node.values])
        if isinstance(node, ast.FormattedValue) and node.conversion == -1 and node.format_spec is None:
            return self.strings(node.value, depth + 1)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return _joined([self.strings(node.left, depth + 1), self.strings(node.right, depth + 1)])
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "join":
            if len(node.args) == 1 and isinstance(node.args[0], (ast.List, ast.Tuple)):
                parts = [self.strings(e, depth + 1) for e in node.args[0].elts]
                return {s for sep in self.strings(node.func.value, depth + 1) for s in _joined(parts, sep)}
        return set()


# ---- the scan -----------------------------------------------------------------------------------------


def _distinctive(attr: str) -> bool:
    """A name no learner's own object is likely to carry: an inner underscore or a capital letter."""
    return "_" in attr.strip("_") or any(c.isupper() for c in attr)


def _how_attribute(node: ast.Attribute) -> str:
    expr, parent = _spell(node), getattr(node, "_bp_parent", None)
    if isinstance(node.ctx, (ast.Store, ast.Del)):
        return _("replaces {expr}").format(expr=expr)
    if isinstance(parent, ast.Call) and parent.func is node:
        return _("calls {expr}").format(expr=expr)
    return _("uses {expr}").format(expr=expr)


def scan(sources: list[str], declared: tuple[str, ...]) -> list[Use]:
    """Every use of a declared library object in the sources (one per cell, line and name), in cell order."""
    targets = _targets(declared)
    if not targets:
        return []
    src = _Sources(sources)
    by_last: dict[str, str] = {}
    for name, _t in targets:
        by_last.setdefault(name.rsplit(".", 1)[-1], name)
    uses: dict[tuple[int, int, str], Use] = {}

    def report(cell, node, name, how):
        uses.setdefault((cell, node.lineno, name), Use(cell, node.lineno, name, how))

    def which(vals, attr) -> str | None:  # the declared name that attribute of a traced object is
        for v in vals:
            found = [w.obj for w in _attr(v, attr)] if v.kind != "other" else []
            for name, t in targets:
                if t is not _MISSING and any(o is t for o in found):
                    return name
        return None

    def by_name(attr, strict) -> str | None:  # the declared name spelled attr, on an object the scan cannot trace
        if attr in src.own_attrs or attr not in by_last or (strict and not _distinctive(attr)):
            return None
        return by_last[attr]

    def lookup(cell, node, base, name_node, tool):
        vals = src.values(base)
        for s in sorted(src.strings(name_node)):
            name = which(vals, s) if vals else by_name(s, strict=False)
            if name:
                report(cell, node, name, _("looks up '{attr}' with {tool}").format(attr=s, tool=tool))

    for cell, node in src.nodes():
        if isinstance(node, ast.Attribute):
            vals = src.values(node.value)
            name = which(vals, node.attr) if vals else by_name(node.attr, strict=True)
            if name:
                report(cell, node, name, _how_attribute(node))
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and _ours(node.module or ""):
            if (m := _module(node.module)) is None:
                continue
            lib = [_Val("lib", m)]
            for a in node.names:
                if a.name == "*":
                    public = getattr(m, "__all__", None) or [n for n in dir(m) if not n.startswith("_")]
                    hits = sorted((declared.index(d), n, d) for n in public if (d := which(lib, n)))
                    if hits:  # named by the first of the item's names it brings in
                        how = _("imports everything from {module}, {attr} included")
                        report(cell, node, hits[0][2], how.format(module=node.module, attr=hits[0][1]))
                elif name := which(lib, a.name):
                    report(cell, node, name, _("imports {attr} from {module}").format(attr=a.name, module=node.module))
        elif isinstance(node, ast.Import):
            for a in node.names:
                if a.asname and _ours(a.name):
                    parent, _dot, last = a.name.rpartition(".")
                    if parent and (name := which(_dotted(parent), last)):
                        report(cell, node, name, _("imports {expr} as {alias}").format(expr=a.name, alias=a.asname))
        elif isinstance(node, ast.Subscript) and (d := _dict_of(node.value)):
            lookup(cell, node, d[0], node.slice, d[1])
        elif isinstance(node, ast.Call):
            if looked := src.lookup_call(node):
                lookup(cell, node, *looked)
            callee = src.callee(node.func)
            if callee == "attrgetter":
                for s in sorted({s for arg in node.args for s in src.strings(arg)}):
                    for part in s.split("."):
                        if name := by_name(part, strict=False):
                            how = _("looks up '{attr}' with {tool}").format(attr=part, tool="operator.attrgetter")
                            report(cell, node, name, how)
            elif callee in ("import_module", "__import__") and node.args:
                for module in sorted(s for s in src.strings(node.args[0]) if _ours(s)):
                    rel, lib = module[len(PACKAGE) + 1 :], [_Val("lib", _module(module))]
                    for name, _t in targets:
                        attr = name.rsplit(".", 1)[-1]
                        under = not rel or name.startswith(rel + ".") or which(lib, attr) == name
                        if under and attr in src.mentions:
                            how = _("loads {module} with {tool} and names '{attr}'")
                            report(cell, node, name, how.format(module=module, tool=callee, attr=attr))
    return sorted(uses.values())


def dynamic_code(sources: list[str]) -> list[Use]:
    """Calls that run or look up code by a name computed at run time, which ``scan`` cannot follow: for an
    instructor's note, not a penalty. exec, eval, compile, __import__, import_module, and getattr-like
    look-ups whose name is not a constant."""
    src = _Sources(sources)
    out = []
    for cell, node in src.nodes():
        if not isinstance(node, ast.Call):
            continue
        f = node.func
        builtin = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        if isinstance(f, ast.Attribute) and not (isinstance(f.value, ast.Name) and f.value.id == "builtins"):
            builtin = None
        callee = src.callee(f)
        if builtin in ("exec", "eval", "compile", "__import__") or callee == "import_module":
            name = builtin if builtin in ("exec", "eval", "compile", "__import__") else "import_module"
            out.append(Use(cell, node.lineno, name, _("calls {expr}").format(expr=_spell(f))))
        elif callee in ("getattr", "getattr_static") and any(isinstance(a, ast.Starred) for a in node.args):
            how = _("looks up an attribute with {tool} by a name computed at run time").format(tool=callee)
            out.append(Use(cell, node.lineno, callee, how))
        elif (looked := src.lookup_call(node)) and not src.strings(looked[1]):
            how = _("looks up an attribute with {tool} by a name computed at run time").format(tool=looked[2])
            out.append(Use(cell, node.lineno, looked[2], how))
        elif callee == "attrgetter" and not all(src.strings(a) for a in node.args):
            how = _("looks up an attribute with {tool} by a name computed at run time").format(tool="attrgetter")
            out.append(Use(cell, node.lineno, "attrgetter", how))
    return sorted(out)


def _display(name: str) -> str:
    """How the learner would write the declared name: bp.x.y, or bpcourse.train.x where bp.train is the function."""
    obj = importlib.import_module(PACKAGE)
    for part in name.split("."):
        if not hasattr(obj, part):
            return f"{PACKAGE}.{name}"
        obj = getattr(obj, part)
    return f"bp.{name}"


def message(use: Use, grade_id: str) -> str:
    """The learner's feedback line for one use found by ``scan``; cells are counted from 1 (use.cell + 1)."""
    name = _display(use.name)
    fields = {"cell": use.cell + 1, "line": use.line, "how": use.how, "name": name, "item": grade_id}
    if name in use.how:
        return _(
            "cell {cell}, line {line} {how}, the library's own version of what {item} asks you to write: write "
            "it yourself with NumPy (the check gives 0 points while any cell uses it; remove it from scratch "
            "cells too)"
        ).format(**fields)
    return _(
        "cell {cell}, line {line} {how}, which is {name}, the library's own version of what {item} asks you to "
        "write: write it yourself with NumPy (the check gives 0 points while any cell uses it; remove it from "
        "scratch cells too)"
    ).format(**fields)
