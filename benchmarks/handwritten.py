"""Residuals written by hand, to measure what code generation costs.

Input: a model (coordinates -> fields), the coordinates, the problem's inputs. Output:
the residual of the problem's interior equation, shape of the model's output.

- Reverse-mode ZCS written directly in torch and in JAX, as one would after reading the
  paper, for reaction-diffusion (``u_t - D u_xx - k u^2 - f``) and the plate
  (``D (w_xxxx + 2 w_xxyy + w_yyyy) - q``); in torch also for the Burgers and Stokes
  DeepONets (the paper's other two problems).
- Per-point autograd for PINNs (coordinates as leaves; what DeepXDE does by default) in
  torch, and ``jax.vmap`` of per-point ``jax.grad`` in JAX, for Burgers
  (``u_t + u u_x - nu u_xx``), Kuramoto-Sivashinsky (``u_t + u u_x + u_xx + u_xxxx``)
  and the Euler beam (``EI w_xxxx - q``); reverse ZCS by hand for the last two (one pass
  w.r.t. the dummy weights for the linear part).
- Taylor mode for the plate in JAX (``jax.experimental.jet``): the fourth derivative of
  the fields along a direction ``v`` in z-space comes from one jet per direction;
  four directions and polarization give the biharmonic:
  ``D4(1,1) + D4(1,-1) = 2 w_xxxx + 12 w_xxyy + 2 w_yyyy``, so
  ``lap(lap(w)) = (D4(1,1) + D4(1,-1)) / 6 + 2/3 (D4(1,0) + D4(0,1))``.

The parameters match ``benchmarks/problems/*.pde`` (D = k = 0.01, nu = 0.01/pi, EI = 1,
mu = 0.01).
"""

from __future__ import annotations

RD_D = 0.01
RD_K = 0.01
PLATE_D = 0.01
BURGERS_NU = 0.01 / 3.141592653589793
BEAM_EI = 1.0
STOKES_MU = 0.01


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


def torch_burgers(model, x, t):
    """Burgers DeepONet residual (``u_t + u u_x - nu u_xx``) by reverse ZCS, by hand."""
    import torch

    zx = torch.zeros((), dtype=x.dtype, requires_grad=True)
    zt = torch.zeros((), dtype=x.dtype, requires_grad=True)
    u = model(x + zx, t + zt)
    a = torch.ones_like(u, requires_grad=True)
    omega = (a * u).sum()
    omega_x, omega_t = torch.autograd.grad(omega, (zx, zt), create_graph=True)
    (omega_xx,) = torch.autograd.grad(omega_x, zx, create_graph=True)
    u_x, u_t, u_xx = (
        torch.autograd.grad(s, a, create_graph=True)[0] for s in (omega_x, omega_t, omega_xx)
    )
    return u_t + u * u_x - BURGERS_NU * u_xx


def torch_stokes(model, x, y):
    """Stokes DeepONet residuals (two momenta, continuity) by reverse ZCS, by hand."""
    import torch

    zx = torch.zeros((), dtype=x.dtype, requires_grad=True)
    zy = torch.zeros((), dtype=x.dtype, requires_grad=True)
    u, v, p = model(x + zx, y + zy)
    a = [torch.ones_like(f, requires_grad=True) for f in (u, v, p)]
    omega = sum((w * f).sum() for w, f in zip(a, (u, v, p)))
    omega_x, omega_y = torch.autograd.grad(omega, (zx, zy), create_graph=True)
    (omega_xx,) = torch.autograd.grad(omega_x, zx, create_graph=True)
    (omega_yy,) = torch.autograd.grad(omega_y, zy, create_graph=True)
    lap_u, lap_v = torch.autograd.grad(omega_xx + omega_yy, a[:2], create_graph=True)
    u_x, p_x = torch.autograd.grad(omega_x, (a[0], a[2]), create_graph=True)
    v_y, p_y = torch.autograd.grad(omega_y, (a[1], a[2]), create_graph=True)
    mu = STOKES_MU
    return mu * lap_u - p_x, mu * lap_v - p_y, u_x + v_y


