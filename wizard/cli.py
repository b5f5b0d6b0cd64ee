"""The `asignio-setup` command: the wizard, the headless run, and the offline policy tools.

argparse owns the grammar. Each thing the tool does is a subcommand (`run`, `plan`, `remove`, `policies`,
`validate`; none opens the wizard) that names its function and the global options it takes with `set_defaults`.
Global options are accepted anywhere on the line, before or after the subcommand and its files, as git, az and
terraform accept theirs; one given to a command it means nothing for is refused with a sentence (exit 2), never
ignored. `--non-interactive ANSWERS.toml…` is the `run` command's older spelling, kept for pipelines.

Adding a global option is one row of GLOBAL_OPTIONS and its dest in the `takes` of the commands it means something
for; adding a command is one `add_command` call with its own arguments after it.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from wizard.errors import BadInputError, ExitCode, SetupError, unexpected
from wizard.json_lines import SUMMARY, SummaryPromise
from wizard.logs import logging_to
from wizard.state_files import state_dir_chosen

if TYPE_CHECKING:
    from wizard.demo import DemoOptions

log = logging.getLogger(__name__)


class ShowVersion(argparse.Action):
    """`--version`: looks the installed version up only when asked (see `wizard.__getattr__`)."""

    def __init__(self, option_strings: list[str], dest: str = argparse.SUPPRESS, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS, **kwargs)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from wizard import __version__

        print(f"{parser.prog} {__version__}")
        parser.exit()


def _folder(text: str) -> Path:
    """A folder argument: an empty one (an unset pipeline variable) would quietly mean the current folder."""
    if not text.strip():
        raise argparse.ArgumentTypeError("give a folder, not an empty string")
    return Path(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not 0 <= value <= 3600:
        raise argparse.ArgumentTypeError("give 0 to 3600 seconds")
    return value


GLOBAL_OPTIONS: tuple[tuple[str, dict[str, Any]], ...] = (
    (
        "--json",
        {
            "action": "store_true",
            "help": "one JSON object per line on stdout per event, the last a summary; human text to stderr",
        },
    ),
    (
        "--log-file",
        {
            "metavar": "FILE",
            "type": Path,
            "help": "append a log to FILE (0600): steps, and with --debug each Graph call with its request-id; "
            "no secrets",
        },
    ),
    (
        "--debug",
        {
            "action": "store_true",
            "help": "log everything, each Graph call included (to --log-file, or to stderr for a headless run)",
        },
    ),
    ("--demo", {"action": "store_true", "help": "the built-in simulated tenant (no Azure account needed)"}),
    (
        "--demo-empty",
        {
            "action": "store_true",
            "help": "like --demo, from an empty simulated B2C tenant: the custom-policy path first sets up its "
            "prerequisites",
        },
    ),
    (
        "--demo-state",
        {
            "metavar": "FILE",
            "type": Path,
            "help": "with --demo: keep the simulated tenant in this file so it survives restarts",
        },
    ),
    (
        "--demo-platform",
        {
            "choices": ("b2c", "external-id"),
            "help": "with --demo: simulate an Azure AD B2C tenant (b2c, the default) or an Entra External ID tenant "
            "with Asignio's discovery document beside it (external-id); a --demo-state tenant keeps its own",
        },
    ),
    (
        "--confirm",
        {
            "metavar": "STEP",
            "action": "append",
            "default": [],
            "help": "run only: say a portal step (such as user-flow-mfa) is done; may be repeated",
        },
    ),
    (
        "--rotate-secret",
        {
            "action": "store_true",
            "help": "run only: send the Asignio Client Secret again (after you changed it at Asignio)",
        },
    ),
    (
        "--no-verify",
        {
            "action": "store_true",
            "help": "end the setup (the wizard or run) without probing the sign-in (see the verify command)",
        },
    ),
    (
        "--verify-timeout",
        {
            "metavar": "SECONDS",
            "type": _seconds,
            "help": "how long the sign-in probes wait for a policy that does not serve yet (default 120; 0: no retry)",
        },
    ),
    (
        "--state-dir",
        {
            "metavar": "DIR",
            "type": _folder,
            "help": "keep each tenant's progress and policy backups in DIR, a folder a pipeline can carry between "
            "runs; before ASIGNIO_SETUP_STATE_DIR, which goes before the platform's state folder",
        },
    ),
)
"""The options every command line accepts anywhere: (flag, argparse settings)."""
LOGGING = frozenset({"log_file", "debug"})
JSON = frozenset({"json"})
DEMO = frozenset({"demo", "demo_empty", "demo_state", "demo_platform"})
SETUP = frozenset({"confirm", "rotate_secret"})
PROBES = frozenset({"no_verify", "verify_timeout"})
STATE = frozenset({"state_dir"})
REPEATED_AFTER_THE_COMMAND = "after_the_command_"
"""The prefix of a repeatable global option's dest in a subcommand's parser. argparse copies a subcommand's values
over the line's, which would drop the `--confirm`s given before the subcommand: they are joined after parsing."""
WIZARD = "the wizard"
RUN_ALIAS = "--non-interactive"


