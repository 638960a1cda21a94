# Linear elasticity in 2-D (plane strain), displacement form with Lame parameters:
#   strain eps = sym(grad(U)), stress sigma = lambda tr(eps) Id + 2 mu eps,
#   equilibrium div(sigma) + f = 0 for a body force f = (fx, fy) given at the points.
pde elasticity
coords x, y
fields u, v
params lam = 1, mu = 0.5
inputs fx, fy

vector U = (u, v)
let eps = sym(grad(U))
let sigma = lam*tr(eps)*Id + 2*mu*eps
eq equilibrium: div(sigma) + (fx, fy) = 0
