"""The `asignio-setup` command: the wizard, the headless run, and the offline policy tools."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from wizard.errors import ExitCode, SetupError, unexpected
from wizard.logs import logging_to


class ShowVersion(argparse.Action):
    """`--version`: looks the installed version up only when asked (see `wizard.__getattr__`)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from wizard import __version__

        print(f"{parser.prog} {__version__}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="asignio-setup",
        description="Set up Asignio sign-in in an Azure AD B2C tenant. With no arguments, opens the wizard.",
    )
    parser.add_argument("--version", action=ShowVersion, help="show program's version number and exit")
    parser.add_argument(
        "--non-interactive",
        metavar="ANSWERS.toml",
        type=Path,
        nargs="+",
        help="run the whole setup from an answers file, asking nothing; several files set up their tenants at once",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="run against the built-in simulated tenant (no Azure account needed)",
    )
    parser.add_argument(
        "--demo-empty",
        action="store_true",
        help="like --demo, from an empty simulated B2C tenant: the custom-policy path first sets up its prerequisites",
    )
    parser.add_argument(
        "--demo-state",
        metavar="FILE",
        type=Path,
        help="with --demo: keep the simulated tenant in this file so it survives restarts",
    )
    parser.add_argument(
        "--demo-platform",
        choices=("b2c", "external-id"),
        help="with --demo: simulate an Azure AD B2C tenant (b2c, the default) or an Entra External ID tenant "
        "with Asignio's discovery document beside it (external-id); a --demo-state tenant keeps its own",
    )
    parser.add_argument(
        "--confirm",
        metavar="STEP",
        action="append",
        default=[],
        help="with --non-interactive: say a portal step (such as user-flow-mfa) is done; may be repeated",
    )
    parser.add_argument(
        "--rotate-secret",
        action="store_true",
        help="with --non-interactive: send the Asignio Client Secret again (after you changed it at Asignio)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        help="with --non-interactive, plan or remove: one JSON object per line on stdout per event; human text to stderr",
    )
    parser.add_argument(
        "--log-file",
        metavar="FILE",
        type=Path,
        help="append a log to FILE (0600): steps, and with --debug each Graph call with its request-id; no secrets",
    )
    parser.add_argument(
        "--debug",
        action="store_true",
        help="log everything, each Graph call included (to --log-file, or to stderr for a headless run)",
    )
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    policies = commands.add_parser("policies", help="generate the Asignio custom policies offline from a base chain")
    policies.add_argument("--answers", type=Path, required=True, metavar="ANSWERS.toml")
    policies.add_argument("--base", type=Path, required=True, metavar="DIR", help="folder with the tenant's chain")
    policies.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write the policies to")
    policies.add_argument("--xsd", type=Path, metavar="FILE", help="the TrustFrameworkPolicy XSD to validate with")

    plan = commands.add_parser("plan", help="show what the setup would change in the tenant, writing nothing")
    plan.add_argument("answers", type=Path, nargs="+", metavar="ANSWERS.toml", help="several: planned at once")

    remove = commands.add_parser("remove", help="take out of the tenant what the setup put in (asks first)")
    remove.add_argument("answers", type=Path, metavar="ANSWERS.toml")
    remove.add_argument("--yes", action="store_true", help="remove without asking (for pipelines)")
    remove.add_argument(
        "--all",
        action="store_true",
        dest="everything",
        help="also the prerequisites the setup created (starter-pack base, its key sets, the IEF apps and consent)",
    )

    validate = commands.add_parser("validate", help="validate a folder of custom policies as one chain")
    validate.add_argument("folder", type=Path, metavar="DIR")
    validate.add_argument("--xsd", type=Path, metavar="FILE", help="the TrustFrameworkPolicy XSD to validate with")
    return parser


