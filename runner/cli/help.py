"""``--help`` as a Unix tool prints it: ``Usage: polyglot run [OPTIONS] FILE``.

Typer 0.29 writes required arguments as ``{file}`` in the usage line and lists each argument and option with
its Python type (``file <path>``, ``<list[Path]>``, ``<str>``). Commands use :class:`PlainHelp`, arguments and
options a metavar in capitals (FILE, RECORDING, SECONDS); ``tests/cli/test_help.py`` walks every command.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from typer.core import TyperCommand

if TYPE_CHECKING:
    from typer import _click  # the click that Typer 0.29 vendors


def _argument_name(param: _click.Parameter) -> str:
    name = param.metavar or (param.name or "").upper()
    return f"{name}..." if param.nargs != 1 else name


class PlainHelp(TyperCommand):
    def collect_usage_pieces(self, ctx: _click.Context) -> list[str]:
        pieces = [self.options_metavar] if self.options_metavar else []
        for param in self.get_params(ctx):
            if param.param_type_name == "argument":
                name = _argument_name(param)
                pieces.append(name if param.required else f"[{name}]")
        return pieces

    def format_options(self, ctx: _click.Context, formatter: _click.HelpFormatter) -> None:
        arguments = [(_argument_name(p), getattr(p, "help", None) or "") for p in self.get_params(ctx)
                     if p.param_type_name == "argument" and not getattr(p, "hidden", False)]
        options = [record for p in self.get_params(ctx) if p.param_type_name == "option"
                   if (record := p.get_help_record(ctx)) is not None]
        if arguments:
            with formatter.section("Arguments"):
                formatter.write_dl(arguments)
        if options:
            with formatter.section("Options"):
                formatter.write_dl(options)
