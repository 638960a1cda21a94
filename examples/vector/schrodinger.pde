# Nonlinear Schrodinger equation (the DeepXDE example), h = h_re + i h_im complex:
#   i h_t + 0.5 h_xx + |h|^2 h = 0 on x in [-5, 5], t in [0, pi/2],
#   h(x, 0) = 2 sech(x), periodic in x (h and h_x).
# The model returns h_re and h_im; nls becomes nls_re and nls_im, ic becomes ic_re, ic_im.
pde schrodinger
coords x, t
time t
fields h complex

eq nls: I*dt(h) + 0.5*dxx(h) + abs(h)^2*h = 0
eq ic: h = 2/cosh(x)     # at t = 0
