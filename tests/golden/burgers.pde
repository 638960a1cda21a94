# Burgers' equation, viscous
pde burgers

coords x, t
time t
fields u
params nu = 0.01/pi
let g = sin(pi*x)

eq burgers: dt(u) + u*dx(u) = nu*dxx(u)
eq ic:      u = -g
