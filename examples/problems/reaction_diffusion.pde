# Nonlinear diffusion-reaction (the ZCS paper's first problem, after Wang et al. 2021):
# the operator maps the source f(x), a Gaussian random field, to u(x, t).
#
#   u_t = D u_xx + k u^2 + f(x),   x in [0, 1], t in [0, 1],
#   u(x, 0) = 0,   u(0, t) = u(1, t) = 0.
#
# examples/train_operator.py enforces the initial and boundary values exactly (hard
# constraints): the network's output is multiplied by x (1 - x) t, so only the equation
# `rd` is trained. `ic` and `bc` state the conditions; the tests evaluate them on the
# initial line and on the walls to check the constraint.
pde reactiondiffusion

coords x, t
time t
fields u
params D = 0.01, k = 0.01
inputs f

eq rd:  dt(u) = D*dxx(u) + k*u^2 + f
eq ic:  u = 0        # at t = 0
eq bc:  u = 0        # at x = 0 and x = 1
