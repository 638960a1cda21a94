"""Derivatives on structured meshes: CNNs that take the coordinate grids as channels.

What is checked, each against an independent reference written here:
- pointwise network (1x1 convolutions): ZCS = per-point autograd, orders 1 to 4;
- 3x3 CNN (zero / replicate padding): ZCS = forward mode with an all-ones tangent on the
  coordinate channel; at interior pixels, central differences of the output across
  neighbouring pixels converge to the ZCS derivative at second order;
- circular padding with periodic features: the same convergence at every pixel;
- fd2 / fd4 converge at orders 2 / 4 to the exact derivatives of an analytic field;
- torch and JAX agree on the same weights;
- the CNN Poisson example trains in its tiny mode.
"""

from __future__ import annotations

import functools
import math

import jax
import jax.numpy as jnp
import numpy as np
import pytest
import torch

import pdecomp

jax.config.update("jax_enable_x64", True)

SOURCE = """
coords x, y
fields u
eq ex: dx(u) = 0
eq exx: dxx(u) = 0
eq exy: dxy(u) = 0
eq exxy: d(u, x, 2, y) = 0
eq exxxx: d(u, x, 4) = 0
eq bi: lap(lap(u)) = 0
"""
# Each equation's residual as a combination of directional derivatives (d/dx then d/dy...).
EXPECTED = {
    "ex": {"x": 1},
    "exx": {"xx": 1},
    "exy": {"xy": 1},
    "exxy": {"xxy": 1},
    "exxxx": {"xxxx": 1},
    "bi": {"xxxx": 1, "xxyy": 2, "yyyy": 1},
}
# The CNN checks stop at second order (the pointwise check goes to fourth).
LOW_ORDER = ("ex", "exx", "exy")
BACKENDS = ["torch", "jax"]


@pytest.fixture(autouse=True, scope="module")
def one_torch_thread():
    """Small tensors on a shared 2-core machine: one thread avoids oversubscription."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@functools.cache
def compiled(backend, method, names=tuple(EXPECTED)):
    """The system restricted to the equations `names`, compiled."""
    keep = [line for line in SOURCE.splitlines() if not line.startswith("eq ")]
    keep += [line for line in SOURCE.splitlines() if line.split(":")[0][3:] in names]
    return pdecomp.compile(pdecomp.loads("\n".join(keep)), backend=backend, method=method)


def residuals(backend, method, model, X, Y, names=tuple(EXPECTED)):
    """The residuals `names` (JAX: under jax.jit, the model and the grids closed over)."""
    pde = compiled(backend, method, names)
    if backend == "torch":
        return pde.residuals(model, X, Y)
    return jax.jit(lambda: pde.residuals(model, X, Y))()  # grids closed over: fd reads them


def evaluate(backend, model, X, Y):
    """The model's output as numpy (JAX: jitted)."""
    return numpy(model(X, Y) if backend == "torch" else jax.jit(model)(X, Y))


def grid(n, lo=0.0, hi=1.0, batch=None):
    """(X, Y) as float64 numpy grids of shape (n, n), x along the last axis."""
    t = np.linspace(lo, hi, n)
    Y, X = np.meshgrid(t, t, indexing="ij")
    if batch is not None:  # a batch of grids, each shifted: (batch, n, n)
        X = np.stack([X + 0.3 * b for b in range(batch)])
        Y = np.stack([Y - 0.2 * b for b in range(batch)])
    return X, Y


def as_backend(backend, *arrays):
    if backend == "torch":
        return tuple(torch.tensor(a, dtype=torch.float64) for a in arrays)
    return tuple(jnp.asarray(a) for a in arrays)


def numpy(value):
    return value.detach().numpy() if isinstance(value, torch.Tensor) else np.asarray(value)


def assert_close(actual, expected, tol=1e-10):
    actual, expected = numpy(actual), numpy(expected)
    scale = max(1.0, float(np.abs(expected).max()))
    assert np.abs(actual - expected).max() <= tol * scale


# ---- models: one torch CNN, the same weights in JAX --------------------------------------


def features(X, Y, lib):
    """Per-pixel inputs computed in the model from the coordinates."""
    return [X, Y, X * Y]


def periodic_features(X, Y, lib):
    return [lib.sin(2 * math.pi * X), lib.cos(2 * math.pi * X), lib.sin(2 * math.pi * Y)]


def make_torch_cnn(kernel, padding_mode="zeros", width=6, seed=0):
    torch.manual_seed(seed)
    pad = kernel // 2
    return torch.nn.Sequential(
        torch.nn.Conv2d(3, width, kernel, padding=pad, padding_mode=padding_mode),
        torch.nn.Tanh(),
        torch.nn.Conv2d(width, width, kernel, padding=pad, padding_mode=padding_mode),
        torch.nn.Tanh(),
        torch.nn.Conv2d(width, 1, 1),
    ).double()


