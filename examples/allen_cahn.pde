# Allen-Cahn, periodic in x: the whole problem in one file
pde allencahn

coords x, t
time t
fields u
params d = 0.001, k = 5
domain x in [-1, 1], t in [0, 1]

eq ac:   dt(u) = d*dxx(u) + k*(u - u^3)
eq ic:   u = x^2*cos(pi*x)   on t = 0
eq per:  periodic(u, x)      # u(-1, t) = u(1, t)
eq perx: periodic(u_x, x)    # and so is its slope
