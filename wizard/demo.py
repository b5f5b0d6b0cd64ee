"""`--demo`: the simulated tenant both front ends run against, asked for, started, pointed at and ended in one place."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.state_files import demo_state_dir

if TYPE_CHECKING:
    from wizard.answers import Answers
    from wizard.simulator import DemoPlatform, SimulatorServer


@dataclass(frozen=True)
class DemoOptions:
    """The simulated tenant the command line asks for (`--demo` or `--demo-empty`, with `--demo-state` and
    `--demo-platform`); no options at all is a real tenant."""

    empty: bool = False
    """`--demo-empty`: the simulated B2C tenant starts as Azure creates one (no policy keys, no policies)."""
    state: Path | None = None
    """`--demo-state`: the file the simulated tenant is kept in across runs (None: it lives in memory only)."""
    platform: DemoPlatform | None = None
    """`--demo-platform`: a B2C or an External ID tenant (None: B2C, or whatever the `state` file's tenant is)."""

    @property
    def in_memory(self) -> bool:
        """The simulated tenant ends with the demo, and so does the progress kept about it."""
        return self.state is None

    def flags(self) -> list[str]:
        """The command-line options that ask for this demo again (a saved state file keeps its own platform)."""
        flags = ["--demo-empty" if self.empty else "--demo"]
        if self.state is not None:
            flags.append(f"--demo-state {self.state}")
        elif self.platform is not None:
            flags.append(f"--demo-platform {self.platform}")
        return flags


class Demo:
    """A demo under way: where its progress is kept (never among the real runs': `demo_state_dir`), and once started,
    the simulated tenant with Asignio's discovery document served beside it. `close` ends both."""

    def __init__(self, options: DemoOptions) -> None:
        self.options = options
        self.state_folder = demo_state_dir(options.state)
        self.server: SimulatorServer | None = None

    def start(self, tenant_name: str) -> SimulatorServer:
        """The simulated tenant of that name, started on the first call (the wizard learns the name at its sign-in)."""
        if self.server is None:
            from wizard.simulator import start_demo

            options = self.options
            self.server = start_demo(options.state, name=tenant_name, platform=options.platform, empty=options.empty)
        return self.server

    @property
    def metadata_url(self) -> str | None:
        """The discovery document the demo serves (None before it starts, or where it serves none)."""
        from wizard.simulator import demo_metadata_url

        return demo_metadata_url(self.server)

    def answers(self, answers: Answers) -> Answers:
        """The answers pointed at the demo's discovery document: its port changes with every demo, so the answers'
        own (or an earlier demo's, in a resumed run) is never read."""
        metadata_url = self.metadata_url
        if metadata_url is None:
            return answers
        return answers.model_copy(update={"asignio": answers.asignio.model_copy(update={"metadata_url": metadata_url})})

    def answers_to_save(self, answers: Answers) -> Answers:
        """The answers without the demo's discovery document, whose port closes with the demo (a demo run of the
        saved file serves its own again)."""
        metadata_url = self.metadata_url
        if metadata_url is None or answers.asignio.metadata_url != metadata_url:
            return answers
        default = type(answers.asignio).model_fields["metadata_url"].default
        return answers.model_copy(update={"asignio": answers.asignio.model_copy(update={"metadata_url": default})})

    def introduction(self) -> list[str]:
        """What a demo run says before anything else: which simulated tenant, where, and the document it serves."""
        from wizard.simulator import tenant_platform

        server = self.server
        if server is None:
            return []
        platform = "B2C" if tenant_platform(server.tenant) == "b2c" else "External ID"
        lines = [f"Demo: a simulated {platform} tenant ({server.tenant.domain}) at {server.graph_root}"]
        if self.metadata_url is not None:
            lines.append(
                f"Demo: Asignio's discovery document served at {self.metadata_url} (the answers' own is not read)"
            )
        return lines

    @property
    def login_root(self) -> str | None:
        """Where the sign-in probes find the simulated b2clogin/ciamlogin host."""
        return self.server.login_root if self.server is not None else None

    @property
    def asignio_root(self) -> str | None:
        """Where the sign-in probes find the simulated Asignio."""
        server = self.server
        return server.discovery.issuer if server is not None and server.discovery is not None else None

    def close(self) -> None:
        """Stop the simulated tenant; one that lived in memory takes its progress folder with it."""
        if self.server is not None:
            self.server.stop()
        if self.options.in_memory:
            shutil.rmtree(self.state_folder, ignore_errors=True)
