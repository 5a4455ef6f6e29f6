"""How fast is one training step of bpcourse, next to a per-example loop, PyTorch and NumPy's matmuls alone?

    python benchmarks/train_speed.py                 # all cores for NumPy and PyTorch
    python benchmarks/train_speed.py --threads 1     # one thread each
    python benchmarks/train_speed.py --quick         # fewer repeats, for a smoke test

One step = what ``bp.train`` runs per mini-batch: forward, loss, backward (``net._loss_and_gradients``)
and an Adam update (``opt._step``), float64, for two shapes: digits (64-128-64-10, batch 64) and
MNIST-size (784-256-128-10, batch 128, random data). ``bp.train`` validates its inputs once, before
the first step, so no step pays for the checks. Compared in the same run, interleaved round by round
so the machine's load hits all alike:

  checked the public calls ``net.loss_and_gradients(X, Y)`` + ``opt.step(params, grads)``, which
         validate every argument each time (shapes, keys, NaN/inf, probability targets): the price
         of calling the library step by step from your own loop;
  loop   the same library, one column at a time (gradients accumulated, then one Adam step),
         as textbook code without vectorization does it;
  torch  the same network in PyTorch on the CPU in float64 (skipped when torch is not installed);
  limit  only the matrix products of the forward and backward passes (3 + 5 matmuls): the floor.

Then: wall time to train on digits until the test accuracy reaches 97 %.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
parser.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for NumPy's BLAS and for PyTorch")
parser.add_argument("--steps", type=int, default=200, help="timed steps per round (the loop runs a tenth)")
parser.add_argument("--rounds", type=int, default=5)
parser.add_argument("--quick", action="store_true", help="steps=20, rounds=3")
parser.add_argument("--no-torch", action="store_true", help="skip the PyTorch column")
args = parser.parse_args()
if args.quick:
    args.steps, args.rounds = 20, 3

# BLAS reads these when it loads, so they must be set before NumPy is imported.
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(args.threads)

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import bpcourse as bp  # noqa: E402

try:
    if args.no_torch:
        raise ImportError("--no-torch")
    import torch

    torch.set_num_threads(args.threads)
    TORCH_NOTE = f"torch {torch.__version__}, torch.get_num_threads() = {torch.get_num_threads()}"
except ImportError as exc:
    torch = None
    TORCH_NOTE = f"PyTorch column skipped ({exc}); it is optional, never a dependency"

SHAPES = {"digits": ([64, 128, 64, 10], 64), "MNIST": ([784, 256, 128, 10], 128)}


def data(sizes, m, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.random((sizes[0], m))
    y = rng.integers(0, sizes[-1], m)
    return X, bp.datasets.one_hot(y, sizes[-1]), y


# ---- the contenders: each returns a zero-argument function doing one training step ------------


def ours(sizes, m):
    net = bp.MLP(sizes, hidden="relu", output="softmax", seed=0)
    opt = bp.optim.Adam(lr=1e-3)
    X, Y, _ = data(sizes, m)

    def step():  # the body of bp.train's loop, on arguments it validated once
        _, grads = net._loss_and_gradients(X, Y)
        opt._step(net.params, grads)

    return step


def checked(sizes, m):
    net = bp.MLP(sizes, hidden="relu", output="softmax", seed=0)
    opt = bp.optim.Adam(lr=1e-3)
    X, Y, _ = data(sizes, m)

    def step():  # the public calls: every argument validated on every call
        _, grads = net.loss_and_gradients(X, Y)
        opt.step(net.params, grads)

    return step


def loop(sizes, m):
    net = bp.MLP(sizes, hidden="relu", output="softmax", seed=0)
    opt = bp.optim.Adam(lr=1e-3)
    X, Y, _ = data(sizes, m)

    def step():
        total = {k: np.zeros_like(p) for k, p in net.params.items()}
        for j in range(m):  # one example at a time
            # the same unchecked path as ours, so the ratio measures vectorization alone
            _, g = net._loss_and_gradients(np.ascontiguousarray(X[:, j : j + 1]), np.ascontiguousarray(Y[:, j : j + 1]))
            for k in total:
                total[k] += g[k]
        opt._step(net.params, {k: g / m for k, g in total.items()})  # the batch mean, as ours

    return step


def pytorch(sizes, m):
    torch.manual_seed(0)
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1], dtype=torch.float64))
        if i < len(sizes) - 2:
            layers.append(torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    X, _, y = data(sizes, m)
    Xt, yt = torch.from_numpy(X.T.copy()), torch.from_numpy(y)  # PyTorch puts examples in rows

    def step():
        opt.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(Xt), yt)
        loss.backward()
        opt.step()

    return step


def limit(sizes, m):
    """The matrix products alone: Z^l = W^l A^{l-1} (forward), dW^l = δ^l A^{l-1}ᵀ and (W^l)ᵀ δ^l (backward)."""
    rng = np.random.default_rng(0)
    Ws = [rng.standard_normal((sizes[i + 1], sizes[i])) for i in range(len(sizes) - 1)]
    As = [rng.standard_normal((n, m)) for n in sizes]
    Ds = [rng.standard_normal((n, m)) for n in sizes]

    def step():
        for l, W in enumerate(Ws):
            W @ As[l]
        for l in range(len(Ws) - 1, -1, -1):
            Ds[l + 1] @ As[l].T
            if l > 0:
                Ws[l].T @ Ds[l + 1]

    return step


def timed(step, n):
    """Per-step times (s) of n calls."""
    out = np.empty(n)
    for i in range(n):
        t0 = time.perf_counter()
        step()
        out[i] = time.perf_counter() - t0
    return out


def measure(sizes, m):
    contenders = {"ours": ours, "checked": checked, "loop": loop, "limit": limit}
    if torch is not None:
        contenders["torch"] = pytorch
    steps = {name: make(sizes, m) for name, make in contenders.items()}
    for step in steps.values():  # warm-up: caches, optimizer state, BLAS thread pools
        timed(step, 3)
    samples = {name: [] for name in steps}
    for _ in range(args.rounds):  # interleaved, so load spikes hit every contender
        for name, step in steps.items():
            n = max(5, args.steps // 10) if name == "loop" else args.steps
            samples[name].append(timed(step, n))
    return {name: float(np.median(np.concatenate(s))) for name, s in samples.items()}


def fmt_ms(t):
    return "—" if t is None else f"{t * 1e3:.3f}"


def verdict(ok):
    return "ok" if ok else "MISSED"


def train_digits_to_97():
    """Wall time of bp.train on digits, checked after every epoch, until test accuracy ≥ 97 %."""
    t0 = time.perf_counter()
    X, y = bp.datasets.load_digits()
    Xtr, Xte, ytr, yte = bp.datasets.train_test_split(X, y, test_size=0.2, seed=0)
    Ytr = bp.datasets.one_hot(ytr, 10)
    t_data = time.perf_counter() - t0
    net = bp.MLP([64, 128, 64, 10], hidden="relu", output="softmax", seed=0)
    reached = []

    def until_97(epoch, history, net):
        reached.append(net.accuracy(Xte, yte))
        return reached[-1] < 0.97

    t1 = time.perf_counter()
    bp.train(net, Xtr, Ytr, bp.optim.Adam(lr=3e-3), epochs=50, batch_size=64, seed=0, callback=until_97)
    t_train = time.perf_counter() - t1
    return t_data, t_train, len(reached), reached[-1]


def main():
    load0 = os.getloadavg()
    print("bpcourse train_speed: one step of bp.train's loop (forward, loss, backward, Adam update), float64")
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, {os.cpu_count()} cores; "
        f"threads: NumPy/OpenBLAS {args.threads} (OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}), "
        f"{TORCH_NOTE}"
    )
    print(
        f"median per step over {args.rounds} rounds x {args.steps} steps "
        f"(loop: {args.rounds} x {max(5, args.steps // 10)}), contenders interleaved; "
        f"load average before: {load0[0]:.2f}"
    )
    print()
    head = (
        f"{'size':<7} {'layers':<16} {'batch':>5} {'ours ms':>9} {'checked ms':>10} {'loop ms':>9} {'torch ms':>9}"
        f" {'limit ms':>9} {'ours/torch':>10} {'loop/ours':>9} {'limit/ours':>10} {'checked/ours':>12}"
    )
    print(head)
    print("-" * len(head))
    results = {}
    for name, (sizes, m) in SHAPES.items():
        r = measure(sizes, m)
        results[name] = r
        t = r.get("torch")
        vs_torch = "—" if t is None else f"{r['ours'] / t:.2f}x"
        print(
            f"{name:<7} {'-'.join(map(str, sizes)):<16} {m:>5} {fmt_ms(r['ours']):>9} {fmt_ms(r['checked']):>10} "
            f"{fmt_ms(r['loop']):>9} {fmt_ms(t):>9} {fmt_ms(r['limit']):>9} "
            f"{vs_torch:>10} {r['loop'] / r['ours']:>8.1f}x "
            f"{r['limit'] / r['ours']:>9.0%} {r['checked'] / r['ours']:>11.2f}x"
        )
    print()
    print("targets:")
    for name, target in (("digits", 0.5), ("MNIST", 1.0)):
        r = results[name]
        if "torch" in r:
            ratio = r["ours"] / r["torch"]
            print(f"  {name:<7} ours/torch {ratio:.2f}x  (target <= {target}x)  {verdict(ratio <= target)}")
    for name, r in results.items():
        speedup = r["loop"] / r["ours"]
        print(f"  {name:<7} loop/ours  {speedup:.1f}x  (target >= 10x, aim 20x)  {verdict(speedup >= 10)}")
    t_data, t_train, epochs, acc = train_digits_to_97()
    print(
        f"  digits  train 64-128-64-10 ReLU, Adam(lr=3e-3), batch 64 until test accuracy >= 97%: "
        f"{t_train:.2f} s ({epochs} epochs, test accuracy {acc:.4f}; loading and splitting the data "
        f"{t_data:.2f} s more)  (target <= 5 s)  {verdict(acc >= 0.97 and t_train + t_data <= 5)}"
    )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
