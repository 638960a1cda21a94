# 1-D nonlinear diffusion-reaction (ZCS paper, problem 1): u_t = D u_xx + k u^2 + f(x)
pde reactionDiffusion

coords x, t
time t
fields u
params D = 0.01, k = 0.01
inputs f

eq interior: dt(u) = D*dxx(u) + k*u^2 + f