def _leaf_grads(y, leaves):
    """d(sum y)/d leaf for each leaf, in one backward pass, graph kept."""
    import torch

    return torch.autograd.grad(y, leaves, torch.ones_like(y), create_graph=True)


def torch_burgers_pinn(model, x, t):
    """Burgers PINN residual by per-point autograd, hand-written in torch."""
    x, t = x.detach().requires_grad_(), t.detach().requires_grad_()
    u = model(x, t)
    u_x, u_t = _leaf_grads(u, (x, t))
    (u_xx,) = _leaf_grads(u_x, (x,))
    return u_t + u * u_x - BURGERS_NU * u_xx


def torch_ks_pinn(model, x, t):
    """Kuramoto-Sivashinsky PINN residual by per-point autograd, hand-written in torch."""
    x, t = x.detach().requires_grad_(), t.detach().requires_grad_()
    u = model(x, t)
    u_x, u_t = _leaf_grads(u, (x, t))
    (u_xx,) = _leaf_grads(u_x, (x,))
    (u_xxx,) = _leaf_grads(u_xx, (x,))
    (u_xxxx,) = _leaf_grads(u_xxx, (x,))
    return u_t + u * u_x + u_xx + u_xxxx


def torch_ks_zcs(model, x, t):
    """Kuramoto-Sivashinsky residual by reverse ZCS, hand-written in torch."""
    import torch

    zx = torch.zeros((), dtype=x.dtype, requires_grad=True)
    zt = torch.zeros((), dtype=x.dtype, requires_grad=True)
    u = model(x + zx, t + zt)
    a = torch.ones_like(u, requires_grad=True)

    def d(scalar, z):
        return torch.autograd.grad(scalar, z, create_graph=True)[0]

    omega = (a * u).sum()
    omega_x, omega_t = torch.autograd.grad(omega, (zx, zt), create_graph=True)
    omega_xx = d(omega_x, zx)
    omega_xxxx = d(d(omega_xx, zx), zx)
    u_x = d(omega_x, a)
    linear = d(omega_t + omega_xx + omega_xxxx, a)
    return linear + u * u_x


def torch_beam_pinn(model, x, q):
    """Euler-beam PINN residual by per-point autograd, hand-written in torch."""
    x = x.detach().requires_grad_()
    w = model(x)
    (w_x,) = _leaf_grads(w, (x,))
    (w_xx,) = _leaf_grads(w_x, (x,))
    (w_xxx,) = _leaf_grads(w_xx, (x,))
    (w_xxxx,) = _leaf_grads(w_xxx, (x,))
    return BEAM_EI * w_xxxx - q


def torch_beam_zcs(model, x, q):
    """Euler-beam residual by reverse ZCS, hand-written in torch."""
    import torch

    zx = torch.zeros((), dtype=x.dtype, requires_grad=True)
    w = model(x + zx)
    a = torch.ones_like(w, requires_grad=True)

    def d(scalar, z):
        return torch.autograd.grad(scalar, z, create_graph=True)[0]

    omega_xxxx = d(d(d(d((a * w).sum(), zx), zx), zx), zx)
    return BEAM_EI * d(omega_xxxx, a) - q


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


def jax_burgers_pinn(model, x, t):
    """Burgers PINN residual by ``jax.vmap`` of per-point ``jax.grad``, hand-written."""
    import jax

    def u(xi, ti):
        return model(xi[None], ti[None])[0]

    u_x = jax.grad(u, 0)
    derivatives = jax.vmap(
        lambda xi, ti: (u(xi, ti), u_x(xi, ti), jax.grad(u, 1)(xi, ti), jax.grad(u_x, 0)(xi, ti))
    )
    value, du_x, du_t, du_xx = derivatives(x, t)
    return du_t + value * du_x - BURGERS_NU * du_xx


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
