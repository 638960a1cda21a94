# Kovasznay flow: steady incompressible Navier-Stokes in 2-D, the flow behind a grid.
# Exact solution, with lambda = Re/2 - sqrt(Re^2/4 + 4 pi^2):
#   u = 1 - exp(lambda x) cos(2 pi y),  v = lambda/(2 pi) exp(lambda x) sin(2 pi y),
#   p = (1 - exp(2 lambda x))/2,   usually on [-0.5, 1] x [-0.5, 1.5].
pde kovasznay
coords x, y
fields u, v, p
params Re = 20

vector U = (u, v)
eq momentum: dot(U, grad(U)) = -grad(p) + lap(U)/Re
eq continuity: div(U) = 0