def dest_of(flag: str) -> str:
    return flag.lstrip("-").replace("-", "_")


class UsageError(Exception):
    """A command line argparse could not read, or a flag given where it means nothing: said by `main`, exit 2."""

    def __init__(self, parser: argparse.ArgumentParser, message: str) -> None:
        super().__init__(message)
        self.usage = parser.format_usage()
        self.prog = parser.prog
        self.message = message


class CommandLine(argparse.ArgumentParser):
    """argparse's parser, whose errors are raised rather than printed, so `--json` can say them as a line too; the
    root one also knows which global options each command takes, for the sentence that refuses one."""

    takes: dict[str, frozenset[str]]
    """Command name (WIZARD for none) → the dests of the global options it takes."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(self, message)


def add_global_options(parser: argparse.ArgumentParser, *, in_a_command: bool) -> None:
    """In a subcommand's parser they default to nothing (argparse.SUPPRESS), so a value given before the
    subcommand stays unless it is given again after it."""
    group = parser.add_argument_group("global options (anywhere on the line)")
    for flag, settings in GLOBAL_OPTIONS:
        if in_a_command:
            settings = {**settings, "default": argparse.SUPPRESS}
            if settings.get("action") == "append":
                settings["dest"] = REPEATED_AFTER_THE_COMMAND + dest_of(flag)
        group.add_argument(flag, **settings)


def add_command(
    commands: argparse._SubParsersAction[CommandLine],
    root: CommandLine,
    name: str,
    func: Callable[[argparse.Namespace], int],
    *,
    takes: frozenset[str],
    help: str,
    summary: dict[str, Any] | None = None,
) -> CommandLine:
    """A subcommand running `func(args)`, taking the global options named in `takes`; `summary` is what its
    `--json` summary line holds when the run ends before the command wrote its own (an interrupt, say)."""
    parser = commands.add_parser(name, help=help, description=help)
    add_global_options(parser, in_a_command=True)
    parser.set_defaults(func=func, takes=takes, summary=summary or {})
    root.takes[name] = takes
    return parser


class RunAlias(argparse.Action):
    """`--non-interactive ANSWERS.toml…`: the `run` command's older spelling (pipelines and docs use it). It takes
    the rest of the line, which the `run` command's parser reads as if `run` had been written."""

    def __init__(self, option_strings: Sequence[str], dest: str, run: CommandLine, **settings: Any) -> None:
        super().__init__(option_strings, dest, nargs=argparse.REMAINDER, **settings)
        self.run = run

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: str | Sequence[Any] | None,
        option_string: str | None = None,
    ) -> None:
        given = self.run.parse_args(list(values or []))
        for key, value in vars(given).items():
            setattr(namespace, key, value)
        namespace.command = "run"


