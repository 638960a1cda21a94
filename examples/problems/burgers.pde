# Viscous Burgers' equation, periodic in x (the ZCS paper's second problem): the operator
# maps the initial condition u0(x), a periodic Gaussian random field, to u(x, t).
#
#   u_t + u u_x = nu u_xx,   x in [0, 1) periodic, t in [0, 1],   u(x, 0) = u0(x).
#
# examples/train_operator.py builds periodicity into the network (its trunk sees x only
# through cos(2 pi j x), sin(2 pi j x)) and enforces the initial condition exactly
# (u = u0(x) + t * network), so only `burgers` is trained; `ic` states the condition
# (at t = 0, with the input u0 sampled there) and the tests check the constraint with it.
pde burgers

coords x, t
time t
fields u
params nu = 0.01
inputs u0

eq burgers: dt(u) + u*dx(u) = nu*dxx(u)
eq ic:      u = u0       # at t = 0
