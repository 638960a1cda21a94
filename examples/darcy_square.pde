# Darcy flow on the unit square with a variable coefficient, for the physics-informed CNN
# example (examples/darcy_cnn.py). The coefficient a and the source f are known functions
# of the coordinates: the example passes a = exp(spline of sampled data) and an analytic f.
# The boundary condition u = 0 is built into the model, so it has no equation.
pde darcy

coords x, y
fields u
functions a, f

eq darcy: -(d(a*u_x, x) + d(a*u_y, y)) = f
