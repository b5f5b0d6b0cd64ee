"""An empty B2C tenant set up from the pinned starter pack: its key sets, its base chain, the writes it takes."""

from __future__ import annotations

import time
from pathlib import Path

from tests.support.headless import answers_text
from wizard.graph import GRAPH_APP_ID
from wizard.simulator import SimulatedTenant
from wizard.simulator.tenant import generated_key

STARTER_KEY_SETS = ("B2C_1A_TokenSigningKeyContainer", "B2C_1A_TokenEncryptionKeyContainer", "B2C_1A_FacebookSecret")
BASE_CHAIN = ("B2C_1A_TrustFrameworkBase", "B2C_1A_TrustFrameworkLocalization", "B2C_1A_TrustFrameworkExtensions")
PREPARED_TENANT_WRITES = 7
"""What a tenant with the chain gets (tests/test_headless_run.py CLEAN_RUN_WRITES): the Asignio policy key (2),
extensions, relying party, test app, its service principal and grant."""
IEF_WRITES = 9
"""Graph's service principal; the IEF app (upsert, its App ID URI, which names its appId, and its service
principal); the Proxy app and its service principal; the three consent grants."""
EMPTY_TENANT_WRITES = PREPARED_TENANT_WRITES + IEF_WRITES + 2 * len(STARTER_KEY_SETS) + len(BASE_CHAIN)
"""Plus each starter key set created and given its key, and the three base policies."""
LAG_SECONDS = 0.5


def with_starter_keys(tenant: SimulatedTenant) -> SimulatedTenant:
    """The tenant holding the three key sets the starter pack names, each with its one key."""
    now = int(time.time())
    for name, (kty, use) in zip(STARTER_KEY_SETS, (("RSA", "sig"), ("RSA", "enc"), ("oct", "sig")), strict=True):
        tenant.key_sets[name] = [generated_key(use, kty, now, now + 86400)]
    return tenant


def pack_answers(folder: Path, source: Path, *, samples: bool = False) -> Path:
    path = folder / "custom-policy.toml"
    extra = "include_sample_policies = true\n" if samples else ""
    path.write_text(
        answers_text("custom-policy") + f'[custom_policy]\nstarter_pack_source = "{source}"\n{extra}', encoding="utf-8"
    )
    return path


def counts(tenant: SimulatedTenant) -> dict[str, int]:
    return {
        "key sets": len(tenant.key_sets),
        "keys": sum(len(keys) for keys in tenant.key_sets.values()),
        "policies": len(tenant.policies),
        "applications": len(tenant.applications),
        "service principals": sum(1 for sp in tenant.service_principals.values() if sp["appId"] != GRAPH_APP_ID),
        "grants": len(tenant.permission_grants),
        "graph service principals": sum(1 for sp in tenant.service_principals.values() if sp["appId"] == GRAPH_APP_ID),
    }
