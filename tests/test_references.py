"""Accuracy tests for the numpy/scipy reference solvers in ``examples.references``.

Every test checks a numerical property that a wrong discretisation would violate: an
analytic/manufactured solution, an observed order of convergence under grid refinement,
a literature value, a conservation law or a symmetry.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from scipy.integrate import cumulative_trapezoid, trapezoid

from examples.references import (
    sample_grf_1d,
    sample_periodic_grf_1d,
    solve_burgers,
    solve_plate,
    solve_reaction_diffusion,
    solve_stokes_cavity,
)


def observed_orders(errors, ratio: float = 2.0) -> np.ndarray:
    """Observed convergence orders ``log(e_k / e_{k+1}) / log(ratio)``."""
    errors = np.asarray(errors, dtype=float)
    return np.log(errors[:-1] / errors[1:]) / np.log(ratio)


# --------------------------------------------------------------------------- GRF


def test_grf_shape_and_determinism():
    x = np.linspace(0.0, 1.0, 50)
    a = sample_grf_1d(3, x, seed=7)
    b = sample_grf_1d(3, x, seed=7)
    c = sample_grf_1d(3, x, seed=8)
    assert a.shape == (3, 50)
    np.testing.assert_array_equal(a, b)
    assert np.max(np.abs(a - c)) > 0.1


def test_grf_empirical_covariance_matches_rbf_kernel():
    x = np.linspace(0.0, 1.0, 11)
    length, var = 0.3, 2.0
    samples = sample_grf_1d(20000, x, length_scale=length, variance=var, seed=0)
    emp = samples.T @ samples / samples.shape[0]
    exact = var * np.exp(-0.5 * ((x[:, None] - x[None, :]) / length) ** 2)
    # Monte-Carlo standard error of a covariance entry is <= var * sqrt(2 / n) ~ 0.02.
    assert np.max(np.abs(emp - exact)) < 0.1
    assert np.max(np.abs(samples.mean(axis=0))) < 0.05


def test_periodic_grf_is_periodic_with_right_covariance():
    x = np.linspace(0.0, 1.0, 41)  # includes both x = 0 and x = 1
    length = 0.5
    samples = sample_periodic_grf_1d(5000, x, length_scale=length, seed=1)
    # Periodicity: u(0) = u(1) up to the jitter noise (std <= ~1e-4).
    assert np.max(np.abs(samples[:, 0] - samples[:, -1])) < 1e-3
    # Correlation at lag 0.5 (the minimum of the kernel) vs. the kernel value.
    emp = np.mean(samples[:, 0] * samples[:, 20])
    assert abs(emp - np.exp(-2.0 / length**2)) < 0.06
    # A plain RBF field with a comparable length scale is *not* periodic.
    rbf = sample_grf_1d(5000, x, length_scale=length / (2 * np.pi), seed=1)
    assert np.mean(np.abs(rbf[:, 0] - rbf[:, -1])) > 0.5


# ------------------------------------------------------------ reaction-diffusion


def test_reaction_diffusion_manufactured_solution_second_order():
    d_coef, k_coef = 0.1, 1.0  # strong nonlinearity so that k u^2 really matters

    def exact(x, t):
        return np.sin(np.pi * x) * np.sin(2.0 * t)

    def source(x, t):
        u = exact(x, t)
        return 2.0 * np.sin(np.pi * x) * np.cos(2.0 * t) + d_coef * np.pi**2 * u - k_coef * u**2

    t = np.linspace(0.0, 1.0, 11)
    errors = []
    for n in (20, 40, 80):
        x = np.linspace(0.0, 1.0, n + 1)
        u = solve_reaction_diffusion(source, x, t, D=d_coef, k=k_coef, nt_internal=n)
        assert u.shape == (t.size, x.size)
        errors.append(np.max(np.abs(u - exact(x[None, :], t[:, None]))))
    orders = observed_orders(errors)
    assert errors[-1] < 1e-4
    assert np.all(np.abs(orders - 2.0) < 0.1), (errors, orders)


def test_reaction_diffusion_grf_refinement_second_order():
    x_fine = np.linspace(0.0, 1.0, 321)
    f_fine = sample_grf_1d(1, x_fine, seed=0)[0]
    t = np.linspace(0.0, 1.0, 11)
    sols = []
    for n in (40, 80, 160, 320):
        stride = 320 // n
        u = solve_reaction_diffusion(f_fine[::stride], x_fine[::stride], t, nt_internal=n)
        sols.append(u[:, :: n // 40])  # compare on the coarsest grid
    diffs = [np.max(np.abs(a - b)) for a, b in itertools.pairwise(sols)]
    orders = observed_orders(diffs)
    assert np.all(np.abs(orders - 2.0) < 0.15), (diffs, orders)
    # Boundary and initial conditions hold exactly.
    assert np.all(sols[-1][0] == 0.0)
    assert np.all(sols[-1][:, [0, -1]] == 0.0)


def test_reaction_diffusion_array_and_callable_source_agree():
    x = np.linspace(0.0, 1.0, 51)
    f = np.cos(3.0 * x)
    t = np.linspace(0.0, 1.0, 6)
    u_arr = solve_reaction_diffusion(f, x, t)
    u_fun = solve_reaction_diffusion(lambda xx, tt: np.cos(3.0 * xx), x, t)
    np.testing.assert_allclose(u_arr, u_fun, rtol=0, atol=1e-14)


# ----------------------------------------------------------------------- Burgers

NU_CH, A_CH = 0.02, 1.5


def cole_hopf(x, t, nu=NU_CH, a=A_CH):
    """Exact solution from phi = a + exp(-4 nu pi^2 t) cos(2 pi x), u = -2 nu phi_x / phi."""
    decay = np.exp(-4.0 * nu * np.pi**2 * t)
    return 4.0 * nu * np.pi * decay * np.sin(2 * np.pi * x) / (a + decay * np.cos(2 * np.pi * x))


def test_cole_hopf_formula_satisfies_burgers():
    # Independent check of the closed form by finite differences of the formula itself.
    x, t, e = 0.3, 0.4, 1e-4
    u = cole_hopf(x, t)
    u_t = (cole_hopf(x, t + e) - cole_hopf(x, t - e)) / (2 * e)
    u_x = (cole_hopf(x + e, t) - cole_hopf(x - e, t)) / (2 * e)
    u_xx = (cole_hopf(x + e, t) - 2 * u + cole_hopf(x - e, t)) / e**2
    assert abs(u_t + u * u_x - NU_CH * u_xx) < 1e-6


def test_burgers_matches_cole_hopf_spectrally():
    t = np.linspace(0.0, 1.0, 11)
    errors = []
    for n in (16, 32, 48):
        x = np.arange(n) / n
        u = solve_burgers(cole_hopf(x, 0.0), x, t, nu=NU_CH, dt=2e-3)
        errors.append(np.max(np.abs(u - cole_hopf(x[None, :], t[:, None]))))
    # Spectral (geometric) convergence: each step of 16 points gains > 1.5 digits.
    assert errors[1] < errors[0] / 30, errors
    assert errors[2] < errors[1] / 30, errors
    assert errors[-1] < 1e-7


def test_burgers_etdrk4_fourth_order_in_time():
    x = np.arange(64) / 64
    t = np.linspace(0.0, 1.0, 3)
    errors = []
    for dt in (0.1, 0.05, 0.025):
        u = solve_burgers(cole_hopf(x, 0.0), x, t, nu=NU_CH, dt=dt)
        errors.append(np.max(np.abs(u - cole_hopf(x[None, :], t[:, None]))))
    orders = observed_orders(errors)
    assert np.all(orders > 3.5), (errors, orders)


def test_burgers_grf_refinement_small_viscosity():
    # The same initial data (trigonometric interpolant of 128 samples) on finer and finer
    # internal grids; the default nu = 0.01 / pi produces steep fronts by t = 1.
    x = np.arange(128) / 128
    u0 = sample_periodic_grf_1d(1, x, seed=1)[0]
    t = np.linspace(0.0, 1.0, 5)
    sols = [solve_burgers(u0, x, t, nx_internal=n) for n in (256, 512, 1024)]
    d1 = np.max(np.abs(sols[0] - sols[1]))
    d2 = np.max(np.abs(sols[1] - sols[2]))
    assert d2 < d1 / 20, (d1, d2)  # faster than any low-order method
    assert d2 < 1e-3 * np.max(np.abs(sols[2]))
    # Maximum principle and conservation of the mean (the k = 0 mode is untouched; the
    # subsampled output mean differs from it only by the aliased modes 128 m, ~1e-8).
    assert np.max(np.abs(sols[2][1:])) <= 1.01 * np.max(np.abs(u0))
    np.testing.assert_allclose(sols[2].mean(axis=1), u0.mean(), rtol=0, atol=1e-6)


def test_burgers_internal_refinement_interpolates_initial_data():
    x = np.arange(16) / 16
    t = np.array([0.0, 0.5])
    u = solve_burgers(lambda z: cole_hopf(z, 0.0), x, t, nu=NU_CH, nx_internal=64, dt=2e-3)
    assert np.max(np.abs(u - cole_hopf(x[None, :], t[:, None]))) < 1e-9


# ------------------------------------------------------------------------- plate

UNIFORM_LOAD_CENTRE = 0.00406235  # w_max D / (q a^4) for a simply supported square plate


def test_plate_single_mode_exact():
    x = np.linspace(0.0, 1.0, 33)
    y = np.linspace(0.0, 1.0, 17)
    xx, yy = np.meshgrid(x, y)
    q = np.sin(np.pi * xx) * np.sin(2 * np.pi * yy)
    exact = q / (2.0 * np.pi**4 * 25.0)
    w_grid = solve_plate(q, x, y, D=2.0)
    w_func = solve_plate(lambda a, b: np.sin(np.pi * a) * np.sin(2 * np.pi * b), x, y, D=2.0)
    assert w_grid.shape == (y.size, x.size)
    np.testing.assert_allclose(w_grid, exact, rtol=0, atol=1e-15)
    np.testing.assert_allclose(w_func, exact, rtol=0, atol=1e-15)


def test_plate_uniform_load_centre_deflection():
    c = np.array([0.5])
    w = solve_plate(lambda a, b: np.full_like(a, 3.0), c, c, D=1.5)[0, 0]
    alpha = w * 1.5 / 3.0
    assert abs(alpha - UNIFORM_LOAD_CENTRE) / UNIFORM_LOAD_CENTRE < 1e-5
    assert round(alpha, 5) == 0.00406  # Timoshenko & Woinowsky-Krieger, Table 8


def test_plate_grid_load_second_order():
    errors = []
    for n in (32, 64, 128):
        x = np.linspace(0.0, 1.0, n + 1)
        w = solve_plate(np.ones((n + 1, n + 1)), x, x)
        errors.append(abs(w[n // 2, n // 2] - UNIFORM_LOAD_CENTRE))
    orders = observed_orders(errors)
    assert errors[-1] / UNIFORM_LOAD_CENTRE < 2e-4
    assert np.all(np.abs(orders - 2.0) < 0.1), (errors, orders)


def test_plate_satisfies_biharmonic_equation():
    """Apply an independent 13-point FD biharmonic operator to the series solution."""

    def load(a, b):
        return a * (1 - a) * b * (1 - b) * (1 + a) * np.exp(b)

    residuals, load_max = [], 0.0
    for n in (32, 64):
        h = 1.0 / n
        x = np.linspace(0.0, 1.0, n + 1)
        w = solve_plate(load, x, x, D=1.0, n_terms=120)
        c = w[2:-2, 2:-2]
        bih = (
            20 * c
            - 8 * (w[2:-2, 3:-1] + w[2:-2, 1:-3] + w[3:-1, 2:-2] + w[1:-3, 2:-2])
            + 2 * (w[3:-1, 3:-1] + w[3:-1, 1:-3] + w[1:-3, 3:-1] + w[1:-3, 1:-3])
            + (w[2:-2, 4:] + w[2:-2, :-4] + w[4:, 2:-2] + w[:-4, 2:-2])
        ) / h**4
        xx, yy = np.meshgrid(x[2:-2], x[2:-2])
        load_max = np.max(load(xx, yy))
        residuals.append(np.max(np.abs(bih - load(xx, yy))))
    assert residuals[1] < 2e-3 * load_max
    assert 3.0 < residuals[0] / residuals[1] < 5.0, residuals  # O(h^2) of the FD operator


# ------------------------------------------------------------------------ Stokes


def _lid_quartic(x):
    return 16.0 * x**2 * (1.0 - x) ** 2


@pytest.fixture(scope="module")
def stokes_quartic():
    return {n: solve_stokes_cavity(_lid_quartic, n=n) for n in (33, 65, 129)}


def test_stokes_velocity_second_order(stokes_quartic):
    points = [(8, 8), (16, 16), (24, 8), (8, 28), (16, 28)]  # (i, j) on the n = 33 grid
    errors_u, errors_v = [], []
    for n_coarse, n_fine in ((33, 65), (65, 129)):
        s_c, s_f = (n_coarse - 1) // 32, (n_fine - 1) // 32
        _, _, u_c, v_c, _ = stokes_quartic[n_coarse]
        _, _, u_f, v_f, _ = stokes_quartic[n_fine]
        errors_u.append(max(abs(u_c[j * s_c, i * s_c] - u_f[j * s_f, i * s_f]) for i, j in points))
        errors_v.append(max(abs(v_c[j * s_c, i * s_c] - v_f[j * s_f, i * s_f]) for i, j in points))
    order_u = observed_orders(errors_u)[0]
    order_v = observed_orders(errors_v)[0]
    assert order_u > 1.8, errors_u
    assert order_v > 1.8, errors_v
    assert errors_u[-1] < 1e-3
    assert errors_v[-1] < 1e-3


def test_stokes_mass_conservation(stokes_quartic):
    fluxes, divs = [], []
    for n in (33, 65, 129):
        x, y, u, v, _ = stokes_quartic[n]
        h = x[1] - x[0]
        # Net horizontal flux through every vertical line vanishes (psi = 0 on the walls).
        fluxes.append(np.max(np.abs(trapezoid(u, y, axis=0))))
        du_dx = np.gradient(u, h, axis=1, edge_order=2)
        dv_dy = np.gradient(v, h, axis=0, edge_order=2)
        divs.append(np.max(np.abs(du_dx + dv_dy)))
    assert fluxes[-1] < 2e-4
    assert np.all(np.abs(observed_orders(fluxes) - 2.0) < 0.15), fluxes
    assert np.all(observed_orders(divs) > 1.2), divs  # one-sided differences at the walls
    assert divs[-1] < 0.02  # |grad u| is O(1)


def test_stokes_symmetry_and_pressure():
    mu = 2.0
    x, y, u, v, p = solve_stokes_cavity(np.sin(np.pi * np.linspace(0.0, 1.0, 65)), mu=mu)
    scale = np.max(np.abs(u))
    np.testing.assert_allclose(u, u[:, ::-1], rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(v, -v[:, ::-1], rtol=0, atol=1e-10 * scale)
    np.testing.assert_allclose(p, -p[:, ::-1], rtol=0, atol=1e-8 * np.max(np.abs(p)))
    assert np.max(v[:, :32]) > 0.05 * scale  # lid moves to +x: upflow in the left half
    assert abs(trapezoid(trapezoid(p, x, axis=1), y)) < 1e-12 * np.max(np.abs(p))


def test_stokes_momentum_residual():
    """mu lap(u) - grad p, by independent central differences, vanishes as O(h^2)."""
    mu = 2.0
    residuals = []
    for n in (33, 65, 129):
        x, _, u, v, p = solve_stokes_cavity(lambda z: np.sin(np.pi * z), n=n, mu=mu)
        h = x[1] - x[0]

        def lap(f, h=h):
            return (
                f[2:, 1:-1] + f[:-2, 1:-1] + f[1:-1, 2:] + f[1:-1, :-2] - 4 * f[1:-1, 1:-1]
            ) / h**2

        p_x = (p[1:-1, 2:] - p[1:-1, :-2]) / (2 * h)
        p_y = (p[2:, 1:-1] - p[:-2, 1:-1]) / (2 * h)
        k = (n - 1) // 8  # stay 1/8 away from the walls
        inner = (slice(k - 1, -(k - 1)), slice(k - 1, -(k - 1)))
        res = np.maximum(np.abs(mu * lap(u) - p_x)[inner], np.abs(mu * lap(v) - p_y)[inner])
        residuals.append(np.max(res) / np.max(np.abs(p_x[inner])))
    assert residuals[-1] < 2e-3, residuals
    assert np.all(observed_orders(residuals) > 1.3), residuals


def test_stokes_unit_lid_primary_vortex():
    """Classical Stokes cavity (u = 1 on the lid): psi_min ~ -0.1000 at (0.5, ~0.764)."""
    n = 129
    _, y, u, _, _ = solve_stokes_cavity(np.ones(n))
    psi = cumulative_trapezoid(u[:, (n - 1) // 2], y, initial=0.0)
    j = int(np.argmin(psi))
    coef = np.polyfit(y[j - 2 : j + 3], psi[j - 2 : j + 3], 2)
    y_c = -coef[1] / (2 * coef[0])
    assert abs(np.polyval(coef, y_c) + 0.1000) < 3e-4
    assert abs(y_c - 0.764) < 0.005
    # Velocity magnitudes stay bounded by the lid speed away from the corners.
    assert np.max(np.abs(u)) <= 1.0 + 1e-12


def test_allen_cahn_reference():
    """k = 0 is the heat equation (exact); with the reaction, refining space and time agree."""
    from examples.references.allen_cahn import solve_allen_cahn

    x = np.linspace(-1, 1, 32, endpoint=False)
    t = np.linspace(0, 1, 5)
    heat = solve_allen_cahn(lambda z: np.sin(np.pi * z), x, t, 0.01, 0.0)
    exact = np.exp(-0.01 * np.pi**2 * t)[:, None] * np.sin(np.pi * x)
    assert np.abs(heat - exact).max() < 1e-12

    def u0(z):
        return 0.5 * np.sin(np.pi * z) - 0.4 * np.cos(2 * np.pi * z)

    coarse = solve_allen_cahn(u0, x, t, 0.01, 5.0, nx_internal=128, dt=2e-3)
    fine = solve_allen_cahn(u0, x, t, 0.01, 5.0, nx_internal=256, dt=1e-3)
    assert np.abs(coarse - fine).max() < 1e-5  # spectral in space, fourth order in time
    assert np.abs(fine).max() <= 1.0  # the maximum principle: |u| stays below 1
