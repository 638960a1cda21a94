# Burgers' equation, viscous: the whole problem in one file
pde burgers

coords x, t          # the model's arguments, in order
time t               # lap() skips it
fields u             # what the model returns
params nu = 0.01/pi  # keyword arguments with defaults
domain x in [-1, 1], t in [0, 1]
let g = sin(pi*x)

eq burgers: dt(u) + u*dx(u) = nu*dxx(u)    # inside the domain; residual = lhs - rhs
eq ic:      u = -g   on t = 0              # the initial value
eq bc:      u = 0    on x = -1, x = 1      # both ends
