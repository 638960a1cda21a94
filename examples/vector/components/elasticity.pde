# Linear elasticity, component by component (see ../elasticity.pde): the strains and
# stresses spelled out.
pde elasticity
coords x, y
fields u, v
params lam = 1, mu = 0.5
inputs fx, fy

let exx = dx(u)
let eyy = dy(v)
let exy = (dy(u) + dx(v))/2
let sxx = lam*(exx + eyy) + 2*mu*exx
let syy = lam*(exx + eyy) + 2*mu*eyy
let sxy = 2*mu*exy
eq equilibrium_x: dx(sxx) + dy(sxy) + fx = 0
eq equilibrium_y: dx(sxy) + dy(syy) + fy = 0
