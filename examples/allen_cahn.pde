# Allen-Cahn, periodic in x: the whole problem in one file
pde allencahn

coords x, t
time t
fields u
params eps = 0.01, k = 1     # diffusion and reaction
domain x in [-1, 1], t in [0, 1]

eq ac:   dt(u) = eps*dxx(u) + k*(u - u^3)
eq ic:   u = 0.5*sin(pi*x) - 0.4*cos(2*pi*x)   on t = 0
eq per:  periodic(u, x)      # u(-1, t) = u(1, t)
eq perx: periodic(u_x, x)    # and so is its slope
