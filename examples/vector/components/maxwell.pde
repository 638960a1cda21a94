# Maxwell's equations in vacuum, component by component (see ../maxwell.pde).
pde maxwell
coords x, y, z, t
time t
fields Ex, Ey, Ez, Bx, By, Bz
params c = 1

eq faraday_x: dt(Bx) + dy(Ez) - dz(Ey) = 0
eq faraday_y: dt(By) + dz(Ex) - dx(Ez) = 0
eq faraday_z: dt(Bz) + dx(Ey) - dy(Ex) = 0
eq ampere_x: dt(Ex) = c^2*(dy(Bz) - dz(By))
eq ampere_y: dt(Ey) = c^2*(dz(Bx) - dx(Bz))
eq ampere_z: dt(Ez) = c^2*(dx(By) - dy(Bx))
eq gaussE: dx(Ex) + dy(Ey) + dz(Ez) = 0
eq gaussB: dx(Bx) + dy(By) + dz(Bz) = 0
