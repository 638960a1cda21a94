# Stokes flow in the lid-driven unit cavity (the ZCS paper's fourth problem): the
# operator maps the lid velocity profile ulid(x) to the velocity (u, v) and pressure p.
#
#   mu lap(U) - grad(p) = 0,   div(U) = 0,   U = (u, v),   (x, y) in [0, 1]^2,
#   u = ulid(x), v = 0 on the lid y = 1;   u = v = 0 on the other three walls.
#
# examples/train_operator.py enforces the wall and lid velocities exactly: its lid
# profiles vanish with zero slope at both corners, psi = ulid(x) y^2 (y - 1) is a stream
# function with exactly these velocities on the walls, and u = psi_y + b F_u,
# v = -psi_x + b F_v with b = 16 x (1 - x) y (1 - y), p = 10 F_p. The three field
# equations (momentum_x, momentum_y, continuity) are trained; `lid`, `wallu` and `wallv`
# state the boundary conditions and the tests evaluate them on the walls. The pressure is defined up to a constant: predictions
# and references are compared at zero mean.
pde stokes

coords x, y
fields u, v, p
params mu = 1
inputs ulid

vector U = (u, v)
eq momentum:   mu*lap(U) - grad(p) = 0
eq continuity: div(U) = 0
eq lid:   u = ulid   # on y = 1
eq wallu: u = 0      # on x = 0, x = 1, y = 0
eq wallv: v = 0      # on all four walls
