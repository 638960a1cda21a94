# Kirchhoff-Love plate, simply supported on the unit square (the ZCS paper's third
# problem): the operator maps the transverse load q(x, y) to the deflection w(x, y).
#
#   D (w_xxxx + 2 w_xxyy + w_yyyy) = q,   (x, y) in [0, 1]^2,
#   w = 0 and w_nn = 0 on the four edges (simply supported).
#
# Fourth-order derivatives: the case where ZCS saves the most. examples/train_operator.py
# enforces both boundary conditions exactly: w = sin(pi x) sin(pi y) F(cos(pi x),
# cos(pi y)) is odd about every edge, so w and all its even normal derivatives vanish
# there; only `plate` is trained. Along a straight edge where w = 0 the tangential
# second derivative vanishes too, so w_nn = lap(w): `deflection` and `moment` state the
# conditions and the tests evaluate them on the edges.
pde plate

coords x, y
fields w
params D = 1
inputs q

eq plate:      D*lap(lap(w)) = q
eq deflection: w = 0         # on the edges
eq moment:     lap(w) = 0    # on the edges (w_nn = 0 where w = 0)
