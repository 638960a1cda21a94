"""The command line: ``pdecomp compile | check | show | verify``.

Every problem in the input is a :class:`PDEError`, printed as a diagnostic with exit
status 1; a refused file, a missing framework or a system error is one line, status 1; a
bad option or a backend without the method asked for is a usage error (status 2).
Warnings (``FILE:LINE:COL: warning: ...``) go to standard error. No command ever shows
a traceback.
"""

from __future__ import annotations

import argparse
import sys
import warnings
from pathlib import Path

from pdecomp.domains import describe_domain, describe_where
from pdecomp.errors import PDEError, PDEWarning
from pdecomp.expand import declared_fields, statements
from pdecomp.files import check_destination, write_atomic
from pdecomp.pipeline import METHODS, check_method, compile, load
from pdecomp.runtime import EXTRAS


def main(argv: list[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        if getattr(args, "backend", None) and getattr(args, "method", None):
            check_method(args.backend, args.method)  # before any work
    except ValueError as error:
        args.parser.error(str(error))  # a usage error: status 2
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", PDEWarning)
        try:
            status = args.run(args)
        except PDEError as error:
            status = _fail(str(error))
        except (ValueError, TypeError) as error:  # a refused file or argument
            status = _fail(f"pdecomp: error: {error}")
        except ImportError as error:
            status = _fail(f"pdecomp: error: {_import_message(error, args)}")
        except OSError as error:
            where = f": {error.filename}" if error.filename else ""
            status = _fail(f"pdecomp: error: {error.strerror or error}{where}")
        except KeyboardInterrupt:
            status = _fail("pdecomp: interrupted", 130)
        except Exception as error:  # noqa: BLE001 - the command line never shows a traceback
            status = _fail(f"pdecomp: internal error: {type(error).__name__}: {error}", 3)
    for warning in caught:
        if issubclass(warning.category, PDEWarning):
            print(str(warning.message), file=sys.stderr)
        else:
            print(f"pdecomp: warning: {warning.message}", file=sys.stderr)
    return status


def _fail(message: str, status: int = 1) -> int:
    print(message, file=sys.stderr)
    return status


def _import_message(error: ImportError, args) -> str:
    """A missing framework names the extra that installs it."""
    name = (error.name or "").split(".")[0]
    if name in EXTRAS:
        return (
            f"this command needs {name}, which is not installed; install it with: "
            f"pip install pdecomp[{EXTRAS[name]}]"
        )
    return str(error)


class _Help(argparse.HelpFormatter):
    """One line per option, defaults shown, whatever the terminal's width."""

    def __init__(self, prog):
        super().__init__(prog, max_help_position=32, width=120)


def _parser() -> argparse.ArgumentParser:
    from pdecomp import __version__
    from pdecomp.backends import BACKENDS
    from pdecomp.verify import METHODS as VERIFY_METHODS

    parser = argparse.ArgumentParser(
        prog="pdecomp",
        description="Compile .pde files to PDE residuals computed by Zero Coordinate Shift.",
        formatter_class=_Help,
    )
    parser.add_argument("--version", action="version", version=f"pdecomp {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    backends = ", ".join(BACKENDS)

    c = commands.add_parser(
        "compile", help="compile a .pde file to a Python module", formatter_class=_Help
    )
    c.add_argument("file", type=Path, help="the .pde file")
    c.add_argument(
        "--backend",
        choices=list(BACKENDS),
        default="torch",
        metavar="NAME",
        help=f"framework: {backends} (default: %(default)s)",
    )
    c.add_argument(
        "--method",
        choices=list(METHODS),
        default="zcs",
        metavar="NAME",
        help="derivative method, see docs/methods.md (default: %(default)s)",
    )
    c.add_argument(
        "-o",
        "--output",
        metavar="FILE",
        help="write the module to FILE (default: standard output, as for '-')",
    )
    c.add_argument(
        "--force",
        action="store_true",
        help="overwrite FILE even if pdecomp did not write it (never a .pde)",
    )
    c.set_defaults(run=_compile, parser=c)

    k = commands.add_parser(
        "check", help="parse and check a .pde file; print the system", formatter_class=_Help
    )
    k.add_argument("file", type=Path, help="the .pde file")
    k.set_defaults(run=_check)

    s = commands.add_parser("show", help="print the equations", formatter_class=_Help)
    s.add_argument("file", type=Path, help="the .pde file")
    s.add_argument("--latex", action="store_true", help="as LaTeX")
    s.add_argument(
        "--document",
        action="store_true",
        help="with --latex: a standalone LaTeX document (article, amsmath)",
    )
    s.set_defaults(run=_show)

    v = commands.add_parser(
        "verify",
        help="check the compiled residuals against per-point autograd and finite differences",
        formatter_class=_Help,
    )
    v.add_argument("file", type=Path, help="the .pde file")
    v.add_argument(
        "--backend",
        choices=list(BACKENDS),
        default="torch",
        metavar="NAME",
        help=f"framework: {backends} (default: %(default)s)",
    )
    v.add_argument(
        "--method",
        choices=list(VERIFY_METHODS),
        default="zcs",
        metavar="NAME",
        help="derivative method, see docs/methods.md (default: %(default)s)",
    )
    v.add_argument(
        "--points", type=int, default=8, help="number of random points (default: %(default)s)"
    )
    v.add_argument(
        "--seed",
        type=int,
        default=0,
        help="seed of the network and the points (default: %(default)s)",
    )
    v.set_defaults(run=_verify, parser=v)
    return parser


def _compile(args) -> int:
    to_stdout = args.output in (None, "-")
    target = None
    if not to_stdout:  # refuse a bad destination before compiling
        target = check_destination(args.output, str(args.file), args.force, "--force")
    pde = compile(args.file, backend=args.backend, method=args.method)
    if to_stdout:
        sys.stdout.write(pde.source)
    else:
        write_atomic(target, pde.source)
        print(f"wrote {args.output} ({args.backend}, {pde.method}: {', '.join(pde.equations)})")
    return 0


def _check(args) -> int:
    system = load(args.file)
    print(f"{args.file}: ok: system '{system.name}'")
    print(
        f"  coords: {', '.join(system.coords)}" + (f" (time: {system.time})" if system.time else "")
    )
    print(f"  fields: {', '.join(declared_fields(system))}")
    if system.params:
        print("  params: " + ", ".join(f"{p.name} = {p.default}" for p in system.params))
    if system.inputs:
        print(f"  inputs: {', '.join(system.inputs)}")
    if system.functions:
        print(f"  functions: {', '.join(system.functions)}")
    if system.domain is not None:
        print(f"  domain: {describe_domain(system.domain)}")
    for group, equations in statements(system):
        if group is not None:  # a vector, tensor or complex equation, then its components
            print(f"  eq {group.text}")
        for eq in equations:
            indent = "    " if group is not None else "  eq "
            print(f"{indent}{eq.name}: {_plain(eq.residual)} = 0" + _where(system, eq))
    return 0


def _show(args) -> int:
    if args.document and not args.latex:
        print("pdecomp show: error: --document needs --latex", file=sys.stderr)
        return 2
    system = load(args.file)
    if args.document:
        from pdecomp.latex import document

        sys.stdout.write(document(system))
    elif args.latex:
        from pdecomp.latex import domain_latex, latex_lines

        if system.domain is not None:
            print(f"domain: {domain_latex(system.domain)}")
        for line in latex_lines(system):
            print(line)
    else:
        if system.domain is not None:
            print(f"domain: {describe_domain(system.domain)}")
        for group, equations in statements(system):
            if group is not None:
                print(group.text)
            for eq in equations:
                indent = "  " if group is not None else ""
                where = _where(system, eq)
                print(f"{indent}{eq.name}: {_plain(eq.lhs)} = {_plain(eq.rhs)}{where}")
    return 0


def _verify(args) -> int:
    from pdecomp.verify import verify

    report = verify(args.file, args.backend, args.method, points=args.points, seed=args.seed)
    print(report.table())
    return 0 if report.ok else 1


def _where(system, equation) -> str:
    """``   (on t = 0)``: where an equation holds, for a system with a domain."""
    if system.domain is None:
        return ""
    return f"   ({describe_where(system, equation)})"


def _plain(expr) -> str:
    """An expression with fields and derivatives written u, u_x, u_xx."""
    from pdecomp.analyze import plain_text

    return plain_text(expr)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
