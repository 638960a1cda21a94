# Kuramoto-Sivashinsky (a fourth-order PINN problem)
pde kuramotoSivashinsky

coords x, t
time t
fields u

eq interior: dt(u) + u*dx(u) + dxx(u) + d(u, x, 4) = 0
