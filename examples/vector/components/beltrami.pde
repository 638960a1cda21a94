# Beltrami flow, component by component (see ../beltrami.pde).
pde beltrami
coords x, y, z, t
time t
fields u, v, w, p
params nu = 1

eq momentum_x: dt(u) + u*dx(u) + v*dy(u) + w*dz(u) = -dx(p) + nu*(dxx(u) + dyy(u) + dzz(u))
eq momentum_y: dt(v) + u*dx(v) + v*dy(v) + w*dz(v) = -dy(p) + nu*(dxx(v) + dyy(v) + dzz(v))
eq momentum_z: dt(w) + u*dx(w) + v*dy(w) + w*dz(w) = -dz(p) + nu*(dxx(w) + dyy(w) + dzz(w))
eq continuity: dx(u) + dy(v) + dz(w) = 0
