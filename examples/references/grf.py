"""Gaussian random field (GRF) samplers for 1-D input functions.

Samples are drawn from a zero-mean Gaussian process on the given points ``x`` by
forming the covariance matrix ``K`` and computing its Cholesky factor ``L``
(``K + eps I = L L^T``); a sample is then ``L z`` with ``z ~ N(0, I)``.

Two kernels are provided:

* squared exponential (RBF): ``k(x, x') = variance * exp(-(x - x')^2 / (2 l^2))``;
* periodic (MacKay):         ``k(x, x') = variance * exp(-2 sin^2(pi (x - x')) / l^2)``,
  whose samples are 1-periodic, e.g. initial data on ``[0, 1)`` for periodic problems.

Covariance matrices of smooth kernels on dense grids are numerically singular, so a
small diagonal "jitter" ``eps`` is added, starting at ``1e-10 * variance`` and increased
by factors of 10 until the Cholesky factorisation succeeds. The samples are therefore
exact draws from the process with kernel ``k + eps * delta``: they differ from the ideal
field by white noise of standard deviation ``sqrt(eps)`` (typically ``~1e-5`` or less).

Sampling is deterministic for a given ``seed`` (``numpy.random.default_rng``).
"""

from __future__ import annotations

import numpy as np

__all__ = ["sample_grf_1d", "sample_periodic_grf_1d"]

_JITTER_START = 1e-10
_JITTER_MAX = 1e-4


def _cholesky_with_jitter(cov: np.ndarray, variance: float) -> np.ndarray:
    """Cholesky factor of ``cov + eps I`` with the smallest working ``eps`` (factor-10 steps)."""
    eye = np.eye(cov.shape[0])
    eps = _JITTER_START * variance
    while eps <= _JITTER_MAX * variance:
        try:
            return np.linalg.cholesky(cov + eps * eye)
        except np.linalg.LinAlgError:
            eps *= 10.0
    raise np.linalg.LinAlgError(
        f"covariance not positive definite even with jitter {_JITTER_MAX * variance:g}"
    )


def _sample(cov: np.ndarray, n_samples: int, variance: float, seed) -> np.ndarray:
    if n_samples < 0:
        raise ValueError("n_samples must be non-negative")
    chol = _cholesky_with_jitter(cov, variance)
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((n_samples, cov.shape[0]))
    return z @ chol.T


def _check_args(x, length_scale: float, variance: float) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    if x.ndim != 1:
        raise ValueError("x must be a 1-D array of points")
    if length_scale <= 0 or variance <= 0:
        raise ValueError("length_scale and variance must be positive")
    return x


def sample_grf_1d(
    n_samples: int,
    x,
    length_scale: float = 0.2,
    variance: float = 1.0,
    seed=None,
) -> np.ndarray:
    """Sample a zero-mean GRF with squared-exponential kernel at the points ``x``.

    Parameters
    ----------
    n_samples:
        Number of independent samples.
    x:
        1-D array of evaluation points (any order, any spacing).
    length_scale, variance:
        Kernel parameters ``l`` and ``sigma^2`` of
        ``k(x, x') = sigma^2 exp(-(x - x')^2 / (2 l^2))``.
    seed:
        Seed (or ``Generator``) passed to ``numpy.random.default_rng``.

    Returns
    -------
    ndarray of shape ``(n_samples, len(x))``.
    """
    x = _check_args(x, length_scale, variance)
    diff = x[:, None] - x[None, :]
    cov = variance * np.exp(-0.5 * (diff / length_scale) ** 2)
    return _sample(cov, n_samples, variance, seed)


def sample_periodic_grf_1d(
    n_samples: int,
    x,
    length_scale: float = 0.5,
    variance: float = 1.0,
    seed=None,
) -> np.ndarray:
    """Sample a zero-mean, 1-periodic GRF at the points ``x``.

    Uses the periodic kernel ``k(x, x') = sigma^2 exp(-2 sin^2(pi (x - x')) / l^2)``, so
    every sample satisfies ``u(x + 1) = u(x)`` (up to the jitter noise). Intended for
    ``x`` on ``[0, 1)`` with the endpoint excluded. For small ``x - x'`` the kernel behaves
    like an RBF kernel with length scale ``l / (2 pi)``.

    Parameters and return value as in :func:`sample_grf_1d`.
    """
    x = _check_args(x, length_scale, variance)
    diff = x[:, None] - x[None, :]
    cov = variance * np.exp(-2.0 * np.sin(np.pi * diff) ** 2 / length_scale**2)
    return _sample(cov, n_samples, variance, seed)
