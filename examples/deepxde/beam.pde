# Euler-Bernoulli beam, clamped at x = 0, free at x = 1, unit load: y'''' = -1
pde beam
coords x
fields y

eq beam:   dxxxx(y) = -1
eq moment: dxx(y) = 0      # free end: no bending moment
eq shear:  dxxx(y) = 0     # free end: no shear force
