# Stokes flow in 2-D with a body force f = (fx, fy) given as data at the points.
pde stokes
coords x, y
fields u, v, p
params mu = 1
inputs fx, fy

vector U = (u, v)
vector F = (fx, fy)
eq momentum: mu*lap(U) - grad(p) + F = 0
eq continuity: div(U) = 0
