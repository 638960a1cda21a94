"""Residuals written by hand, to measure what code generation costs.

Input: a model (coordinates -> fields), the coordinates, the problem's inputs. Output:
the residual of the problem's interior equation, shape of the model's output.

- Reverse-mode ZCS written directly in torch and in JAX, as one would after reading the
  paper, for reaction-diffusion (``u_t - D u_xx - k u^2 - f``) and the plate
  (``D (w_xxxx + 2 w_xxyy + w_yyyy) - q``).
- Taylor mode for the plate in JAX (``jax.experimental.jet``): the fourth derivative of
  the fields along a direction ``v`` in z-space comes from one jet per direction;
  four directions and polarization give the biharmonic:
  ``D4(1,1) + D4(1,-1) = 2 w_xxxx + 12 w_xxyy + 2 w_yyyy``, so
  ``lap(lap(w)) = (D4(1,1) + D4(1,-1)) / 6 + 2/3 (D4(1,0) + D4(0,1))``.

The parameters match ``benchmarks/problems/*.pde`` (D = k = 0.01).
"""

from __future__ import annotations

RD_D = 0.01
RD_K = 0.01
PLATE_D = 0.01


# ---- PyTorch ----------------------------------------------------------------------


def torch_reaction_diffusion(model, x, t, f):
    """Reaction-diffusion residual by reverse ZCS, hand-written in torch."""
    import torch

    zx = torch.zeros((), dtype=x.dtype, requires_grad=True)
    zt = torch.zeros((), dtype=x.dtype, requires_grad=True)
    u = model(x + zx, t + zt)
    a = torch.ones_like(u, requires_grad=True)
    omega = (a * u).sum()
    (omega_x,) = torch.autograd.grad(omega, zx, create_graph=True)
    (omega_xx,) = torch.autograd.grad(omega_x, zx, create_graph=True)
    (omega_t,) = torch.autograd.grad(omega, zt, create_graph=True)
    (u_xx,) = torch.autograd.grad(omega_xx, a, create_graph=True)
    (u_t,) = torch.autograd.grad(omega_t, a, create_graph=True)
    return u_t - RD_D * u_xx - RD_K * u**2 - f


def torch_plate(model, x, y, q):
    """Plate residual by reverse ZCS, hand-written in torch."""
    import torch

    zx = torch.zeros((), dtype=x.dtype, requires_grad=True)
    zy = torch.zeros((), dtype=x.dtype, requires_grad=True)
    w = model(x + zx, y + zy)
    a = torch.ones_like(w, requires_grad=True)

    def d(scalar, z):
        return torch.autograd.grad(scalar, z, create_graph=True)[0]

    omega = (a * w).sum()
    omega_xx = d(d(omega, zx), zx)
    omega_yy = d(d(omega, zy), zy)
    omega_xxxx = d(d(omega_xx, zx), zx)
    omega_xxyy = d(d(omega_xx, zy), zy)
    omega_yyyy = d(d(omega_yy, zy), zy)
    biharmonic = d(omega_xxxx + 2 * omega_xxyy + omega_yyyy, a)
    return PLATE_D * biharmonic - q


# ---- JAX --------------------------------------------------------------------------


def jax_reaction_diffusion(model, x, t, f):
    """Reaction-diffusion residual by reverse ZCS, hand-written in JAX."""
    import jax
    import jax.numpy as jnp

    def omega(zx, zt, a):
        return jnp.sum(a * model(x + zx, t + zt))

    zero = jnp.zeros((), x.dtype)
    u = model(x, t)
    a = jnp.ones_like(u)
    omega_xx = jax.grad(jax.grad(omega, 0), 0)
    omega_t = jax.grad(omega, 1)
    u_xx = jax.grad(omega_xx, 2)(zero, zero, a)
    u_t = jax.grad(omega_t, 2)(zero, zero, a)
    return u_t - RD_D * u_xx - RD_K * u**2 - f


def jax_plate(model, x, y, q):
    """Plate residual by reverse ZCS, hand-written in JAX (one pass w.r.t. a)."""
    import jax
    import jax.numpy as jnp

    def omega(zx, zy, a):
        return jnp.sum(a * model(x + zx, y + zy))

    def d(f, k):
        return jax.grad(f, k)

    def biharmonic_omega(zx, zy, a):
        xx = d(d(omega, 0), 0)
        yy = d(d(omega, 1), 1)
        return d(d(xx, 0), 0)(zx, zy, a) + 2 * d(d(xx, 1), 1)(zx, zy, a) + d(d(yy, 1), 1)(zx, zy, a)

    zero = jnp.zeros((), x.dtype)
    a = jnp.ones(jax.eval_shape(model, x, y).shape, x.dtype)
    return PLATE_D * jax.grad(biharmonic_omega, 2)(zero, zero, a) - q


PLATE_DIRECTIONS = ((1.0, 0.0), (0.0, 1.0), (1.0, 1.0), (1.0, -1.0))
PLATE_WEIGHTS = (2.0 / 3.0, 2.0 / 3.0, 1.0 / 6.0, 1.0 / 6.0)


def jax_plate_taylor(model, x, y, q, vectorize: bool = False):
    """Plate residual by Taylor mode: one 4th-order jet per direction, polarization.

    ``vectorize=True`` runs the four jets as one ``jax.vmap`` over the directions.
    """
    import jax
    import jax.numpy as jnp
    from jax.experimental import jet

    def fields(z):
        return model(x + z[0], y + z[1])

    zero = jnp.zeros((2,), x.dtype)

    def fourth(v):
        series = (v, jnp.zeros_like(v), jnp.zeros_like(v), jnp.zeros_like(v))
        return jet.jet(fields, (zero,), (series,))[1][3]

    directions = jnp.asarray(PLATE_DIRECTIONS, x.dtype)
    weights = jnp.asarray(PLATE_WEIGHTS, x.dtype)
    if vectorize:
        biharmonic = jnp.tensordot(weights, jax.vmap(fourth)(directions), axes=1)
    else:
        biharmonic = sum(w * fourth(v) for w, v in zip(weights, directions))
    return PLATE_D * biharmonic - q
