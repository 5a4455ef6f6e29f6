r"""Requests and results between the grader and a submission's worker, as plain data: one JSON object per line.

Nothing on this wire can carry code (no pickle). What may cross:

- ``None``, bools, ints, floats (NaN and ±inf too), complex numbers, strings;
- lists, tuples and dicts of these (tuples and non-string keys are tagged, so they come back as they went);
- NumPy arrays of bool, integer, float or complex dtype, bit for bit (``{"$array": …}``, base64 of the bytes);
- NumPy scalars, as the same NumPy type;
- a ``np.random.Generator``, as the state of its bit generator (``{"$rng": …}``): the worker rebuilds a
  generator that draws exactly the same numbers;
- a library callable, by its dotted name (``{"$fn": "bpcourse.activations.tanh_prime"}``): only names under
  ``bpcourse.`` or ``numpy.`` are sent or resolved;
- a reference to an argument of the same call (``{"$arg": [2, "W1"]}``), so that "returns the input itself"
  stays visible to the checks;
- a network (``{"$network": …}``): its sizes, its settings and its parameters; the grader rebuilds a
  ``bp.MLP`` and computes its predictions itself;
- one of the library's own cache types (``NAMEDTUPLES``: ``LayerCache``, ``LinearCache``, ``ActivationCache``,
  ``BatchNormCache``) as ``{"$ntuple": [dotted type name, [fields…]]}``, so that it comes back as that type
  (``cache.linear.W`` works on either side); any other named tuple goes as a plain tuple;
- an iterator or generator as ``{"$iterator": …}``, without its values (the checks ask for a list or array);
- anything else as ``{"$opaque": type name}``: the checks see an object of that type name with no attributes,
  which they judge as a wrong answer ("returned a Foo ...").

``decode`` rejects whatever does not follow these shapes with ``ProtocolError``: a worker that writes
something else has broken the protocol, and the grader stops it.
"""

from __future__ import annotations

import base64
import importlib
import json
import math
import re
from collections.abc import Iterator

import numpy as np

MAX_LINE = 16 * 2**20  # bytes in one message; more is a broken worker
MAX_DEPTH = 40
ALLOWED_PREFIXES = ("bpcourse.", "numpy.")
_KINDS = "biufc"  # bool, signed, unsigned, float, complex
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,79}")
# the library's named tuples that travel as themselves (by dotted name; no other type is ever rebuilt)
NAMEDTUPLES = (
    "bpcourse.layers.LinearCache",
    "bpcourse.layers.ActivationCache",
    "bpcourse.layers.BatchNormCache",
    "bpcourse.network.LayerCache",
)


class ProtocolError(Exception):
    """A message that is not plain data of the shapes above."""


class Opaque:
    """Something the worker could not send as data; ``type(x).__name__`` is the type the learner returned."""

    __slots__ = ()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} object>"


_OPAQUE_TYPES: dict[str, type] = {}


def opaque(type_name: str) -> Opaque:
    """An instance of a class named like the learner's type (a safe identifier), without any attribute."""
    name = type_name if isinstance(type_name, str) and _IDENT.fullmatch(type_name) else "object"
    if name not in _OPAQUE_TYPES:
        _OPAQUE_TYPES[name] = type(name, (Opaque,), {"__slots__": ()})
    return _OPAQUE_TYPES[name]()


# ---- encoding -------------------------------------------------------------------------------------------


def dotted_name(fn) -> str | None:
    """``module.qualname`` of a module-level library function or class, if importing it gives ``fn`` back."""
    module, qualname = getattr(fn, "__module__", None), getattr(fn, "__qualname__", None)
    if not isinstance(module, str) or not isinstance(qualname, str) or "<" in qualname:
        return None
    name = f"{module}.{qualname}"
    if not name.startswith(ALLOWED_PREFIXES):
        return None
    try:
        return name if resolve(name) is fn else None
    except ProtocolError:
        return None


def resolve(name: str):
    """The library callable called ``name`` (e.g. 'bpcourse.activations.tanh_prime')."""
    if not isinstance(name, str) or not name.startswith(ALLOWED_PREFIXES) or len(name) > 200:
        raise ProtocolError(f"not a library callable: {name!r:.80}")
    parts = name.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        try:
            obj = importlib.import_module(".".join(parts[:cut]))
        except Exception:  # noqa: BLE001 - not a module, or one that fails to import: try a shorter prefix
            continue
        try:
            for attr in parts[cut:]:
                obj = getattr(obj, attr)
        except AttributeError:
            break
        if callable(obj):
            return obj
        break
    raise ProtocolError(f"no library callable {name!r:.80}")