def torch_model(net, feats=features):
    """model(X, Y) for grids (H, W) -> (H, W) or (B, H, W) -> (B, H, W)."""

    def model(X, Y):
        h = torch.stack(feats(X, Y, torch), -3)
        out = net(h if h.ndim == 4 else h[None])[:, 0]
        return out if X.ndim == 3 else out[0]

    return model


def jax_model(net, feats=features):
    """The same network in JAX, weights copied from the torch Sequential."""
    layers = []
    for layer in net:
        if isinstance(layer, torch.nn.Conv2d):
            w, b = (jnp.asarray(p.detach().numpy()) for p in (layer.weight, layer.bias))
            layers.append((w, b, layer.padding[0], layer.padding_mode))
        else:
            layers.append(None)
    modes = {"zeros": "constant", "replicate": "edge", "circular": "wrap"}

    def model(X, Y):
        h = jnp.stack(feats(X, Y, jnp), -3)
        h = h if h.ndim == 4 else h[None]
        for layer in layers:
            if layer is None:
                h = jnp.tanh(h)
                continue
            w, b, pad, mode = layer
            h = jnp.pad(h, ((0, 0), (0, 0), (pad, pad), (pad, pad)), mode=modes[mode])
            h = jax.lax.conv_general_dilated(
                h, w, (1, 1), "VALID", dimension_numbers=("NCHW", "OIHW", "NCHW")
            )
            h = h + b[None, :, None, None]
        out = h[:, 0]
        return out if X.ndim == 3 else out[0]

    return model


def model_for(backend, net, feats=features):
    return (torch_model if backend == "torch" else jax_model)(net, feats)


# ---- independent references --------------------------------------------------------------


def per_point_reference(backend, model, X, Y):
    """directions ("xxy") -> that derivative at every pixel, each pixel on its own.

    Torch: per-pixel leaves, one backward pass per direction. JAX: the model on a 1x1
    grid per point, all derivative tensors to fourth order by nested jax.jacfwd (vmapped).
    Valid for pointwise models only.
    """
    if backend == "torch":
        return functools.partial(_per_pixel_leaves, model, X, Y)

    def at_point(p):
        return model(p[0].reshape(1, 1), p[1].reshape(1, 1))[0, 0]

    orders = [jax.jacfwd(at_point)]
    for _ in range(3):
        orders.append(jax.jacfwd(orders[-1]))
    points = jnp.stack([X.ravel(), Y.ravel()], -1)
    tensors = jax.jit(jax.vmap(lambda p: [d(p) for d in orders]))(points)

    def pick(directions):
        index = tuple("xy".index(c) for c in directions)
        return tensors[len(index) - 1][(slice(None), *index)].reshape(X.shape)

    return pick


def _per_pixel_leaves(model, X, Y, directions):
    leaves = [X.clone().requires_grad_(), Y.clone().requires_grad_()]
    d = model(*leaves)
    for c in directions:
        (d,) = torch.autograd.grad(d.sum(), leaves["xy".index(c)], create_graph=True)
    return d


def ones_tangent_derivative(backend, model, X, Y, directions):
    """Nested forward mode with an all-ones tangent on one coordinate channel per level."""
    f = model
    for c in directions:
        f = _jvp_in(backend, f, "xy".index(c), X)
    return f(X, Y) if backend == "torch" else jax.jit(f)(X, Y)


def _jvp_in(backend, f, k, like):
    if backend == "torch":
        ones, zeros = torch.ones_like(like), torch.zeros_like(like)
        tangent = (ones, zeros) if k == 0 else (zeros, ones)
        return lambda X, Y: torch.func.jvp(f, (X, Y), tangent)[1]
    ones, zeros = jnp.ones_like(like), jnp.zeros_like(like)
    tangent = (ones, zeros) if k == 0 else (zeros, ones)
    return lambda X, Y: jax.jvp(f, (X, Y), tangent)[1]


def ones_tangent_combination(backend, model, X, Y, terms):
    return sum(w * ones_tangent_derivative(backend, model, X, Y, d) for d, w in terms.items())


# ---- ZCS on grids ------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_pointwise_network_matches_per_point_autograd(backend):
    net = make_torch_cnn(kernel=1)
    model = model_for(backend, net)
    X, Y = as_backend(backend, *grid(5, -0.5, 0.7, batch=2))  # (2, 5, 5): a batch of grids
    res = residuals(backend, "zcs", model, X, Y)
    reference = per_point_reference(backend, model, X, Y)
    for name, terms in EXPECTED.items():
        assert res[name].shape == X.shape
        assert_close(res[name], sum(w * reference(d) for d, w in terms.items()))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("padding", ["zeros", "replicate"])
