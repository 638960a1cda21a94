# A periodic elliptic operator with a variable coefficient on the unit torus, for the
# physics-informed FNO examples (examples/fno_torch.py, examples/fno_jax.py). The
# coefficient a = exp(g) and the source f are known functions of the coordinates: the
# examples pass Fourier interpolants of sampled data, so a_x and a_y come from the shift.
pde torus

coords x, y
fields u
functions a, f

eq torus: -(d(a*u_x, x) + d(a*u_y, y)) + u = f