def build_parser() -> CommandLine:
    parser = CommandLine(
        prog="asignio-setup",
        description="Set up Asignio sign-in in an Azure AD B2C tenant. With no command, opens the wizard.",
    )
    parser.takes = {WIZARD: LOGGING | DEMO | PROBES | STATE}
    parser.add_argument("--version", action=ShowVersion, help="show program's version number and exit")
    add_global_options(parser, in_a_command=False)
    parser.set_defaults(func=open_wizard, takes=parser.takes[WIZARD], summary={})
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=CommandLine)

    run = add_command(
        commands,
        parser,
        "run",
        run_setup,
        takes=LOGGING | JSON | DEMO | SETUP | PROBES | STATE,
        help="run the whole setup from an answers file, asking nothing; several files set up their tenants at once",
        summary={"run_now_url": None},
    )
    run.add_argument("answers", type=Path, nargs="+", metavar="ANSWERS.toml")
    parser.add_argument(
        RUN_ALIAS,
        action=RunAlias,
        run=run,
        metavar="ANSWERS.toml",
        help="ANSWERS.toml…: the run command's older spelling, kept for pipelines",
    )

    plan = add_command(
        commands,
        parser,
        "plan",
        plan_setup,
        takes=LOGGING | JSON | STATE,
        help="show what the setup would change in the tenant, writing nothing",
    )
    plan.add_argument("answers", type=Path, nargs="+", metavar="ANSWERS.toml", help="several: planned at once")

    remove = add_command(
        commands,
        parser,
        "remove",
        remove_setup,
        takes=LOGGING | JSON | STATE,
        help="take out of the tenant what the setup put in (asks first)",
        summary={"removed": []},
    )
    remove.add_argument("answers", type=Path, metavar="ANSWERS.toml")
    remove.add_argument("--yes", action="store_true", help="remove without asking (for pipelines)")
    remove.add_argument(
        "--all",
        action="store_true",
        dest="everything",
        help="also the prerequisites the setup created (starter-pack base, its key sets, the IEF apps and consent)",
    )
    remove.add_argument(
        "--force",
        action="store_true",
        help="also delete or restore a policy changed since asignio-setup uploaded it (backed up first), and take "
        "the Asignio pieces out of an extensions policy that changed; never what asignio-setup did not make",
    )

    verify = add_command(
        commands,
        parser,
        "verify",
        verify_setup,
        takes=LOGGING | JSON | STATE | {"verify_timeout"},
        help="probe the sign-in the setup made, as a browser would start it, writing nothing",
        summary={"verified": False},
    )
    verify.add_argument("answers", type=Path, metavar="ANSWERS.toml")

    policies = add_command(
        commands,
        parser,
        "policies",
        policy_tools,
        takes=LOGGING,
        help="generate the Asignio custom policies offline from a base chain",
    )
    policies.add_argument("--answers", type=Path, required=True, metavar="ANSWERS.toml")
    policies.add_argument("--base", type=Path, required=True, metavar="DIR", help="folder with the tenant's chain")
    policies.add_argument("--out", type=Path, required=True, metavar="DIR", help="folder to write the policies to")
    policies.add_argument("--xsd", type=Path, metavar="FILE", help="the TrustFrameworkPolicy XSD to validate with")

    validate = add_command(
        commands,
        parser,
        "validate",
        policy_tools,
        takes=LOGGING,
        help="validate a folder of custom policies as one chain",
    )
    validate.add_argument("folder", type=Path, metavar="DIR")
    validate.add_argument("--xsd", type=Path, metavar="FILE", help="the TrustFrameworkPolicy XSD to validate with")
    return parser


def parse(parser: CommandLine, argv: Sequence[str]) -> argparse.Namespace:
    """The command line as argparse reads it, with every flag given where it means nothing refused."""
    args = parser.parse_args(argv)
    for key in [key for key in vars(args) if key.startswith(REPEATED_AFTER_THE_COMMAND)]:
        name = key.removeprefix(REPEATED_AFTER_THE_COMMAND)
        setattr(args, name, [*getattr(args, name), *getattr(args, key)])
        delattr(args, key)
    refuse_options_the_command_ignores(parser, args)
    refuse_demo_options_without_the_demo(parser, args)
    return args


def _named(command: str) -> str:
    return f"run ({RUN_ALIAS})" if command == "run" else command


def refuse_options_the_command_ignores(parser: CommandLine, args: argparse.Namespace) -> None:
    """A global option given to a command it means nothing for is refused, naming the commands it is for: `--json`
    to the wizard, or `--demo` to plan, would otherwise be ignored (and `--demo` would then sign in for real)."""
    command = args.command or WIZARD
    for flag, _ in GLOBAL_OPTIONS:
        dest = dest_of(flag)
        if dest in args.takes or getattr(args, dest) == parser.get_default(dest):
            continue
        homes = [_named(name) for name, takes in parser.takes.items() if dest in takes]
        listed = ", ".join(homes[:-1]) + f" and {homes[-1]}" if len(homes) > 1 else homes[0]
        where = WIZARD if command == WIZARD else f"the {command} command"
        parser.error(f"{flag} means nothing for {where}; it is for {listed}: leave it out")


def refuse_demo_options_without_the_demo(parser: CommandLine, args: argparse.Namespace) -> None:
    """Options that need another (`--demo-state` without `--demo` would start a real sign-in), or that clash
    (`--state-dir` with `--demo`: a demo keeps its progress apart from real runs', see `demo_state_dir`)."""
    demo = args.demo or args.demo_empty
    if demo and len(getattr(args, "answers", ())) > 1:
        parser.error("--demo runs one simulated tenant: give it one answers file, or leave --demo out")
    if args.demo_empty and args.demo_platform == "external-id":
        parser.error(
            "--demo-empty starts an empty B2C tenant and an External ID demo tenant is empty already: "
            "leave one of them out"
        )
    for flag in ("--demo-state", "--demo-platform"):
        if getattr(args, dest_of(flag)) is not None and not demo:
            parser.error(f"{flag} belongs to --demo (the simulated tenant): add --demo, or leave {flag} out")
    if demo and args.state_dir is not None:
        parser.error(
            "--state-dir names a folder of real runs' progress, and a demo never writes there (it keeps its own beside "
            "--demo-state, or in a temporary folder): leave --state-dir out, or --demo"
        )
    if args.verify_timeout is not None and args.no_verify:
        parser.error("--verify-timeout is for the sign-in probes, which --no-verify leaves out: give one of them")
    if args.debug and args.log_file is None and args.command is None:
        parser.error("--debug in the wizard needs --log-file FILE (a log on stderr would draw over the screen)")


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parse(parser, words)
    except UsageError as error:  # argparse could not read the line: `--json` is looked for among its words
        refuse_usage(error, json_lines="--json" in words)
    promise = SummaryPromise(sys.stdout, **args.summary) if args.json else None
    promised = SUMMARY.set(promise)
    try:
        try:
            with logging_to(args.log_file, debug=args.debug), state_dir_chosen(args.state_dir):
                code = run_command(args)
        except SetupError as error:  # the log file itself
            code = report(error, json_lines=args.json)
        if promise is not None:
            promise.keep(code)
    finally:
        SUMMARY.reset(promised)
    return code


