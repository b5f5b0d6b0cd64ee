"""How long the policy engine takes on the full SocialAndLocalAccountsWithMfa chain with phone MFA.

Prints the median of several runs of generate() (which validates its own result) and of validate_chain(), with and
without the XSD, and the one-time XSD compile. Run: .venv/bin/python benchmarks/policies.py
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from unittest import mock

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))

from wizard.answers import parse_answers  # noqa: E402
from wizard.policies import check_chain, find_xsd, generate, load_schema  # noqa: E402
from wizard.policies.schema import _compile  # noqa: E402

PACK = PROJECT_ROOT.parent / "shared" / "b2c" / "starterpack" / "SocialAndLocalAccountsWithMfa"
RUNS = 15


def median_ms(action: Callable[[], object], runs: int = RUNS) -> float:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings) * 1000


def main() -> int:
    xsd = find_xsd()
    if not PACK.is_dir() or xsd is None:
        print(f"skipped: the starter packs and XSD are not at {PACK.parents[1]} (../shared/b2c)")
        return 0
    chain = {
        path.name: path.read_bytes().replace(b"yourtenant", b"contoso") for path in PACK.glob("TrustFramework*.xml")
    }
    answers = parse_answers(
        {
            "tenant": {"name": "contoso"},
            "asignio": {"client_id": "00001111-aaaa-2222-bbbb-3333cccc4444"},
            "setup": {"pivot": "custom-policy", "mfa": "phone"},
        }
    )

    _compile.cache_clear()
    started = time.perf_counter()
    schema = load_schema(xsd)
    compile_ms = (time.perf_counter() - started) * 1000

    generated = generate(answers, chain, xsd=xsd)
    full = {
        **chain,
        "TrustFrameworkExtensions.xml": generated.extensions.content,
        generated.relying_party.policy_id: generated.relying_party.content,
    }
    print(f"chain: {PACK.name} + Asignio with phone MFA, {len(full)} policies, {sum(map(len, full.values()))} bytes")
    print(f"XSD compile (once per process):            {compile_ms:7.1f} ms")
    print(f"generate + validate, with the XSD:         {median_ms(lambda: generate(answers, chain, xsd=xsd)):7.1f} ms")
    with mock.patch("wizard.policies.build.find_xsd", return_value=None):  # a machine without ../shared or a cache
        print(f"generate + validate, without the XSD:      {median_ms(lambda: generate(answers, chain)):7.1f} ms")
    print(f"validate the full chain, with the XSD:     {median_ms(lambda: check_chain(full, schema)):7.1f} ms")
    print(f"validate the full chain, without the XSD:  {median_ms(lambda: check_chain(full, None)):7.1f} ms")
    print(f"(median of {RUNS} runs each)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
