"""The command line: ``pdecomp compile | check | show | verify``.

Every problem in the input is a :class:`PDEError`, printed as a diagnostic with exit
status 1 and no traceback; a bad option is argparse's usage error (status 2).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from pdecomp.errors import PDEError
from pdecomp.pipeline import METHODS, compile, load


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except PDEError as error:
        print(str(error), file=sys.stderr)
        return 1
    except OSError as error:
        print(f"pdecomp: error: {error.strerror or error}: {error.filename}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    from pdecomp.backends import BACKENDS

    parser = argparse.ArgumentParser(
        prog="pdecomp", description="Compile .pde files to PDE residuals computed by ZCS."
    )
    commands = parser.add_subparsers(dest="command", required=True)

    c = commands.add_parser("compile", help="compile a .pde file to a Python module")
    c.add_argument("file", type=Path)
    c.add_argument("--backend", choices=list(BACKENDS), default="torch")
    c.add_argument("--method", choices=list(METHODS), default="zcs")
    c.add_argument("-o", "--output", type=Path, help="output file (default: standard output)")
    c.set_defaults(run=_compile)

    k = commands.add_parser("check", help="parse and check a .pde file; print the system")
    k.add_argument("file", type=Path)
    k.set_defaults(run=_check)

    s = commands.add_parser("show", help="print the equations")
    s.add_argument("file", type=Path)
    s.add_argument("--latex", action="store_true", help="as LaTeX")
    s.set_defaults(run=_show)

    from pdecomp.verify import METHODS as POINTWISE_METHODS

    v = commands.add_parser(
        "verify",
        help="check the compiled residuals against per-point autograd and finite differences",
    )
    v.add_argument("file", type=Path)
    v.add_argument("--backend", choices=list(BACKENDS), default="torch")
    v.add_argument("--method", choices=list(POINTWISE_METHODS), default="zcs")
    v.add_argument("--points", type=int, default=8, help="number of random points (default 8)")
    v.add_argument("--seed", type=int, default=0, help="seed of the network and the points")
    v.set_defaults(run=_verify)
    return parser


def _compile(args) -> int:
    pde = compile(args.file, backend=args.backend, method=args.method)
    if args.output is None:
        sys.stdout.write(pde.source)
    else:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        pde.write(args.output)
        print(f"wrote {args.output} ({args.backend}, {args.method}: {', '.join(pde.equations)})")
    return 0


def _check(args) -> int:
    system = load(args.file)
    print(f"{args.file}: ok: system '{system.name}'")
    print(
        f"  coords: {', '.join(system.coords)}" + (f" (time: {system.time})" if system.time else "")
    )
    print(f"  fields: {', '.join(system.fields)}")
    if system.params:
        print("  params: " + ", ".join(f"{p.name} = {p.default}" for p in system.params))
    if system.inputs:
        print(f"  inputs: {', '.join(system.inputs)}")
    if system.functions:
        print(f"  functions: {', '.join(system.functions)}")
    for eq in system.equation_info:
        print(f"  eq {eq.name}: {_plain(eq.residual)} = 0")
    return 0


def _show(args) -> int:
    system = load(args.file)
    if args.latex:
        from pdecomp.latex import to_latex

        for name, tex in to_latex(system):
            print(f"{name}: {tex}")
    else:
        for eq in system.equation_info:
            print(f"{eq.name}: {_plain(eq.lhs)} = {_plain(eq.rhs)}")
    return 0


def _verify(args) -> int:
    from pdecomp.verify import verify

    report = verify(args.file, args.backend, args.method, points=args.points, seed=args.seed)
    print(report.table())
    return 0 if report.ok else 1


def _plain(expr) -> str:
    """An expression with fields and derivatives written u, u_x, u_xx."""
    from pdecomp.analyze import plain_text

    return plain_text(expr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