def _network(net) -> dict | None:
    """The data of a bp.MLP (or anything shaped like one), or None."""
    sizes, params = getattr(net, "sizes", None), getattr(net, "params", None)
    if not isinstance(sizes, (list, tuple)) or not isinstance(params, dict) or not hasattr(net, "predict"):
        return None
    fields = {}
    for key in ("hidden", "output", "loss_name", "batchnorm", "bn_eps", "bn_momentum"):
        value = getattr(net, key, None)
        if isinstance(value, (str, bool, int, float)) or value is None:
            fields[key] = value
    state = getattr(net, "bn_state", None)
    return {"sizes": list(sizes), "params": params, "bn_state": state if isinstance(state, dict) else {}, **fields}


def encode(x, refs: dict[int, list] | None = None, depth: int = 0, strict: bool = False):
    """``x`` as JSON-ready plain data; ``refs`` maps id(object) → argument path for objects of the request.

    ``strict`` (the grader's requests): what cannot be sent raises ProtocolError instead of going as ``$opaque``.
    """
    if depth > MAX_DEPTH:
        return {"$opaque": "deep"}
    if refs and id(x) in refs and isinstance(x, (np.ndarray, dict, list)):
        return {"$arg": refs[id(x)]}
    if x is None or isinstance(x, (bool, str)):
        return x
    if isinstance(x, (int, float)) and type(x) in (int, float):
        if isinstance(x, float) and not math.isfinite(x):
            return {"$float": repr(x)}
        return x if not isinstance(x, int) or abs(x) < 2**63 else {"$int": str(x)}
    if isinstance(x, complex) and type(x) is complex:
        return {"$complex": [encode(x.real), encode(x.imag)]}
    if isinstance(x, np.generic) and x.dtype.kind in _KINDS:
        return {"$scalar": _array(np.asarray(x))}
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in _KINDS:
            return {"$opaque": f"ndarray_of_{x.dtype.kind}"}
        return {"$array": _array(x)}
    if isinstance(x, np.random.Generator):
        return {"$rng": _plain(x.bit_generator.state)}
    if isinstance(x, tuple):
        values = [encode(v, refs, depth + 1, strict) for v in x]
        kind = _named_tuple(type(x))
        return {"$ntuple": [kind, values]} if kind is not None else {"$tuple": values}
    if isinstance(x, list):
        return [encode(v, refs, depth + 1, strict) for v in x]
    if isinstance(x, dict):
        if all(isinstance(k, str) for k in x):
            return {"$dict": {k: encode(v, refs, depth + 1, strict) for k, v in x.items()}}
        return {"$pairs": [[encode(k, None, depth + 1), encode(v, refs, depth + 1, strict)] for k, v in x.items()]}
    if callable(x) and dotted_name(x):
        return {"$fn": dotted_name(x)}
    if strict:
        raise ProtocolError(f"{x!r:.80} is not plain data nor a module-level library callable")
    if isinstance(x, Iterator):  # a generator, map, zip...: the checks say what it is, without its values
        return {"$iterator": type(x).__name__}
    net = _network(x)
    if net is not None:
        return {"$network": encode(net, None, depth + 1)}
    return {"$opaque": type(x).__name__}


def _named_tuple(cls) -> str | None:
    """The dotted name of one of the library's ``NAMEDTUPLES`` if ``cls`` is that very class, else None."""
    name = f"{getattr(cls, '__module__', '')}.{getattr(cls, '__qualname__', '')}"
    if name not in NAMEDTUPLES:
        return None
    try:
        return name if resolve(name) is cls else None
    except ProtocolError:
        return None


def _rebuild_named_tuple(v, decoded: list):
    """``NAMEDTUPLES`` type ``v[0]`` with the decoded fields; a name outside the list, or a wrong count, is refused."""
    name = v[0]
    if not isinstance(name, str) or name not in NAMEDTUPLES:
        raise ProtocolError(f"not one of the library's named tuples: {name!r:.80}")
    cls = resolve(name)
    if not (isinstance(cls, type) and issubclass(cls, tuple) and len(getattr(cls, "_fields", ())) == len(decoded)):
        raise ProtocolError(f"{name} takes {len(getattr(cls, '_fields', ()))} fields, not {len(decoded)}")
    return cls(*decoded)