def refuse_flags_outside_their_mode(parser: argparse.ArgumentParser, args: argparse.Namespace) -> None:
    """A flag given where it means nothing is refused (exit 2), never ignored: `--demo-state` without `--demo` would
    otherwise start a real sign-in."""
    setup_flags = {
        "--non-interactive": args.non_interactive is not None,
        "--demo": args.demo,
        "--demo-empty": args.demo_empty,
        "--demo-state": args.demo_state is not None,
        "--demo-platform": args.demo_platform is not None,
        "--confirm": bool(args.confirm),
        "--rotate-secret": args.rotate_secret,
    }
    given = [flag for flag, present in setup_flags.items() if present]
    if args.command is not None and given:
        parser.error(
            f"{' and '.join(given)}: for the setup run (the wizard or --non-interactive) only, not for the "
            f"{args.command} command: leave {'it' if len(given) == 1 else 'them'} out"
        )
    demo = args.demo or args.demo_empty
    if demo and args.non_interactive is not None and len(args.non_interactive) > 1:
        parser.error("--demo runs one simulated tenant: give it one answers file, or leave --demo out")
    if args.demo_empty and args.demo_platform == "external-id":
        parser.error(
            "--demo-empty starts an empty B2C tenant and an External ID demo tenant is empty already: "
            "leave one of them out"
        )
    if args.demo_state is not None and not demo:
        parser.error("--demo-state belongs to --demo (the simulated tenant): add --demo, or leave --demo-state out")
    if args.demo_platform is not None and not demo:
        parser.error(
            "--demo-platform belongs to --demo (the simulated tenant): add --demo, or leave --demo-platform out"
        )
    if (
        args.json
        and args.command not in ("plan", "remove")
        and (args.command is not None or args.non_interactive is None)
    ):
        parser.error(
            "--json belongs to --non-interactive ANSWERS.toml, plan or remove: add one of them, or leave --json out"
        )
    if args.debug and args.log_file is None and args.command is None and args.non_interactive is None:
        parser.error("--debug in the wizard needs --log-file FILE (a log on stderr would draw over the screen)")
    for flag in ("--confirm", "--rotate-secret"):
        if setup_flags[flag] and args.non_interactive is None:
            parser.error(
                f"{flag} belongs to --non-interactive ANSWERS.toml (the headless run): add --non-interactive, "
                f"or leave {flag} out"
            )


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    refuse_flags_outside_their_mode(parser, args)
    try:
        with logging_to(args.log_file, debug=args.debug):
            return _run_command(args)
    except SetupError as error:
        return report(error, json_lines=args.json)
    except KeyboardInterrupt:
        print("interrupted: run the same command again to resume", file=sys.stderr)
        return int(ExitCode.INTERRUPTED)
    except Exception as error:  # noqa: BLE001 - the last line of defence: one sentence, not a traceback
        return report(unexpected(error, "asignio-setup"), json_lines=args.json)


def _run_command(args: argparse.Namespace) -> int:
    if args.command in ("policies", "validate"):
        from wizard.policies.commands import run_command

        return run_command(args)
    if args.command == "plan":
        from wizard.headless import run_plan

        return run_plan(args.answers, json_lines=args.json)
    if args.command == "remove":
        from wizard.removal import run_remove

        return run_remove(args.answers, yes=args.yes, json_lines=args.json, everything=args.everything)
    if args.non_interactive is not None and len(args.non_interactive) > 1:
        from wizard.headless import run_tenants

        return run_tenants(
            args.non_interactive, confirm=args.confirm, rotate_secret=args.rotate_secret, json_lines=args.json
        )
    if args.non_interactive is not None:
        from wizard.headless import run_headless

        return run_headless(
            args.non_interactive[0],
            demo=args.demo or args.demo_empty,
            demo_empty=args.demo_empty,
            demo_state=args.demo_state,
            demo_platform=args.demo_platform,
            confirm=args.confirm,
            rotate_secret=args.rotate_secret,
            json_lines=args.json,
        )
    from screens.app import run_app

    return run_app(
        demo=args.demo or args.demo_empty,
        demo_state=args.demo_state,
        demo_platform=args.demo_platform,
        demo_empty=args.demo_empty,
    )


def report(error: SetupError, *, json_lines: bool = False) -> int:
    from wizard.headless import EventPrinter

    EventPrinter(sys.stdout, sys.stderr, json_lines=json_lines).failed(error)
    return int(error.exit_code)


if __name__ == "__main__":
    sys.exit(main())
