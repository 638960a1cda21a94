"""Independent numerical reference solvers (numpy/scipy only) for validating PI-DeepONets.

* :func:`solve_reaction_diffusion` - 1-D nonlinear diffusion-reaction, Crank-Nicolson/FD.
* :func:`solve_burgers` - periodic viscous Burgers, Fourier pseudo-spectral + ETDRK4.
* :func:`solve_plate` - simply supported Kirchhoff-Love plate, Navier double sine series.
* :func:`solve_stokes_cavity` - lid-driven Stokes cavity, streamfunction biharmonic FD.
* :func:`sample_grf_1d`, :func:`sample_periodic_grf_1d` - Gaussian random field inputs.
"""

from examples.references.burgers import solve_burgers
from examples.references.grf import sample_grf_1d, sample_periodic_grf_1d
from examples.references.plate import solve_plate
from examples.references.reaction_diffusion import solve_reaction_diffusion
from examples.references.stokes import solve_stokes_cavity

__all__ = [
    "sample_grf_1d",
    "sample_periodic_grf_1d",
    "solve_burgers",
    "solve_plate",
    "solve_reaction_diffusion",
    "solve_stokes_cavity",
]
