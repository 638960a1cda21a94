# Beltrami flow (Ethier and Steinman 1994): unsteady incompressible Navier-Stokes in 3-D
# with an exact solution (a = d = 1 here):
#   u = -a (e^{ax} sin(ay + dz) + e^{az} cos(ax + dy)) e^{-nu d^2 t}, v and w cyclically,
#   p = -a^2/2 (e^{2ax} + e^{2ay} + e^{2az} + 2 sin(ax + dy) cos(az + dx) e^{a(y+z)}
#       + 2 sin(ay + dz) cos(ax + dy) e^{a(z+x)} + 2 sin(az + dx) cos(ay + dz) e^{a(x+y)})
#       e^{-2 nu d^2 t}.
pde beltrami
coords x, y, z, t
time t
fields u, v, w, p
params nu = 1

vector U = (u, v, w)
eq momentum: dt(U) + dot(U, grad(U)) = -grad(p) + nu*lap(U)
eq continuity: div(U) = 0
