# Diffusion-reaction with a source f(x), learned as an operator f -> u
pde diffusionreaction
coords x, t
time t
fields u
params D = 0.01, k = 0.01
inputs f

eq interior: dt(u) = D*dxx(u) - k*u^2 + f
