"""The wizard's App: it holds the draft answers and the session, and runs every piece of network work in a worker.

Screens ask the app to start work (`sign_in`, `inspect_base`, `prepare_review`, `run_setup`...); the worker posts a
typed message back to the screen that asked. Worker errors all land in one handler, which shows the error view.
Workers are threads, and the session's Graph work runs on one background loop: requests, parsing and sign-in never
run on the UI's loop, so the screens never freeze.
"""

from __future__ import annotations

import asyncio
import importlib
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from textual import on, work
from textual.app import App
from textual.binding import Binding
from textual.message_pump import MessagePump
from textual.screen import Screen
from textual.worker import Worker, WorkerState, get_current_worker

from screens.commands import WizardCommands
from screens.draft import Draft
from screens.messages import (
    BaseInspected,
    DeviceCodeIssued,
    RemovalReady,
    ReviewReady,
    RunComplete,
    RunEvent,
    SavedRunsLoaded,
    SecretLookedUp,
    SecretSaved,
    SignedIn,
    SignInChecked,
    SignInProbed,
    WorkFailed,
    WorkGroup,
)
from screens.terminal import browser_problem, copy_and_say
from wizard.errors import ExitCode, SetupError
from wizard.outgoing import outgoing, remember_secret

if TYPE_CHECKING:
    from collections.abc import Coroutine
    from datetime import datetime

    from wizard.answers import Answers
    from wizard.auth import DeviceCodePrompt
    from wizard.background import BackgroundLoop
    from wizard.demo import Demo, DemoOptions
    from wizard.events import Event, ProbeChecked, ProbeRetrying, RunFinished
    from wizard.session import RemovalSession, Session, SignedInTenant, TenantIdentity
    from wizard.state import SavedRun

SCREENS_DIR = Path(__file__).parent
SCREEN_STYLESHEETS: dict[str, str] = {
    "WelcomeScreen": "welcome.tcss",
    "TenantScreen": "tenant.tcss",
    "DeviceCodeScreen": "device_code.tcss",
    "CredentialsScreen": "credentials.tcss",
    "PathScreen": "path.tcss",
    "MfaScreen": "mfa.tcss",
    "ReviewScreen": "review.tcss",
    "ProgressScreen": "progress.tcss",
    "DoneScreen": "done.tcss",
    "OverwriteScreen": "overwrite.tcss",
    "ErrorScreen": "error.tcss",
    "RemovalScreen": "removal.tcss",
    "HelpScreen": "help.tcss",
    "AskScreen": "ask.tcss",
}
"""Each screen's own stylesheet (its `CSS_PATH`, beside its module), by the screen's type name."""

DEMO_TENANT = "contoso"
DEMO_CLIENT_ID = "00001111-aaaa-2222-bbbb-3333cccc4444"
"""A sample Asignio client id, so a newcomer can Enter through the demo."""

ROUTE: dict[str, str] = {
    "WelcomeScreen": "screens.tenant.TenantScreen",
    "TenantScreen": "screens.credentials.CredentialsScreen",
    "CredentialsScreen": "screens.path.PathScreen",
    "PathScreen": "screens.mfa.MfaScreen",
    "MfaScreen": "screens.review.ReviewScreen",
    "ReviewScreen": "screens.progress.ProgressScreen",
    "ProgressScreen": "screens.done.DoneScreen",
}
"""The wizard's route, the one place it is written: each screen's type name → the screen after it."""
RESUMED_ROUTE: dict[str, str] = {"CredentialsScreen": "screens.review.ReviewScreen"}
"""Where a resumed setup goes instead: it already has its path and MFA."""
REMOVAL_ROUTE: dict[str, str] = {"TenantScreen": "screens.removal.RemovalScreen"}
"""Where a remove goes after signing in: it needs no secret, path or MFA beyond the saved answers'."""
WRITING_GROUPS = (WorkGroup.RUN, WorkGroup.REMOVAL)
"""The workers that write to the tenant: quitting while one runs stops a run half-way (exit 130)."""
T = TypeVar("T")


def fresh_draft(demo: bool) -> Draft:
    """The answers as the wizard starts them; the demo's are prefilled so a newcomer can Enter through."""
    return Draft(tenant_name=DEMO_TENANT, client_id=DEMO_CLIENT_ID) if demo else Draft()


