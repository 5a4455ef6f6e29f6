"""library_use: what each graded item declares, and finding the library's version of it in a learner's cells."""

from __future__ import annotations

import ast
import functools
import importlib
import string
from pathlib import Path

import nbformat
import numpy as np
import pytest

import bpcourse as bp
from bpcourse.check import CHAPTERS
from bpcourse.check import library_use as lu

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = sorted((ROOT / "solutions").glob("ex0*.ipynb"))
RELEASED = sorted((ROOT / "exercises").glob("ex0*.ipynb"))
HEADER = "import numpy as np\nimport matplotlib.pyplot as plt\nimport bpcourse as bp\n"
ALL_NAMES = sorted({name for names in lu.DECLARED.values() for name in names})


def read(path: Path) -> tuple[list[str], list[str], list[str]]:
    """(sources, kinds, grade_ids): one source per cell ('' for markdown); kind 'learner', 'locked' or 'markdown'."""
    sources, kinds, grade_ids = [], [], []
    for cell in nbformat.read(path, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        check = meta.get("grade") and not meta.get("solution")
        if cell.cell_type != "code":
            kinds.append("markdown")
        else:
            kinds.append("locked" if meta.get("locked") or check else "learner")
        sources.append(cell.source if cell.cell_type == "code" else "")
        if meta.get("grade"):
            grade_ids.append(meta["grade_id"])
    return sources, kinds, grade_ids


def notebook_items(paths):
    return [pytest.param(p, g, id=f"{p.parent.name}-{g}") for p in paths for g in read(p)[2]]


def uses(code, grade_id: str) -> list[lu.Use]:
    cells = [code] if isinstance(code, str) else list(code)
    return lu.scan([HEADER, *cells], lu.DECLARED[grade_id])


# ---- the table ------------------------------------------------------------------------------------------


def test_every_item_of_every_chapter_is_declared():
    items = {grade_id for chapter in CHAPTERS.values() for grade_id in chapter.ITEMS}
    assert set(lu.DECLARED) == items


@pytest.mark.parametrize("path", SOLUTIONS + RELEASED, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_every_graded_cell_has_a_declaration(path):
    assert set(read(path)[2]) <= set(lu.DECLARED)


def test_concept_questions_and_train_digits_declare_nothing():
    for grade_id, names in lu.DECLARED.items():
        if grade_id.split("_", 1)[1] in ("q1", "q2", "q3", "train_digits"):
            assert names == (), grade_id
        else:
            assert names, grade_id


@pytest.mark.parametrize("name", ALL_NAMES)
def test_declared_name_exists_in_the_library(name):
    obj = lu.resolve(name)
    try:  # the plain getattr path from bpcourse, else from the module that bp.train hides
        expected = functools.reduce(getattr, name.split("."), bp)
    except AttributeError:
        module, attr = name.rsplit(".", 1)
        expected = getattr(importlib.import_module(f"bpcourse.{module}"), attr)
    assert obj is expected
    if callable(obj) and not isinstance(obj, dict):
        assert lu.library_object(obj) is not None


# ---- the course's own notebooks are clean -------------------------------------------------------------


@pytest.mark.parametrize(("path", "grade_id"), notebook_items(SOLUTIONS))
def test_learner_cells_of_the_solutions_are_clean(path, grade_id):
    sources, kinds, _ = read(path)
    assert "learner" in kinds
    found = [u for u in lu.scan(sources, lu.DECLARED[grade_id]) if kinds[u.cell] == "learner"]
    assert found == []


@pytest.mark.parametrize(("path", "grade_id"), notebook_items(SOLUTIONS + RELEASED))
def test_locked_cells_use_nothing_their_notebook_declares(path, grade_id):
    """A locked cell hands its code to every learner: if it used a declared name, the declaration is wrong."""
    sources, kinds, _ = read(path)
    assert [u for u in lu.scan(sources, lu.DECLARED[grade_id]) if kinds[u.cell] == "locked"] == []


@pytest.mark.parametrize("path", SOLUTIONS + RELEASED, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_the_course_notebooks_run_no_dynamic_code(path):
    assert lu.dynamic_code(read(path)[0]) == []


# ---- cheats that must be caught -----------------------------------------------------------------------

CHEATS = {
    "attribute": ("ex01_sigmoid", "sigmoid = bp.activations.sigmoid", "activations.sigmoid"),
    "wrapper def": ("ex01_sigmoid", "def sigmoid(Z):\n    return bp.activations.sigmoid(Z)", "activations.sigmoid"),
    "lambda wrapper": ("ex01_sigmoid", "sigmoid = lambda z: bp.activations.sigmoid(z)", "activations.sigmoid"),
    "partial": (
        "ex01_sigmoid",
        "import functools\nsigmoid = functools.partial(bp.activations.sigmoid)",
        "activations.sigmoid",
    ),
    "from import": ("ex01_sigmoid", "from bpcourse.activations import sigmoid", "activations.sigmoid"),
    "from import as": ("ex01_sigmoid", "from bpcourse.activations import sigmoid as s", "activations.sigmoid"),
    "imported module": (
        "ex01_sigmoid",
        "from bpcourse import activations\nsigmoid = activations.sigmoid",
        "activations.sigmoid",
    ),
    "star import": ("ex01_sigmoid_prime", "from bpcourse.activations import *", "activations.sigmoid_prime"),
    "star import of the package": ("ex02_train", "from bpcourse import *\nout = train(net, X, Y)", "train"),
    "re-exported": ("ex01_sigmoid", "sigmoid = bp.losses.sigmoid", "activations.sigmoid"),
    "module inside the library": ("ex01_sigmoid", "sigmoid = bp.layers.act.sigmoid", "activations.sigmoid"),
    "table": ("ex01_sigmoid", 'sigmoid = bp.activations.ACTIVATIONS["sigmoid"][0]', "activations.ACTIVATIONS"),
    "layer function": (
        "ex01_sigmoid",
        'def sigmoid(Z):\n    return bp.layers.activation_forward(Z, "sigmoid")[0]',
        "layers.activation_forward",
    ),
    "getattr": ("ex01_sigmoid", 'sigmoid = getattr(bp.activations, "sigmoid")', "activations.sigmoid"),
    "getattr of a concatenation": (
        "ex01_sigmoid",
        'sigmoid = getattr(bp.activations, "sig" + "moid")',
        "activations.sigmoid",
    ),
    "getattr of an f-string": ("ex01_sigmoid", 'sigmoid = getattr(bp.activations, f"sigmoid")', "activations.sigmoid"),
    "getattr of a join": (
        "ex01_sigmoid",
        'sigmoid = getattr(bp.activations, "".join(["sig", "moid"]))',
        "activations.sigmoid",
    ),
    "getattr of a named string": (
        "ex01_sigmoid",
        'name = "sigmoid"\nsigmoid = getattr(bp.activations, name)',
        "activations.sigmoid",
    ),
    "getattr on an untraced object": (
        "ex01_sigmoid",
        'def f(m):\n    return getattr(m, "sigmoid")',
        "activations.sigmoid",
    ),
    "vars": ("ex01_sigmoid", 'sigmoid = vars(bp.activations)["sigmoid"]', "activations.sigmoid"),
    "__dict__": ("ex06_one_hot", 'one_hot = bp.datasets.__dict__["one_hot"]', "datasets.one_hot"),
    "__dict__.get": ("ex06_one_hot", 'one_hot = bp.datasets.__dict__.get("one_hot")', "datasets.one_hot"),
    "__getattribute__": ("ex01_sigmoid", 'sigmoid = bp.activations.__getattribute__("sigmoid")', "activations.sigmoid"),
    "attrgetter": (
        "ex01_sigmoid",
        'import operator\nsigmoid = operator.attrgetter("activations.sigmoid")(bp)',
        "activations.sigmoid",
    ),
    "import_module": (
        "ex01_sigmoid",
        'import importlib\nsigmoid = importlib.import_module("bpcourse.activations").sigmoid',
        "activations.sigmoid",
    ),
    "import_module of a concatenation": (
        "ex04_layer_grad_norms",
        'import importlib\nf = importlib.import_module("bpcourse." + "train")._layer_grad_norms',
        "train._layer_grad_norms",
    ),
    "import_module and a name it cannot fold": (
        "ex01_sigmoid",
        'from importlib import import_module\nm = import_module("bpcourse.activations")\n'
        'names = ["sigmoid"]\nsigmoid = getattr(m, names[0])',
        "activations.sigmoid",
    ),
    "__import__": (
        "ex01_sigmoid",
        'act = __import__("bpcourse").activations\nsigmoid = act.sigmoid',
        "activations.sigmoid",
    ),
    "__import__ with a fromlist": (
        "ex01_sigmoid",
        'sigmoid = __import__("bpcourse.activations", fromlist=["x"]).sigmoid',
        "activations.sigmoid",
    ),
    "sys.modules": (
        "ex01_sigmoid",
        'import sys\nsigmoid = sys.modules["bpcourse.activations"].sigmoid',
        "activations.sigmoid",
    ),
    "replaced in the library": ("ex01_sigmoid", "bp.activations.sigmoid = lambda Z: Z", "activations.sigmoid"),
    "beside IPython magics": (
        "ex01_sigmoid",
        "%time x = 1\n!ls\nfiles = !ls\nsigmoid = bp.activations.sigmoid",
        "activations.sigmoid",
    ),
    "the check's reference": (
        "ex02_forward",
        "forward = bp.check.steps.reference_forward",
        "check.steps.reference_forward",
    ),
    "the check's Reference object": ("ex02_mse", "mse = bp.check.steps.MSE", "check.steps.MSE"),
    "alias through two assignments": (
        "ex04_clip",
        "a = bp\nb = a.optim\n"
        "def clip_by_norm(grads, max_norm):\n    g = {k: v.copy() for k, v in grads.items()}\n"
        "    b.clip_grad_norm(g, max_norm)\n    return g",
        "optim.clip_grad_norm",
    ),
    "alias bound in a later cell": (
        "ex04_clip",
        ("norm = o.global_norm(grads)", "o = bp.optim"),
        "optim.global_norm",
    ),
    "from bpcourse import optim as o": (
        "ex04_clip",
        "from bpcourse import optim as o\no.clip_grad_norm(g, 1.0)",
        "optim.clip_grad_norm",
    ),
    "import bpcourse.optim": ("ex04_clip", "import bpcourse.optim\nbpcourse.optim._clip_grad_norm(g, 1.0)", None),
    "import bpcourse.optim as o": ("ex04_clip", "import bpcourse.optim as o\nn = o.global_norm(g)", None),
    "loop over modules": ("ex04_clip", "for mod in [bp.optim]:\n    mod.clip_grad_norm(g, 1.0)", None),
    "default argument": (
        "ex01_sigmoid",
        "def sigmoid(Z, a=bp.activations):\n    return a.sigmoid(Z)",
        "activations.sigmoid",
    ),
    "distinctive name on an untraced object": (
        "ex04_clip",
        "def clip_by_norm(grads, max_norm, lib=None):\n    return lib.optim.clip_grad_norm(grads, max_norm)",
        "optim.clip_grad_norm",
    ),
    "private helper": (
        "ex04_layer_grad_norms",
        "from bpcourse.train import _layer_grad_norms",
        "train._layer_grad_norms",
    ),
    "bp.train": ("ex02_train", "net = bp.MLP([2, 1])\nbp.train(net, X, Y, bp.optim.SGD(lr), epochs=epochs)", "train"),
    "bp.train renamed": ("ex02_train", "from bpcourse import train as fit", "train"),
    "import bpcourse.train as t": ("ex02_train", "import bpcourse.train as t", "train"),
    "tracked network": (
        "ex02_backward",
        'net = bp.MLP([3, 4, 2], hidden="sigmoid", output="sigmoid", loss="mse")\ngrads = net.backward(dZ, caches)',
        "MLP.backward",
    ),
    "network alias": ("ex02_forward", "net = bp.MLP([3, 4, 2])\nn2 = net\nA, caches = n2.forward_cache(X)", None),
    "bp.MLP(...).backward": ("ex02_backward", "grads = bp.MLP([3, 4, 2]).backward(dZ, caches)", "MLP.backward"),
    "bp.MLP.gradients": ("ex02_train", "g = bp.MLP.gradients(net, X, Y)", "MLP.gradients"),
    "subclass": ("ex02_backward", "class Net(bp.MLP):\n    pass\ng = Net([3, 4, 2]).gradients(X, Y)", "MLP.gradients"),
    "subclass self": (
        "ex02_forward",
        "class Net(bp.MLP):\n    def run(self, X):\n        return self.forward(X)",
        "MLP.forward",
    ),
    "subclass super": (
        "ex02_forward",
        "class Net(bp.MLP):\n    def forward(self, X):\n        return super().forward(X)",
        "MLP.forward",
    ),
    "static method": ("ex06_predict_labels", "predict_labels = bp.MLP._predict_from", "MLP._predict_from"),
    "loss by name": ("ex02_mse", 'mse = bp.losses.loss_on_output("identity", "mse")', "losses.loss_on_output"),
    "optimizer class": ("ex05_adam", "opt = bp.optim.Adam(lr=lr, beta1=beta1, beta2=beta2, eps=eps)", "optim.Adam"),
    "optimizer by name": ("ex05_momentum", 'opt = bp.optim.make("momentum", lr=lr, beta=beta)', "optim.make"),
    "optimizer table": ("ex05_rmsprop", 'opt = bp.optim.OPTIMIZERS["rmsprop"]()', "optim.OPTIMIZERS"),
    "sgd step": ("ex01_gd_step", "opt = bp.optim.SGD(lr)\nopt.step(params, grads)", "optim.SGD"),
    "normal with the right scale": (
        "ex04_he",
        "W = bp.initializers.normal(n_out, n_in, rng, scale=np.sqrt(2 / n_in))",
        "initializers.normal",
    ),
    "initializer by name": (
        "ex04_xavier",
        'W = bp.initializers.init_weights("xavier", n_out, n_in, rng)',
        "initializers.init_weights",
    ),
    "weight gradients": (
        "ex03_weight_gradients",
        "_, dW, db = bp.layers.linear_backward(delta, bp.layers.LinearCache(A_prev, W))",
        "layers.linear_backward",
    ),
    "numerical gradient": ("ex03_numerical_gradient", "from bpcourse.gradcheck import numerical_gradient", None),
    "batch norm module alias": (
        "ex05_batchnorm_backward",
        "from bpcourse import layers as L\nbatchnorm_backward = L.batchnorm_backward",
        "layers.batchnorm_backward",
    ),
    "batch norm forward": ("ex05_batchnorm_forward", "out, cache = bp.layers.batchnorm_forward(Z, g, b)", None),
    "one hot": ("ex06_one_hot", "Y = bp.datasets.one_hot(y, n_classes)", "datasets.one_hot"),
    "confusion matrix widget": (
        "ex06_confusion",
        "C = bp.widgets.capstone.confusion_matrix(y_true, y_pred, n_classes)",
        "widgets.capstone.confusion_matrix",
    ),
    "hidden delta": ("ex03_hidden_delta", "dA, _, _ = bp.layers.linear_backward(delta_next, cache)", None),
    "output delta": (
        "ex03_output_delta",
        'd = bp.layers.activation_backward(A - Y, ("sigmoid", Z, A))',
        "layers.activation_backward",
    ),
}


@pytest.mark.parametrize(("grade_id", "code", "name"), list(CHEATS.values()), ids=list(CHEATS))
def test_cheat_is_caught(grade_id, code, name):
    found = uses(code, grade_id)
    assert found, "not caught"
    assert all(u.cell >= 1 for u in found)  # the cheat's cells, never the header
    if name is not None:
        assert name in {u.name for u in found}
    for u in found:
        assert u.name in lu.DECLARED[grade_id]
        assert u.how and lu.message(u, grade_id)


def test_the_phrases_say_how():
    assert uses("s = bp.activations.sigmoid(Z)", "ex01_sigmoid")[0].how == "calls bp.activations.sigmoid"
    assert uses("s = bp.activations.sigmoid", "ex01_sigmoid")[0].how == "uses bp.activations.sigmoid"
    imported = uses("from bpcourse.activations import sigmoid", "ex01_sigmoid")[0]
    assert imported.how == "imports sigmoid from bpcourse.activations"
    looked = uses('s = getattr(bp.activations, "sig" + "moid")', "ex01_sigmoid")[0]
    assert looked.how == "looks up 'sigmoid' with getattr"
    assert uses("g = bp.MLP([2, 1]).backward(d, c)", "ex02_backward")[0].how == "calls bp.MLP(...).backward"


def test_uses_give_cell_and_line():
    found = lu.scan(["x = 1", "import bpcourse as bp\n\ns = bp.activations.sigmoid"], ("activations.sigmoid",))
    assert found == [lu.Use(1, 3, "activations.sigmoid", "uses bp.activations.sigmoid")]


def test_a_cell_that_does_not_parse_is_skipped():
    sources = ["def (:", "%%bash\necho hi there", HEADER + "s = bp.activations.sigmoid"]
    assert [u.cell for u in lu.scan(sources, lu.DECLARED["ex01_sigmoid"])] == [2]


# ---- honest code that must not be flagged -------------------------------------------------------------

SOLUTION_TRAIN_DIGITS = """
def train_digits(X_train, Y_train):
    net = bp.MLP([64, 128, 64, 10], hidden="relu", output="softmax", loss="cross_entropy", seed=0)
    bp.train(net, X_train, Y_train, bp.optim.Adam(lr=3e-3), epochs=20, batch_size=32, seed=0)
    return net
"""

HONEST = {
    "own definition and call": ("ex01_sigmoid", "def sigmoid(Z):\n    return 1 / (1 + np.exp(-Z))\ns = sigmoid(Z)"),
    "library sigmoid inside sigmoid_prime": (
        "ex01_sigmoid_prime",
        "def sigmoid_prime(Z):\n    S = bp.activations.sigmoid(Z)\n    return S * (1 - S)",
    ),
    "numpy functions": ("ex01_sigmoid", "y = np.tanh(Z) + np.exp(-Z)\nf = getattr(np, 'tanh')"),
    "a local variable named sigmoid": ("ex01_sigmoid", "sigmoid = 1 / (1 + np.exp(-Z))\nprint(sigmoid)"),
    "a dict key used as data": ("ex01_sigmoid", 'table = {"sigmoid": 1}\nvalue = table["sigmoid"]'),
    "the word printed": ("ex01_sigmoid", 'print("sigmoid", "bp.activations.sigmoid")'),
    "comments and docstrings": (
        "ex01_sigmoid",
        'def sigmoid(Z):\n    """Like bp.activations.sigmoid, but mine."""\n'
        "    # not bp.activations.sigmoid(Z)\n    return 1 / (1 + np.exp(-Z))",
    ),
    "other library functions": (
        "ex01_sigmoid",
        'A = bp.activations.relu(Z)\nnet = bp.MLP([2, 3, 1], hidden="sigmoid", output="sigmoid")',
    ),
    "the handed-out sigmoid in chapter 2": (
        "ex02_backward",
        "sigmoid_prime = bp.activations.sigmoid_prime\ndZ2 = (A2 - Y) * sigmoid_prime(Z2)",
    ),
    "own class with forward": (
        "ex02_forward",
        "class Net:\n    def forward(self, X):\n        return X\nn = Net()\nn.forward(1)\n"
        "def run(layers):\n    return layers.forward(1)",
    ),
    "own method with a library name": (
        "ex05_batchnorm_forward",
        "class Layer:\n    def batchnorm_forward(self, Z):\n        return Z\n"
        "    def run(self, Z):\n        return self.batchnorm_forward(Z)",
    ),
    "own attribute with a library name": (
        "ex04_clip",
        "class Clipper:\n    def clip_grad_norm(self, g):\n        return g\n"
        'c = Clipper()\nc.clip_grad_norm(1)\nf = getattr(c, "clip_grad_norm")',
    ),
    "another package's one_hot": ("ex06_one_hot", "import mylib\nY = mylib.one_hot(y, 10)\nfrom other import one_hot"),
    "numpy clip and norm": ("ex04_clip", 'g = np.clip(grads["W1"], -1, 1)\nn = np.linalg.norm(g)'),
    "train_digits with the library": ("ex06_train_digits", SOLUTION_TRAIN_DIGITS),
    "train_digits beside one_hot": ("ex06_one_hot", SOLUTION_TRAIN_DIGITS),
    "history and accuracy": (
        "ex06_accuracy",
        "history = bp.train(net, X, Y)\nprint(history.accuracy[-1], net.accuracy(X, Y), net.predict(X))",
    ),
    "relative error": ("ex03_numerical_gradient", "error = bp.gradcheck.rel_error(a, b)"),
    "a network's gradients in chapter 4": (
        "ex04_layer_grad_norms",
        "net = bp.MLP([2, 16, 1])\nnorms = layer_grad_norms(net.gradients(X, Y), net.L)",
    ),
    "own train and its check": (
        "ex02_train",
        "def train(X, Y, params, lr, epochs):\n    return params, []\nout = train(X, Y, {}, 0.1, 1)\n"
        "bp.check.steps.train(train)",
    ),
    "check cells": ("ex02_forward", "bp.check.steps.forward(forward)\nbp.check.progress()"),
    "IPython magics": ("ex01_sigmoid", "%timeit sigmoid(Z)\n!pip list\nsigmoid?"),
    "a loss name as data": ("ex02_cross_entropy", 'net = bp.MLP([4, 3], loss="cross_entropy")'),
}


@pytest.mark.parametrize(("grade_id", "code"), list(HONEST.values()), ids=list(HONEST))
def test_honest_code_is_not_flagged(grade_id, code):
    assert uses(code, grade_id) == []


# ---- the objects handed to a check ---------------------------------------------------------------------


def own(Z):
    return Z


@pytest.mark.parametrize(
    ("obj", "name"),
    [
        (bp.activations.sigmoid, "activations.sigmoid"),
        (bp.activations.sigmoid.__wrapped__, "activations.sigmoid"),
        (functools.partial(bp.activations.sigmoid), "activations.sigmoid"),
        (staticmethod(bp.activations.relu), "activations.relu"),
        (bp.optim.Adam().step, "optim.Optimizer.step"),
        (bp.optim.Adam, "optim.Adam"),
        (bp.MLP([2, 3]).forward, "network.MLP.forward"),
        (bp.check.steps.MSE, "check.diagnose.Reference.__call__"),
        (own, None),
        (lambda Z: Z, None),
        (lambda Z: bp.activations.sigmoid(Z), None),
        (np.tanh, None),
        (np.linalg.norm, None),
        (functools.partial(np.exp), None),
        (len, None),
        (3, None),
    ],
    ids=lambda v: v if isinstance(v, str) or v is None else type(v).__name__,
)
def test_library_object(obj, name):
    assert lu.library_object(obj) == name


def test_declared_object():
    sig = lu.DECLARED["ex01_sigmoid"]
    assert lu.declared_object(bp.activations.sigmoid, sig) == "activations.sigmoid"
    assert lu.declared_object(functools.partial(bp.activations.sigmoid), sig) == "activations.sigmoid"
    assert lu.declared_object(bp.activations.sigmoid.__wrapped__, sig) == "activations.sigmoid"
    assert lu.declared_object(bp.check.principles.SIGMOID, sig) == "check.principles.SIGMOID"
    assert lu.declared_object(bp.optim.Adam().step, lu.DECLARED["ex05_adam"]) == "optim.Adam"
    assert lu.declared_object(own, sig) is None
    assert lu.declared_object(lambda Z: bp.activations.sigmoid(Z), sig) is None
    assert lu.declared_object(bp.activations.sigmoid, lu.DECLARED["ex01_sigmoid_prime"]) is None
    assert lu.declared_object(bp.check.steps.MSE, lu.DECLARED["ex02_forward"]) is None


# ---- dynamic code and messages -------------------------------------------------------------------------


def test_dynamic_code():
    code = (
        "exec('x = 1')\ny = eval('1 + 1')\nc = compile('1', '<s>', 'eval')\nm = __import__('os')\n"
        "import importlib\nn = importlib.import_module('json')\nf = getattr(np, name_from_a_file)\n"
        "import re\nr = re.compile('a')\ng = getattr(np, 'tanh')\nmodel.eval()\nh = getattr(*pair)"
    )
    found = lu.dynamic_code([code])
    assert [(u.name, u.line) for u in found] == [
        ("exec", 1),
        ("eval", 2),
        ("compile", 3),
        ("__import__", 4),
        ("import_module", 6),
        ("getattr", 7),
        ("getattr", 12),
    ]


def test_message():
    use = uses("s = bp.activations.sigmoid(Z)", "ex01_sigmoid")[0]
    text = lu.message(use, "ex01_sigmoid")
    assert text.startswith("cell 2, line 1 calls bp.activations.sigmoid, the library's own version")
    assert "ex01_sigmoid" in text and "NumPy" in text and "0 points" in text
    via = lu.message(uses("class N(bp.MLP):\n    pass\nN([2, 1]).gradients(X, Y)", "ex02_backward")[0], "ex02_backward")
    assert "calls N(...).gradients, which is bp.MLP.gradients" in via
    hidden = lu.message(uses("from bpcourse.train import layer_grad_norms", "ex04_layer_grad_norms")[0], "ex04")
    assert "bpcourse.train.layer_grad_norms" in hidden  # bp.train is the function, not the module


def test_messages_go_through_the_translation(monkeypatch):
    monkeypatch.setattr(lu, "_", lambda template: "<" + template + ">")
    use = uses("s = bp.activations.sigmoid(Z)", "ex01_sigmoid")[0]
    assert use.how == "<calls bp.activations.sigmoid>"
    assert lu.message(use, "ex01_sigmoid").startswith("<cell 2, line 1 <calls")


def test_templates_hold_only_named_placeholders():
    tree = ast.parse((ROOT / "bpcourse" / "check" / "library_use.py").read_text(encoding="utf-8"))
    templates = [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "_" and node.args
    ]
    assert len(templates) >= 10
    for template in templates:
        for _literal, field, _spec, _conversion in string.Formatter().parse(template):
            assert field is None or field.isidentifier(), template
