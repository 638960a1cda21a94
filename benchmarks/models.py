"""The benchmark's networks, in PyTorch and JAX, built from one set of numpy weights.

Input: layer sizes and a seed. Output: weights (:func:`init_weights`) and models that
take the coordinates positionally, as ``pdecomp`` expects.

- DeepONet (Cartesian-product layout), laid out exactly as DeepXDE's
  ``DeepONetCartesianProd`` with the ``split_both`` strategy for several fields: a branch
  MLP on the input functions' sensor values ``(M, S)``, a trunk MLP on the stacked
  coordinates with ``tanh`` on its last layer, one dot product per field over its slice
  of the latent vector, plus a scalar bias per field. Coordinates ``(N,)`` give fields
  ``(M, N)``; coordinates already broadcast to ``(M, N)`` (the DataVect layout) pair row
  ``m`` of the points with branch ``m``.
- PINN: a plain ``tanh`` MLP on the stacked coordinates ``(N,)`` -> fields ``(N,)``.

The torch and JAX models compute the same function from the same weights (a test
checks it); the DeepXDE network receives the same weights in :func:`deepxde_deeponet`.
"""

from __future__ import annotations

import numpy as np

WIDTH = 128  # hidden width of every MLP, as in DeepXDE's ZCS examples
DEPTH = 3  # linear layers per MLP
SENSORS = 50  # sensor values per input function (branch input size)


def init_weights(sizes: list[int], rng: np.random.Generator) -> list[tuple[np.ndarray, ...]]:
    """Glorot-normal weights ``(out, in)`` and zero biases for an MLP with ``sizes``."""
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        std = np.sqrt(2.0 / (n_in + n_out))
        weight = (rng.standard_normal((n_out, n_in)) * std).astype(np.float32)
        layers.append((weight, np.zeros(n_out, np.float32)))
    return layers


