# Kirchhoff-Love plate (ZCS paper, problem 3): a fourth-order problem
pde plate

coords x, y
fields w
params D = 0.01
inputs q

eq interior: D*lap(lap(w)) = q
