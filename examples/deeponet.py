"""DeepONets in the Cartesian layout, for PyTorch and JAX.

Input: a branch input ``(M, S)`` (M input functions sampled at S sensors) and trunk
coordinates, either ``(N,)`` points shared by all functions or ``(M, N)`` points already
broadcast (row m paired with function m, as the ``datavect`` method needs). Output: the
fields on the ``(M, N)`` layout, ``G[m, n] = sum_k branch_k(f_m) trunk_k(x_n) + bias``;
one tensor for one field, a tuple of tensors for several (each field has its own
``width`` branch and trunk features).

Both networks are plain tanh MLPs (smooth, so high-order derivatives exist) with Glorot
normal weights and zero biases. The trunk may first map the coordinates to features
(``features(xp, *coords) -> list of arrays``, ``xp`` being ``torch`` or ``jax.numpy``),
which is how a problem builds periodicity or symmetry into the network.
:func:`torch_to_jax` copies a torch model's weights into the JAX parameter layout, so
both backends can start from the same network.
"""

from __future__ import annotations

import math

import numpy as np
import torch


def identity_features(xp, *coords):
    """Default trunk features: the coordinates themselves."""
    return list(coords)


def _combine(xp, branch, trunk, bias, n_fields: int):
    """``(M, F*p)`` branch and ``(..., F*p)`` trunk -> fields on the ``(M, N)`` layout."""
    m = branch.shape[0]
    branch = branch.reshape(m, n_fields, -1)
    trunk = trunk.reshape(*trunk.shape[:-1], n_fields, -1)
    if trunk.ndim == 3:  # (N, F, p): trunk points shared by every function
        out = xp.einsum("mfp,nfp->mnf", branch, trunk)
    else:  # (M, N, F, p): row m of the points belongs to function m
        out = xp.einsum("mfp,mnfp->mnf", branch, trunk)
    out = out + bias
    if n_fields == 1:
        return out[..., 0]
    return tuple(out[..., i] for i in range(n_fields))


class TorchMLP(torch.nn.Module):
    """Fully connected tanh network; no activation after the last layer."""

    def __init__(self, sizes):
        super().__init__()
        self.layers = torch.nn.ModuleList(
            torch.nn.Linear(a, b) for a, b in zip(sizes[:-1], sizes[1:], strict=True)
        )
        for layer in self.layers:
            torch.nn.init.xavier_normal_(layer.weight)
            torch.nn.init.zeros_(layer.bias)

    def forward(self, h):
        for layer in self.layers[:-1]:
            h = torch.tanh(layer(h))
        return self.layers[-1](h)


class TorchDeepONet(torch.nn.Module):
    """Cartesian DeepONet: ``model(branch_input, *coords)`` -> ``(M, N)`` field(s).

    ``branch``: hidden widths of the branch net after the ``n_sensors`` inputs; ``trunk``:
    those of the trunk net after the features; ``width``: the number p of basis functions
    per field.
    """

    def __init__(
        self,
        n_sensors: int,
        n_features: int,
        branch=(64, 64),
        trunk=(64, 64),
        width: int = 64,
        n_fields: int = 1,
        features=identity_features,
    ):
        super().__init__()
        self.n_fields, self.features = n_fields, features
        self.branch = TorchMLP([n_sensors, *branch, n_fields * width])
        self.trunk = TorchMLP([n_features, *trunk, n_fields * width])
        self.bias = torch.nn.Parameter(torch.zeros(n_fields))

    def forward(self, branch_input, *coords):
        trunk_in = torch.stack(self.features(torch, *coords), -1)
        return _combine(
            torch, self.branch(branch_input), self.trunk(trunk_in), self.bias, self.n_fields
        )


class JaxDeepONet:
    """The same network as :class:`TorchDeepONet`, as pure functions of a parameter tree.

    ``params = net.init(seed)``; ``net.apply(params, branch_input, *coords)``. The tree is
    ``{"branch": [(W, b), ...], "trunk": [(W, b), ...], "bias": b}`` with ``W`` of shape
    ``(fan_in, fan_out)``.
    """

    def __init__(
        self,
        n_sensors: int,
        n_features: int,
        branch=(64, 64),
        trunk=(64, 64),
        width: int = 64,
        n_fields: int = 1,
        features=identity_features,
    ):
        self.n_fields, self.features = n_fields, features
        self.branch_sizes = [n_sensors, *branch, n_fields * width]
        self.trunk_sizes = [n_features, *trunk, n_fields * width]

    def init(self, seed: int = 0, dtype=np.float32):
        """Glorot normal weights, zero biases (numpy RNG, so the result is reproducible)."""
        import jax.numpy as jnp

        rng = np.random.default_rng(seed)

        def mlp(sizes):
            return [
                (
                    jnp.asarray(rng.normal(0.0, math.sqrt(2.0 / (a + b)), (a, b)), dtype=dtype),
                    jnp.zeros(b, dtype=dtype),
                )
                for a, b in zip(sizes[:-1], sizes[1:], strict=True)
            ]

        return {
            "branch": mlp(self.branch_sizes),
            "trunk": mlp(self.trunk_sizes),
            "bias": jnp.zeros(self.n_fields, dtype=dtype),
        }

    def apply(self, params, branch_input, *coords):
        import jax.numpy as jnp

        trunk_in = jnp.stack(self.features(jnp, *coords), -1)
        return _combine(
            jnp,
            _jax_mlp(params["branch"], branch_input),
            _jax_mlp(params["trunk"], trunk_in),
            params["bias"],
            self.n_fields,
        )


def _jax_mlp(layers, h):
    import jax.numpy as jnp

    for w, b in layers[:-1]:
        h = jnp.tanh(h @ w + b)
    w, b = layers[-1]
    return h @ w + b


def torch_to_jax(model: TorchDeepONet, dtype=None):
    """The weights of a :class:`TorchDeepONet` as a :class:`JaxDeepONet` parameter tree."""
    import jax.numpy as jnp

    def convert(t):
        array = t.detach().cpu().numpy()
        return jnp.asarray(array, dtype=dtype or array.dtype)

    def mlp(net):
        return [(convert(layer.weight.T), convert(layer.bias)) for layer in net.layers]

    return {"branch": mlp(model.branch), "trunk": mlp(model.trunk), "bias": convert(model.bias)}