def deeponet_weights(n_coords: int, n_fields: int, seed: int = 0) -> dict:
    """Branch and trunk weights; the latent size is divisible by the number of fields."""
    rng = np.random.default_rng(seed)
    latent = n_fields * (WIDTH // n_fields)
    return {
        "branch": init_weights([SENSORS] + [WIDTH] * (DEPTH - 1) + [latent], rng),
        "trunk": init_weights([n_coords] + [WIDTH] * (DEPTH - 1) + [latent], rng),
        "bias": np.zeros(n_fields, np.float32),
    }


def pinn_weights(n_coords: int, n_fields: int, seed: int = 0) -> dict:
    """MLP weights for a PINN: coordinates -> fields."""
    rng = np.random.default_rng(seed)
    return {"mlp": init_weights([n_coords] + [WIDTH] * DEPTH + [n_fields], rng)}


def branch_inputs(m: int, seed: int = 1) -> np.ndarray:
    """Sensor values of ``m`` smooth input functions, ``(m, SENSORS)``."""
    rng = np.random.default_rng(seed)
    s = np.linspace(0.0, 1.0, SENSORS)
    modes = np.arange(1, 5)
    coefficients = rng.standard_normal((m, modes.size)) / modes
    return (coefficients @ np.sin(np.pi * modes[:, None] * s[None, :])).astype(np.float32)


# ---- PyTorch ----------------------------------------------------------------------


def _torch_mlp(torch, layers, x, last_activation: bool):
    for i, (weight, bias) in enumerate(layers):
        x = torch.nn.functional.linear(x, weight, bias)
        if i < len(layers) - 1 or last_activation:
            x = torch.tanh(x)
    return x


def _torch_params(torch, layers):
    return [
        (torch.nn.Parameter(torch.from_numpy(w.copy())), torch.nn.Parameter(torch.from_numpy(b)))
        for w, b in layers
    ]


def torch_deeponet(weights: dict, branch: np.ndarray):
    """A ``torch.nn.Module`` DeepONet for the sensor values ``branch``."""
    import torch

    class DeepONet(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.branch_layers = _torch_params(torch, weights["branch"])
            self.trunk_layers = _torch_params(torch, weights["trunk"])
            self.register_parameters()
            self.bias = torch.nn.Parameter(torch.from_numpy(weights["bias"].copy()))
            self.register_buffer("sensors", torch.from_numpy(branch))

        def register_parameters(self):
            for i, (w, b) in enumerate(self.branch_layers + self.trunk_layers):
                self.register_parameter(f"w{i}", w)
                self.register_parameter(f"b{i}", b)

        def forward(self, *coords):
            b = _torch_mlp(torch, self.branch_layers, self.sensors, False)
            t = _torch_mlp(torch, self.trunk_layers, torch.stack(coords, -1), True)
            size = b.shape[1] // self.bias.shape[0]
            pattern = "bi,ni->bn" if t.ndim == 2 else "bi,bni->bn"
            fields = tuple(
                torch.einsum(
                    pattern, b[:, k * size : (k + 1) * size], t[..., k * size : (k + 1) * size]
                )
                + self.bias[k]
                for k in range(self.bias.shape[0])
            )
            return fields[0] if len(fields) == 1 else fields

    return DeepONet()


def torch_pinn(weights: dict):
    """A ``torch.nn.Module`` MLP taking the coordinates positionally."""
    import torch

    class PINN(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = _torch_params(torch, weights["mlp"])
            for i, (w, b) in enumerate(self.layers):
                self.register_parameter(f"w{i}", w)
                self.register_parameter(f"b{i}", b)

        def forward(self, *coords):
            out = _torch_mlp(torch, self.layers, torch.stack(coords, -1), False)
            fields = out.unbind(-1)
            return fields[0] if len(fields) == 1 else fields

    return PINN()


# ---- JAX --------------------------------------------------------------------------


def jax_params(weights: dict):
    """The weights as a pytree of JAX arrays (the differentiated argument)."""
    import jax.numpy as jnp

    return {
        key: [(jnp.asarray(w), jnp.asarray(b)) for w, b in value]
        if isinstance(value, list)
        else jnp.asarray(value)
        for key, value in weights.items()
    }


def _jax_mlp(jnp, layers, x, last_activation: bool):
    for i, (weight, bias) in enumerate(layers):
        x = x @ weight.T + bias
        if i < len(layers) - 1 or last_activation:
            x = jnp.tanh(x)
    return x


def jax_deeponet(params: dict, branch):
    """A DeepONet model function ``(*coords) -> fields`` closed over ``params``."""
    import jax.numpy as jnp

    def model(*coords):
        b = _jax_mlp(jnp, params["branch"], branch, False)
        t = _jax_mlp(jnp, params["trunk"], jnp.stack(coords, -1), True)
        n_fields = params["bias"].shape[0]
        size = b.shape[1] // n_fields
        pattern = "bi,ni->bn" if t.ndim == 2 else "bi,bni->bn"
        fields = tuple(
            jnp.einsum(pattern, b[:, k * size : (k + 1) * size], t[..., k * size : (k + 1) * size])
            + params["bias"][k]
            for k in range(n_fields)
        )
        return fields[0] if n_fields == 1 else fields

    return model


def jax_pinn(params: dict):
    """A PINN model function ``(*coords) -> fields`` closed over ``params``."""
    import jax.numpy as jnp

    def model(*coords):
        out = _jax_mlp(jnp, params["mlp"], jnp.stack(coords, -1), False)
        fields = tuple(jnp.moveaxis(out, -1, 0))
        return fields[0] if len(fields) == 1 else fields

    return model


# ---- DeepXDE ----------------------------------------------------------------------


def deepxde_deeponet(weights: dict):
    """DeepXDE's own ``DeepONetCartesianProd`` (pytorch backend) holding ``weights``.

    Needs ``DDE_BACKEND=pytorch`` set before deepxde is imported. Called as
    ``net((branch, trunk_points))`` with trunk points ``(N, d)``.
    """
    import deepxde
    import torch

    n_fields = weights["bias"].shape[0]
    sizes = [
        [w.shape[1] for w, _ in weights[k]] + [weights[k][-1][0].shape[0]]
        for k in ("branch", "trunk")
    ]
    net = deepxde.nn.DeepONetCartesianProd(
        sizes[0],
        sizes[1],
        "tanh",
        "Glorot normal",
        num_outputs=n_fields,
        multi_output_strategy="split_both" if n_fields > 1 else None,
    )
    with torch.no_grad():
        for key, mlp in (("branch", net.branch), ("trunk", net.trunk)):
            for linear, (w, b) in zip(mlp.linears, weights[key]):
                linear.weight.copy_(torch.from_numpy(w))
                linear.bias.copy_(torch.from_numpy(b))
        for k in range(n_fields):
            net.b[k].fill_(float(weights["bias"][k]))
    return net
