# Viscous Burgers (ZCS paper, problem 2)
pde burgers

coords x, t
time t
fields u
params nu = 0.01/pi

eq interior: dt(u) + u*dx(u) = nu*dxx(u)
