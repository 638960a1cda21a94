# Euler-Bernoulli beam (a fourth-order PINN problem): EI w'''' = q
pde beam

coords x
fields w
params EI = 1
inputs q

eq interior: EI*d(w, x, 4) = q