class AsignioSetupApp(App[int]):
    """Asks what the answers file would say, signs in, reviews the plan, runs it and shows the Run-now URL."""

    TITLE = "Asignio setup"
    CSS_PATH = "app.tcss"
    BINDINGS = [
        Binding("ctrl+q", "quit", "Quit", priority=True),
        Binding("f1", "help", "Help", tooltip="What this screen is for and its keys"),
        Binding("question_mark", "help", "Help", show=False),
    ]
    COMMANDS = App.COMMANDS | {WizardCommands}

    def __init__(
        self, *, demo: DemoOptions | None = None, verify: bool = True, verify_timeout: float | None = None
    ) -> None:
        super().__init__()
        self.load_screen_stylesheets()
        self.demo: Demo | None = None
        """The simulated tenant the wizard runs against (`--demo`), started at the first sign-in; None: a real one."""
        if demo is not None:
            from wizard.demo import Demo

            self.demo = Demo(demo)
        self.verify_after_setup = verify
        """The Done screen probes the sign-in as it opens (False: `--no-verify`; its key still does)."""
        self.verify_timeout = verify_timeout
        """How long the probes wait for a policy that does not serve yet (None: the default)."""
        self.draft: Draft = fresh_draft(self.demo is not None)
        self.state_folder: Path | None = self.demo.state_folder if self.demo is not None else None
        """Where the progress is kept: None for the state folder; a demo keeps its own (`demo_state_dir`)."""
        self.exit_report: list[str] = []
        """What the wizard prints to the terminal when it ends (the Run-now URL, the redirect URIs, what was made):
        the screen goes, these lines stay."""
        self.interrupted = False
        """The operator quit while a run wrote to the tenant."""
        self.resuming = False
        self.removing = False
        self.identity: TenantIdentity | None = None
        self.signed_in: SignedInTenant | None = None
        self.session: Session | None = None
        self._typed_secret: str | None = None
        self._graph_loop: BackgroundLoop | None = None
        self._graph_loop_lock = threading.Lock()
        if demo is not None:
            self.sub_title = "demo: a simulated tenant"

    def load_screen_stylesheets(self) -> None:
        """Read every screen's stylesheet once, scoped to its screen, under the key Textual gives its `CSS_PATH`.
        Scoped, one screen's `#dialog` rules do not style another's; already read, pushing a screen does not make
        Textual re-parse all the app's CSS on the UI's loop (up to a few hundred ms)."""
        for screen_type, file_name in SCREEN_STYLESHEETS.items():
            path = SCREENS_DIR / file_name
            self.stylesheet.add_source(path.read_text(encoding="utf-8"), read_from=(str(path), ""), scope=screen_type)

    def get_default_screen(self) -> Screen[Any]:
        """The welcome screen is the bottom of the stack: one screen to lay out before the first paint, not two."""
        from screens.welcome import WelcomeScreen

        return WelcomeScreen()

    async def on_unmount(self) -> None:
        self.session = None
        if self.signed_in is not None:
            signed_in, self.signed_in = self.signed_in, None
            await self.await_graph(signed_in.close())
        if self._graph_loop is not None:
            await asyncio.to_thread(self._graph_loop.stop)
        if self.demo is not None:
            self.demo.close()

    # The draft

    def start_over(self) -> None:
        """Forget every answer given so far (the demo prefill comes back), and who was signed in where."""
        self.draft = fresh_draft(self.demo is not None)
        self.resuming = False
        self.removing = False
        self._typed_secret = None
        self.forget_sign_in()

    def resume(self, run: SavedRun) -> None:
        """Take a saved run's answers as the draft; after sign-in the wizard goes straight to the review."""
        self.draft = Draft.from_answers(run.answers)
        self.resuming = True
        self.removing = False
        self.forget_sign_in()

    def begin_removal(self, run: SavedRun) -> None:
        """Take a finished setup's answers as the draft; after sign-in the wizard goes to the removal screen."""
        self.draft = Draft.from_answers(run.answers)
        self.resuming = False
        self.removing = True
        self.forget_sign_in()

    def forget_sign_in(self) -> None:
        """The next tenant screen asks for a sign-in again (the old one's connections close at the next sign-in)."""
        self.identity = None
        self.session = None

    def back_to_start(self) -> None:
        """After a run (or a remove) Back is a new start: the welcome screen, which reads the saved progress anew."""
        self.start_over()
        for _ in range(len(self.screen_stack) - 1):
            self.pop_screen()

    def answers_to_save(self) -> Answers:
        """The final answers as the Done screen saves them: without a demo's discovery document, whose port closes
        with the demo (`Demo.answers_to_save`)."""
        answers = self.final_answers()
        return self.demo.answers_to_save(answers) if self.demo is not None else answers

    def repeat_command(self, answers_path: Path) -> str:
        """The command that runs a saved answers file again as this wizard ran: in a demo, against the demo."""
        flags = self.demo.options.flags() if self.demo is not None else []
        return " ".join(["asignio-setup", *flags, "--non-interactive", str(answers_path)])

    # Keys every screen has

    def action_help(self) -> None:
        """F1 or ?: the help of the screen showing (on the help itself, they close it)."""
        from screens.help import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
            return
        self.push_screen(HelpScreen.about_screen(self, self.screen))

    def writing(self) -> bool:
        """A run or a remove is writing to the tenant right now."""
        return any(worker.group in WRITING_GROUPS and not worker.is_finished for worker in self.workers)

    async def action_quit(self) -> None:
        """Ctrl+Q. During a run it stops the run where it is, as Ctrl+C stops a headless one: the state holds what was
        done, the next start offers Resume, and the exit code is 130."""
        if self.writing():
            self.interrupted = True
            self.exit(int(ExitCode.INTERRUPTED), return_code=int(ExitCode.INTERRUPTED))
            return
        self.exit()

    def open_url(self, url: str, *, new_tab: bool = True) -> None:
        """Open the link in the operator's browser and say what happened; where no browser can open for them (over
        SSH, no desktop) or none starts, say so and where the link is instead."""
        problem = browser_problem()
        if problem is None:
            import webbrowser

            if webbrowser.open(url):
                self.notify("Asked your browser to open it.", timeout=4)
                return
            problem = "No browser could be started here."
        self.notify(
            f"{problem} Open the link on your own machine: it is shown on the screen (F1 lists the key that copies "
            "it).",
            title="Not opened",
            severity="warning",
            timeout=12,
        )

    def copy_text(self, text: str, what: str) -> None:
        """Copy through the terminal (OSC 52) and say only what can be known of it (screens.terminal)."""
        copy_and_say(self, text, what)

    def keep_typed_secret(self, secret: str | None) -> None:
        """The secret typed on the credentials screen, for this run only (None: the session reads the keyring); from
        now on it is scrubbed from everything the process shows or writes."""
        remember_secret(secret)
        self._typed_secret = secret

    def final_answers(self) -> Answers:
        """The strict answers model built from the draft (in a demo, pointed at its discovery document:
        `Demo.answers`); raises BadInputError naming what is wrong."""
        answers = self.draft.answers()
        return self.demo.answers(answers) if self.demo is not None else answers

    # The route

    def next_screen_type(self, current: Screen[Any]) -> type[Screen[Any]]:
        """The screen after `current` on the route (imported on first use: safe to call from a thread)."""
        name = type(current).__name__
        detour = RESUMED_ROUTE if self.resuming else REMOVAL_ROUTE if self.removing else {}
        target = detour.get(name) or ROUTE[name]
        module, _, type_name = target.rpartition(".")
        screen_type: type[Screen[Any]] = getattr(importlib.import_module(module), type_name)
        return screen_type

    def go_on(self, current: Screen[Any], *arguments: Any) -> None:
        """Open the screen after `current`, handing it what `current` produced (the review's steps, the result)."""
        self.push_screen(self.next_screen_type(current)(*arguments))

    # Workers: each posts one typed message back to the screen that asked

    @work(thread=True, exclusive=True, group=WorkGroup.SAVED_RUNS, exit_on_error=False)
    def load_saved_runs(self, reply_to: MessagePump) -> None:
        """With nothing saved, the state model (pydantic, the answers) is not imported while the first screen paints."""
        from wizard.state_files import state_files

        if not state_files(self.state_folder):
            reply_to.post_message(SavedRunsLoaded([]))
            return
        from wizard.state import saved_runs
        from wizard.steps import build_plan
        from wizard.steps.removal import REMOVABLE_PIVOTS

        unfinished, finished = saved_runs(self.state_folder)
        removable = [run for run in finished if run.answers.setup.pivot in REMOVABLE_PIVOTS]
        titles = {step.id: step.title for run in unfinished[:1] for step in build_plan(run.answers).steps}
        reply_to.post_message(SavedRunsLoaded(unfinished, removable, titles))

    def discard_saved_run(self, tenant: str) -> None:
        """Forget a tenant's saved progress (a file removed: called in a thread by the welcome screen)."""
        from wizard.state import discard_run

        discard_run(tenant, self.state_folder)

    def graph_loop(self) -> BackgroundLoop:
        """The loop every session's Graph work runs on (the SDK's HTTP client stays on the loop it first used)."""
        with self._graph_loop_lock:
            if self._graph_loop is None:
                from wizard.background import BackgroundLoop

                self._graph_loop = BackgroundLoop("graph")
            return self._graph_loop

    def run_graph(self, work: Coroutine[Any, Any, T]) -> T:
        """Run Graph work from a thread worker and wait for it; cancelling the worker cancels the work."""
        worker = get_current_worker()
        return self.graph_loop().run(work, cancelled=lambda: worker.is_cancelled)

    async def await_graph(self, work: Coroutine[Any, Any, T]) -> T:
        """Run Graph work from the UI's loop without blocking it (a session must never be used on two loops)."""
        return await asyncio.wrap_future(self.graph_loop().submit(work))

    @work(thread=True, exclusive=True, group=WorkGroup.SIGN_IN, exit_on_error=False)
    def sign_in(self, reply_to: MessagePump) -> None:
        """Open a session for the draft's tenant and sign in; the device code, if any, goes to `reply_to`."""
        self.close_session()
        self.identity = None

        def show_device_code(url: str, code: str, expires_on: datetime) -> None:
            reply_to.post_message(DeviceCodeIssued(url, code, expires_on))

        self.signed_in = self._sign_in(show_device_code)
        self.identity = self.run_graph(self.signed_in.identify())
        reply_to.post_message(SignedIn(self.identity))

    def _sign_in(self, device_code_prompt: DeviceCodePrompt) -> SignedInTenant:
        """Signs in to the draft's tenant with the draft's sign-in method; nothing else needs to be known yet."""
        from wizard.session import sign_in

        simulator = self.demo.start(self.draft.tenant_name) if self.demo is not None else None
        answers = self.draft.sign_in_answers()
        return sign_in(
            answers.tenant,
            answers.auth,
            demo=simulator,
            device_code_prompt=device_code_prompt,
            state_folder=self.state_folder,
        )

    def session_for_draft(self) -> Session:
        """The setup the draft's answers ask for, on the tenant signed in to, with the typed secret."""
        from wizard.secrets import remember_answers_secrets

        if self.signed_in is None:
            raise SetupError("Not signed in yet", "go back to the tenant screen and sign in")
        answers = self.final_answers()
        remember_answers_secrets(answers)  # those no step reads are kept out of every text too (an echo in verify)
        self.session = self.signed_in.session_for(answers, secret=self._typed_secret)
        return self.session

    @work(thread=True, exclusive=True, group=WorkGroup.KEYRING_LOOKUP, exit_on_error=False)
    def look_up_secret(self, reply_to: MessagePump, client_id: str) -> None:
        from wizard.secrets import stored_asignio_secret

        found = stored_asignio_secret(self.draft.tenant_name, client_id) is not None
        reply_to.post_message(SecretLookedUp(client_id, found))

    @work(
        thread=True,
        exclusive=True,
        group=WorkGroup.KEYRING_SAVE,
        exit_on_error=False,
        description="save the Asignio Client Secret to the OS keyring",
    )
    def save_secret(self, reply_to: MessagePump, client_id: str, secret: str) -> None:
        from wizard.secrets import save_asignio_secret

        try:
            save_asignio_secret(self.draft.tenant_name, client_id, secret)
        except SetupError as problem:
            reply_to.post_message(SecretSaved(client_id, problem))
        else:
            reply_to.post_message(SecretSaved(client_id, None))

    @work(thread=True, exclusive=True, group=WorkGroup.INSPECT, exit_on_error=False)
    def inspect_base(self, reply_to: MessagePump) -> None:
        session = self.session_for_draft()
        reply_to.post_message(BaseInspected(self.run_graph(session.inspect_base())))

    @work(thread=True, exclusive=True, group=WorkGroup.REVIEW, exit_on_error=False)
    def prepare_review(self, reply_to: MessagePump) -> None:
        session = self.session_for_draft()
        reply_to.post_message(ReviewReady(self.run_graph(session.review())))

    @work(thread=True, exclusive=True, group=WorkGroup.RUN, exit_on_error=False)
    def run_setup(self, reply_to: MessagePump) -> None:
        """Run the plan; every runner event becomes a RunEvent for the progress screen (posted from the loop's
        thread, which is safe for messages)."""

        def emit(event: Event) -> None:
            reply_to.post_message(RunEvent(event))

        reply_to.post_message(RunComplete(finished_or_raise(self.run_graph(self.require_session().run(emit)))))

    def removal_for_draft(self) -> RemovalSession:
        """Taking the draft's setup (a finished one's saved answers) out of the tenant signed in to."""
        if self.signed_in is None:
            raise SetupError("Not signed in yet", "go back to the tenant screen and sign in")
        return self.signed_in.removal(self.final_answers())

    @work(thread=True, exclusive=True, group=WorkGroup.REMOVAL_PLAN, exit_on_error=False)
    def prepare_removal(self, reply_to: MessagePump) -> None:
        """What a remove of the draft's setup would delete; writes nothing."""
        reply_to.post_message(RemovalReady(self.run_graph(self.removal_for_draft().review())))

    @work(thread=True, exclusive=True, group=WorkGroup.REMOVAL, exit_on_error=False)
    def run_removal(self, reply_to: MessagePump) -> None:
        """Run the removal the operator confirmed; its events go to `reply_to` as for the setup. A removal of its own
        each time: a Remove again after a failure reads the saved state as a new process would, so the first try's
        deletes count as recent and it does not wait for what they deleted to show."""
        removal = self.removal_for_draft()

        def emit(event: Event) -> None:
            reply_to.post_message(RunEvent(event))

        reply_to.post_message(RunComplete(finished_or_raise(self.run_graph(removal.run(emit)))))

    @work(thread=True, exclusive=True, group=WorkGroup.VERIFY, exit_on_error=False)
    def check_sign_in(self, reply_to: MessagePump) -> None:
        """The sign-in probes of the finished setup (read-only, no secret): each result goes to `reply_to` as it
        ends, then the verdict; the demo's probes go to its simulator."""
        from wizard.session import check_sign_in

        # where the run kept its progress (a demo's own folder), as the sign-in it ran on was given it
        folder = self.signed_in.state_folder if self.signed_in is not None else self.state_folder

        def emit(event: ProbeChecked | ProbeRetrying) -> None:
            reply_to.post_message(SignInProbed(event))

        verification = self.run_graph(
            check_sign_in(self.final_answers(), emit, timeout=self.verify_timeout, demo=self.demo, state_folder=folder)
        )
        reply_to.post_message(SignInChecked(verification))

    def confirm_guided(self, step_id: str) -> None:
        """The operator says a portal step is done."""
        self.require_session().confirm_guided(step_id)

    def require_session(self) -> Session:
        if self.session is None:
            raise SetupError("Not signed in yet", "go back to the tenant screen and sign in")
        return self.session

    def close_session(self) -> None:
        """Close the sign-in's connections on its loop (from a thread worker: it waits)."""
        self.session = None
        if self.signed_in is not None:
            signed_in, self.signed_in = self.signed_in, None
            self.graph_loop().run(signed_in.close())

    @on(Worker.StateChanged)
    def show_worker_error(self, event: Worker.StateChanged) -> None:
        """The one place a worker's failure is turned into the error view."""
        if event.state is not WorkerState.ERROR or event.worker.error is None:
            return
        from screens.error import ErrorScreen

        group, error = event.worker.group, event.worker.error
        for screen in self.screen_stack:
            screen.post_message(WorkFailed(group, error))
        if getattr(self.screen, "WAITS_FOR_GROUP", None) == group:
            self.pop_screen()
        self.push_screen(ErrorScreen(error))