def _array(a: np.ndarray) -> dict:
    # tobytes() writes C order whatever the layout (ascontiguousarray would turn a 0-d array into 1-d)
    return {
        "dtype": a.dtype.str,
        "shape": list(a.shape),
        "data": base64.b64encode(a.tobytes(order="C")).decode("ascii"),
    }


def _plain(state):
    """A bit generator's state (dicts of ints and strings) as JSON data."""
    if isinstance(state, dict):
        return {str(k): _plain(v) for k, v in state.items()}
    if isinstance(state, np.ndarray):
        return {"$array": _array(state)}
    if isinstance(state, (np.integer, int)):
        return int(state) if abs(int(state)) < 2**63 else {"$int": str(int(state))}
    return state


# ---- decoding -------------------------------------------------------------------------------------------


MAX_NETWORKS = 4  # networks rebuilt from one message; more are opaque (each costs the grader an MLP)


def decode(x, args: tuple | list | None = None, depth: int = 0, callables: bool = False, state: dict | None = None):
    """The value that ``encode`` wrote; ``args`` are the request's arguments, for ``$arg`` references.

    ``callables``: resolve ``$fn`` (the worker reading the grader's requests). The grader reads the worker's
    replies without it: a library function that comes back is just an opaque ``function``. ``state`` counts
    what one message has cost so far (the networks rebuilt).
    """
    state = {"networks": 0} if state is None else state
    if depth > MAX_DEPTH:
        raise ProtocolError("nested too deeply")
    if x is None or isinstance(x, (bool, str, int, float)):
        return x
    if isinstance(x, list):
        return [decode(v, args, depth + 1, callables, state) for v in x]
    if not isinstance(x, dict) or len(x) != 1:
        raise ProtocolError(f"not a tagged value: {str(x)[:80]}")
    (tag, v), sub = next(iter(x.items())), depth + 1
    if tag == "$tuple" and isinstance(v, list):
        return tuple(decode(e, args, sub, callables, state) for e in v)
    if tag == "$ntuple" and isinstance(v, list) and len(v) == 2 and isinstance(v[1], list):
        return _rebuild_named_tuple(v, [decode(e, args, sub, callables, state) for e in v[1]])
    if tag == "$dict" and isinstance(v, dict):
        return {k: decode(e, args, sub, callables, state) for k, e in v.items()}
    if tag == "$pairs" and isinstance(v, list) and all(isinstance(p, list) and len(p) == 2 for p in v):
        out = {}
        for k, e in v:
            key = decode(k, None, sub, False, state)
            try:
                out[key] = decode(e, args, sub, callables, state)
            except TypeError as exc:  # an unhashable key
                raise ProtocolError(f"a key that cannot be a dict key: {exc}") from None
        return out
    if tag == "$array":
        return _unarray(v)
    if tag == "$scalar":
        a = _unarray(v)
        if a.shape != ():
            raise ProtocolError("a scalar with a shape")
        return a[()]
    if tag == "$float" and v in ("nan", "inf", "-inf"):
        return float(v)
    if tag == "$int" and isinstance(v, str) and re.fullmatch(r"-?\d{1,400}", v):
        return int(v)
    if tag == "$complex" and isinstance(v, list) and len(v) == 2:
        re_, im = (decode(e, None, sub, False, state) for e in v)
        if not all(isinstance(t, float | int) for t in (re_, im)):
            raise ProtocolError("a complex number of non-numbers")
        return complex(re_, im)
    if tag == "$rng" and isinstance(v, dict):
        return _generator(v)
    if tag == "$fn":
        return resolve(v) if callables else opaque("function")
    if tag == "$arg":
        return _follow(args, v)
    if tag == "$network":
        state["networks"] += 1
        if state["networks"] > MAX_NETWORKS:
            return opaque("MLP")
        return _rebuild_network(decode(v, None, sub, False, state))
    if tag == "$opaque":
        return opaque(v)
    if tag == "$iterator":
        return (e for e in ())
    raise ProtocolError(f"unknown tag {tag!r:.40}")