def refuse_usage(error: UsageError, *, json_lines: bool) -> NoReturn:
    """argparse's usage and sentence on stderr, exit 2; with `--json` on the line, its failed and summary lines too."""
    sys.stderr.write(f"{error.usage}{error.prog}: error: {error.message}\n")
    if json_lines:
        promise = SummaryPromise(sys.stdout)
        promised = SUMMARY.set(promise)
        try:
            report(BadInputError(error.message, f"see {error.prog} --help"), json_lines=True, say=False)
            promise.keep(ExitCode.BAD_INPUT)
        finally:
            SUMMARY.reset(promised)
    raise SystemExit(ExitCode.BAD_INPUT)


INTERRUPTED = SetupError("interrupted (Ctrl-C)", "run the same command again to resume", exit_code=ExitCode.INTERRUPTED)


def run_command(args: argparse.Namespace) -> int:
    """The command's exit code, whatever ends it: each error becomes its sentence (and the log's last lines)."""
    if log.isEnabledFor(logging.INFO):  # the version is looked up only for a log that keeps it
        from wizard import __version__

        log.info("asignio-setup %s: %s", __version__, args.command or WIZARD)
    try:
        code = int(args.func(args))
    except SetupError as error:
        code = report(error, json_lines=args.json)
    except KeyboardInterrupt:
        code = report(INTERRUPTED, json_lines=args.json)
    except Exception as error:  # noqa: BLE001 - the last line of defence: one sentence, not a traceback
        code = report(unexpected(error, "asignio-setup"), json_lines=args.json)
    log.info("ended with exit code %d", code)
    return code


def demo_options(args: argparse.Namespace) -> DemoOptions | None:
    """The simulated tenant the demo options ask for; None for a real tenant."""
    if not (args.demo or args.demo_empty):
        return None
    from wizard.demo import DemoOptions

    return DemoOptions(empty=args.demo_empty, state=args.demo_state, platform=args.demo_platform)


def open_wizard(args: argparse.Namespace) -> int:
    from screens.app import run_app

    return run_app(demo=demo_options(args), verify=not args.no_verify, verify_timeout=args.verify_timeout)


def run_setup(args: argparse.Namespace) -> int:
    from wizard.headless import VerifyOptions

    verify = VerifyOptions(not args.no_verify, args.verify_timeout)
    if len(args.answers) > 1:
        from wizard.headless import run_tenants

        return run_tenants(
            args.answers, confirm=args.confirm, rotate_secret=args.rotate_secret, json_lines=args.json, verify=verify
        )
    from wizard.headless import run_headless

    return run_headless(
        args.answers[0],
        demo=demo_options(args),
        confirm=args.confirm,
        rotate_secret=args.rotate_secret,
        json_lines=args.json,
        verify=verify,
    )


def plan_setup(args: argparse.Namespace) -> int:
    from wizard.headless import run_plan

    return run_plan(args.answers, json_lines=args.json)


def remove_setup(args: argparse.Namespace) -> int:
    from wizard.removal import run_remove

    return run_remove(args.answers, yes=args.yes, json_lines=args.json, everything=args.everything, force=args.force)


def verify_setup(args: argparse.Namespace) -> int:
    from wizard.headless import VerifyOptions, run_verify

    return run_verify(args.answers, json_lines=args.json, options=VerifyOptions(timeout=args.verify_timeout))


def policy_tools(args: argparse.Namespace) -> int:
    from wizard.policy_commands import run_command as run_policy_command

    return run_policy_command(args)


def report(error: SetupError, *, json_lines: bool = False, say: bool = True) -> int:
    """An error that ended the command: its sentence on stderr (`say`) and in the log; with `--json`, its failed
    line (the summary lines still owed follow when `main` keeps the promise)."""
    from wizard.printer import EventPrinter

    log.warning("%s", error)
    EventPrinter(sys.stdout, sys.stderr, json_lines=json_lines).failed(error, summarise=False, say=say)
    return int(error.exit_code)


if __name__ == "__main__":
    sys.exit(main())
