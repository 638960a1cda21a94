# Stokes flow with a body force, component by component (see ../stokes.pde).
pde stokes
coords x, y
fields u, v, p
params mu = 1
inputs fx, fy

eq momentum_x: mu*(dxx(u) + dyy(u)) - dx(p) + fx = 0
eq momentum_y: mu*(dxx(v) + dyy(v)) - dy(p) + fy = 0
eq continuity: dx(u) + dy(v) = 0
