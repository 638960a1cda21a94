# Steady Stokes flow (ZCS paper, problem 4): three fields, shared coordinates
pde stokes

coords x, y
fields u, v, p
params mu = 0.01

eq xmomentum: mu*lap(u) - dx(p) = 0
eq ymomentum: mu*lap(v) - dy(p) = 0
eq continuity: dx(u) + dy(v) = 0
