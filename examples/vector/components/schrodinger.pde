# Nonlinear Schrodinger, split into real and imaginary parts by hand (see
# ../schrodinger.pde): h = u + i v, fields in the order h_re, h_im.
pde schrodinger
coords x, t
time t
fields u, v

eq nls_re: -dt(v) + 0.5*dxx(u) + (u^2 + v^2)*u = 0
eq nls_im: dt(u) + 0.5*dxx(v) + (u^2 + v^2)*v = 0
eq ic_re: u = 2/cosh(x)
eq ic_im: v = 0
