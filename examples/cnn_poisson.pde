# Poisson's equation on the unit square, for a physics-informed CNN surrogate
# (examples/cnn_poisson.py). The source f is data at the mesh points; the boundary
# condition u = 0 is built into the model (a hard constraint), so it has no equation.
pde poisson

coords x, y
fields u
inputs f

eq poisson: -lap(u) = f
