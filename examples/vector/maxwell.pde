# Maxwell's equations in vacuum in 3-D, c the speed of light (E is Euler's number in
# the language, so the field vectors are named Ev and Bv):
#   dB/dt + curl E = 0,  dE/dt = c^2 curl B,  div E = 0,  div B = 0.
pde maxwell
coords x, y, z, t
time t
fields Ex, Ey, Ez, Bx, By, Bz
params c = 1

vector Ev = (Ex, Ey, Ez)
vector Bv = (Bx, By, Bz)
eq faraday: dt(Bv) + curl(Ev) = 0
eq ampere: dt(Ev) = c^2*curl(Bv)
eq gaussE: div(Ev) = 0
eq gaussB: div(Bv) = 0