def _unarray(v) -> np.ndarray:
    if not isinstance(v, dict) or set(v) != {"dtype", "shape", "data"}:
        raise ProtocolError("an array without dtype, shape and data")
    try:
        dtype = np.dtype(v["dtype"])
    except (TypeError, ValueError):
        raise ProtocolError(f"not a dtype: {v['dtype']!r:.40}") from None
    shape = v["shape"]
    if dtype.kind not in _KINDS or not isinstance(shape, list) or not all(isinstance(n, int) and n >= 0 for n in shape):
        raise ProtocolError("an array of an unsupported dtype or shape")
    if not isinstance(v["data"], str):
        raise ProtocolError("array data that is not base64 text")
    try:
        raw = base64.b64decode(v["data"], validate=True)
    except ValueError:
        raise ProtocolError("array data that is not base64") from None
    if len(raw) != dtype.itemsize * math.prod(shape):
        raise ProtocolError("array data of the wrong length")
    return np.frombuffer(raw, dtype=dtype).reshape(shape).copy()


def _generator(state: dict) -> np.random.Generator:
    name = state.get("bit_generator")
    if not isinstance(name, str) or name not in ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64"):
        raise ProtocolError(f"not a NumPy bit generator: {name!r:.40}")
    bit = getattr(np.random, name)()
    try:
        bit.state = _unplain(state)
    except (TypeError, ValueError, KeyError) as exc:
        raise ProtocolError(f"a bit generator state that NumPy refuses: {exc}") from None
    return np.random.Generator(bit)


def _unplain(state):
    if isinstance(state, dict):
        if set(state) == {"$array"}:
            return _unarray(state["$array"])
        if set(state) == {"$int"}:
            return int(state["$int"])
        return {k: _unplain(v) for k, v in state.items()}
    return state


def _follow(args, path):
    if args is None or not isinstance(path, list) or not path:
        raise ProtocolError("a reference outside a call")
    obj = args
    for step in path:
        try:
            obj = obj[step]
        except (KeyError, IndexError, TypeError):
            raise ProtocolError(f"a reference to no argument: {path!r:.80}") from None
    return obj


def _rebuild_network(data):
    """A bp.MLP with the sizes, settings and parameters of the learner's network."""
    from ..errors import BPCourseError
    from ..network import MLP

    if not isinstance(data, dict) or not isinstance(data.get("params"), dict):
        return opaque("MLP")
    sizes = data.get("sizes")
    if (
        not isinstance(sizes, list)
        or not 2 <= len(sizes) <= 100
        or not all(isinstance(n, int) and 1 <= n <= 10**6 for n in sizes)
        or sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=True)) * 8 > MAX_LINE  # too big for a message
    ):
        return opaque("MLP")
    options = {k: data[k] for k in ("hidden", "output", "batchnorm") if isinstance(data.get(k), (str, bool))}
    if isinstance(data.get("loss_name"), str):
        options["loss"] = data["loss_name"]
    try:
        net = MLP(data["sizes"], init="zeros", **options)  # zeros: no random draws, the parameters come next
    except (BPCourseError, TypeError, ValueError):
        return opaque("MLP")
    params = data["params"]
    net.params = {k: v for k, v in params.items() if isinstance(k, str) and isinstance(v, np.ndarray)}
    if isinstance(data.get("bn_state"), dict):
        net.bn_state = {k: v for k, v in data["bn_state"].items() if isinstance(v, np.ndarray)}
    return net


def references(args) -> dict[int, list]:
    """id(object) → path, for the arrays, dicts and lists inside a call's arguments (for ``$arg``)."""
    refs: dict[int, list] = {}

    def walk(x, path, depth):
        if depth > 4 or id(x) in refs:
            return
        if isinstance(x, (np.ndarray, dict, list)) and path:
            refs[id(x)] = path
        if isinstance(x, dict):
            for k, v in x.items():
                if isinstance(k, (str, int)):
                    walk(v, [*path, k], depth + 1)
        elif isinstance(x, (list, tuple)):
            for i, v in enumerate(x):
                walk(v, [*path, i], depth + 1)

    walk(list(args), [], 0)
    return refs


# ---- framing --------------------------------------------------------------------------------------------


def dumps(message: dict) -> bytes:
    return json.dumps(message, ensure_ascii=True, allow_nan=False, separators=(",", ":")).encode("ascii") + b"\n"


def loads(line: bytes) -> dict:
    if len(line) > MAX_LINE:
        raise ProtocolError(f"a message of {len(line)} bytes (at most {MAX_LINE})")
    try:
        message = json.loads(line.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:  # RecursionError: "[[[[…" nested too deep
        raise ProtocolError(f"not a JSON message: {type(exc).__name__}: {str(exc)[:80]}") from None
    if not isinstance(message, dict):
        raise ProtocolError("a message that is not a JSON object")
    return message


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON (floats that are not finite go as {{'$float': ...}})")
