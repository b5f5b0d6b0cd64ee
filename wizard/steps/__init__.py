"""The setup's steps. Each looks at the tenant first (`check`) and changes it only when needed (`apply`).

A step never trusts its own earlier run: after a crash between a request and the state write, the next
`check` finds what the tenant holds and carries on from there, so nothing is created twice.
"""

from __future__ import annotations

from wizard.steps.base import Finding, GuidedStep, Step, StepContext
from wizard.steps.plan import Plan, build_plan

__all__ = ["Finding", "GuidedStep", "Plan", "Step", "StepContext", "build_plan"]