def test_cnn_matches_forward_mode_with_ones_tangent(backend, padding):
    net = make_torch_cnn(kernel=3, padding_mode=padding)
    model = model_for(backend, net)
    X, Y = as_backend(backend, *grid(8, -0.4, 0.8))
    res = residuals(backend, "zcs", model, X, Y, LOW_ORDER)
    for name in LOW_ORDER:
        reference = ones_tangent_combination(backend, model, X, Y, EXPECTED[name])
        assert_close(res[name], reference)


def test_cnn_is_not_pointwise():
    """For a 3x3 CNN a per-pixel leaf is a different (wrong) quantity: the test has teeth."""
    model = torch_model(make_torch_cnn(kernel=3))
    X, Y = as_backend("torch", *grid(8))
    zcs = compiled("torch", "zcs", LOW_ORDER).residual("ex", model, X, Y)
    leaf = per_point_reference("torch", model, X, Y)("x")
    assert np.abs(numpy(zcs) - numpy(leaf)).max() > 1e-2


def observed_orders(errors):
    return [math.log2(a / b) for a, b in zip(errors, errors[1:])]


@pytest.mark.parametrize("backend", BACKENDS)
def test_cnn_central_differences_converge_to_zcs_at_interior_pixels(backend):
    """out[i+1] = G(x_i + h) away from the padding: (out[i+1] - out[i-1]) / 2h -> G'(x_i).

    At pixel 1, within the zero padding's reach, there is no such G: no convergence.
    """
    model = model_for(backend, make_torch_cnn(kernel=3))
    errors = {"ex": [], "exy": [], "edge": []}
    for n in (33, 65, 129):  # h, h/2, h/4 on [0, 2]^2
        X, Y = as_backend(backend, *grid(n, 0.0, 2.0))
        h = 2.0 / (n - 1)
        u = evaluate(backend, model, X, Y)
        res = residuals(backend, "zcs", model, X, Y, ("ex", "exy"))
        q = (n - 1) // 4
        rows = slice(q, 3 * q + 1, q // 4)  # the same 9 physical points, far from the padding
        cx = (u[:, 2:] - u[:, :-2]) / (2 * h)  # at columns 1..n-2
        cxy = (cx[2:] - cx[:-2]) / (2 * h)  # at rows and columns 1..n-2
        shift = slice(q - 1, 3 * q, q // 4)
        errors["ex"].append(np.abs(cx[rows, shift] - numpy(res["ex"])[rows, rows]).max())
        errors["exy"].append(np.abs(cxy[shift, shift] - numpy(res["exy"])[rows, rows]).max())
        errors["edge"].append(np.abs(cx[rows, 0] - numpy(res["ex"])[rows, 1]).max())
    for name in ("ex", "exy"):
        assert errors[name][-1] < 1e-4
        assert all(abs(p - 2) < 0.3 for p in observed_orders(errors[name])), errors
    assert errors["edge"][-1] > 0.1 and all(p < 0 for p in observed_orders(errors["edge"]))


def test_circular_padding_with_periodic_features_is_exact_at_every_pixel():
    """Periodic inputs + circular padding: no pixel is special; differences wrap around."""
    model = torch_model(make_torch_cnn(kernel=3, padding_mode="circular"), periodic_features)
    pde = compiled("torch", "zcs", ("ex",))
    errors = []
    for n in (32, 64, 128):  # periodic grid on [0, 1): x = i / n
        t = np.arange(n) / n
        X, Y = as_backend("torch", *np.meshgrid(t, t, indexing="xy"))
        u = numpy(model(X, Y))
        central = (np.roll(u, -1, axis=1) - np.roll(u, 1, axis=1)) * n / 2
        errors.append(np.abs(central - numpy(pde.residual("ex", model, X, Y))).max())
    assert all(abs(p - 2) < 0.3 for p in observed_orders(errors)), errors


# ---- finite differences ------------------------------------------------------------------


def analytic(X, Y, lib):
    return lib.sin(2 * X) * lib.exp(Y)


ANALYTIC = {  # exact derivatives of sin(2x) e^y
    "ex": lambda X, Y: 2 * np.cos(2 * X) * np.exp(Y),
    "exx": lambda X, Y: -4 * np.sin(2 * X) * np.exp(Y),
    "exy": lambda X, Y: 2 * np.cos(2 * X) * np.exp(Y),
    "bi": lambda X, Y: 9 * np.sin(2 * X) * np.exp(Y),  # 16 - 8 + 1
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("order", [2, 4])
def test_finite_differences_converge_at_their_order(backend, order):
    method = f"fd{order}"
    lib = torch if backend == "torch" else jnp
    errors = {name: [] for name in ANALYTIC}
    for n in (33, 65, 129):
        Xn, Yn = grid(n)
        X, Y = as_backend(backend, Xn, Yn)
        res = residuals(backend, method, lambda X, Y: analytic(X, Y, lib), X, Y, tuple(ANALYTIC))
        q = (n - 1) // 4
        inner = (slice(q, 3 * q + 1),) * 2  # [1/4, 3/4]^2: beyond the edge stencils' reach
        for name, exact in ANALYTIC.items():
            err = np.abs(numpy(res[name]) - exact(Xn, Yn))
            errors[name].append(err.max() if name == "ex" else err[inner].max())  # ex: edges too
    for name, errs in errors.items():
        if name == "bi" and order == 4:
            errs = errs[:2]  # at h = 1/128 round-off (eps / h^4) takes over
        assert all(abs(p - order) < 0.15 for p in observed_orders(errs)), (name, errs)


@pytest.mark.parametrize("backend", BACKENDS)
def test_finite_differences_keep_leading_dims(backend):
    """Output (B, C, H, W) on (H, W) grids: derivatives along the trailing grid axes."""
    lib = torch if backend == "torch" else jnp
    Xn, Yn = grid(17, 0.0, 2.0)
    X, Y = as_backend(backend, Xn, Yn)
    scale = as_backend(backend, np.arange(1.0, 7.0).reshape(2, 3, 1, 1))[0]

    def model(X, Y):
        return scale * lib.sin(X) * lib.exp(Y)

    res = residuals(backend, "fd4", model, X, Y, ("exy",))["exy"]
    single = residuals(backend, "fd4", lambda X, Y: lib.sin(X) * lib.exp(Y), X, Y, ("exy",))["exy"]
    assert res.shape == (2, 3, 17, 17)
    assert_close(res, np.arange(1.0, 7.0).reshape(2, 3, 1, 1) * numpy(single))
    assert np.abs(numpy(single) - np.cos(Xn) * np.exp(Yn)).max() < 1e-3


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(
    ("coords", "message"),
    [
        (lambda X, Y: (X**2, Y), "uniform spacing"),
        (lambda X, Y: (X + Y, Y), "exactly one axis"),
        (lambda X, Y: (X[:3, :3], Y[:3, :3]), "at least 5 points"),
    ],
)
def test_finite_differences_reject_bad_grids(backend, coords, message):
    X, Y = as_backend(backend, *coords(*grid(9)))
    with pytest.raises(ValueError, match=message):
        compiled(backend, "fd4").residuals(lambda X, Y: X * Y, X, Y)


@pytest.mark.parametrize("backend", BACKENDS)
def test_finite_differences_reject_output_of_another_grid(backend):
    X, Y = as_backend(backend, *grid(9))
    with pytest.raises(ValueError, match="trailing dimensions"):
        compiled(backend, "fd2").residuals(lambda X, Y: (X * Y)[:, :4], X, Y)


def test_jax_finite_differences_explain_traced_grids():
    X, Y = as_backend("jax", *grid(9))
    pde = compiled("jax", "fd2")
    with pytest.raises(ValueError, match="close over the coordinate grids"):
        jax.jit(lambda X, Y: pde.residual("ex", lambda X, Y: X * Y, X, Y))(X, Y)
    closed = jax.jit(lambda: pde.residual("ex", lambda X, Y: X * Y, X, Y))()
    assert np.abs(np.asarray(closed) - np.asarray(Y)).max() < 1e-12


# ---- torch and JAX on the same weights ---------------------------------------------------


@pytest.mark.parametrize("method", ["zcs", "fd2"])
def test_torch_and_jax_agree_on_the_same_weights(method):
    net = make_torch_cnn(kernel=3, padding_mode="replicate", seed=3)
    Xn, Yn = grid(10, -1.0, 1.0)
    res_t = residuals("torch", method, torch_model(net), *as_backend("torch", Xn, Yn), LOW_ORDER)
    res_j = residuals("jax", method, jax_model(net), *as_backend("jax", Xn, Yn), LOW_ORDER)
    for name in LOW_ORDER:
        assert_close(res_t[name], res_j[name])


# ---- the example -------------------------------------------------------------------------


def test_cnn_poisson_example_tiny(tmp_path):
    from examples import cnn_poisson

    results = cnn_poisson.main(["--tiny", "--out", str(tmp_path)])
    assert set(results) == {"zcs", "fd2"}
    for row in results.values():
        assert np.isfinite(row["loss"]) and row["rel_l2"] < 1.0
    assert (tmp_path / "cnn_poisson.png").exists()
    assert (tmp_path / "cnn_poisson.md").read_text().count("|") > 10
