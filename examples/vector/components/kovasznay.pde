# Kovasznay flow, component by component (see ../kovasznay.pde).
pde kovasznay
coords x, y
fields u, v, p
params Re = 20

eq momentum_x: u*dx(u) + v*dy(u) = -dx(p) + (dxx(u) + dyy(u))/Re
eq momentum_y: u*dx(v) + v*dy(v) = -dy(p) + (dxx(v) + dyy(v))/Re
eq continuity: dx(u) + dy(v) = 0