def finished_or_raise(finished: RunFinished) -> RunFinished:
    """A run that ended without failure; a failed one ends its worker with the first failure, so the one handler of
    worker errors shows it (the screen has shown each failure as its event came)."""
    if finished.failure is not None:
        raise finished.failure
    return finished


def run_app(demo: DemoOptions | None, verify: bool = True, verify_timeout: float | None = None) -> int:
    """Run the wizard in the terminal (`demo`: against a simulated tenant); the exit code says how it ended."""
    app = AsignioSetupApp(demo=demo, verify=verify, verify_timeout=verify_timeout)
    result = app.run()
    print_exit_report(app)
    if app.return_code not in (None, 0):
        return int(app.return_code)
    return int(result if result is not None else ExitCode.OK)


def print_exit_report(app: AsignioSetupApp, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> None:
    """What stays on the terminal once the wizard's screen is gone: the report of the last run, and when the
    operator quit during a run, that it stopped and how it goes on."""
    for line in app.exit_report:
        print(outgoing(line), file=out)
    if app.interrupted:
        said = (
            "the simulated tenant and its progress ended with the demo (--demo-state keeps both)"
            if app.demo is not None and app.demo.options.in_memory
            else "what it did so far is saved: start asignio-setup again and its welcome screen offers to finish it "
            "(every step looks at the tenant first)"
        )
        print(f"Stopped during the run; {said}.", file=err)
