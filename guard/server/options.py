"""Push options (`git push -o KEY=VALUE`) that guard understands.

git exports them to pre-receive as GIT_PUSH_OPTION_COUNT and
GIT_PUSH_OPTION_0..N-1 when the server advertises them
(`receive.advertisePushOptions=true`); without that, `git push -o` fails on
the client. Options guard reads:

* `guard.breakglass=<reason>` -- accept the push despite blocking findings.
  Only users listed in the server config's `breakglass-users` may use it, a
  reason is required, and every use (allowed or not) is logged.
* `guard.approve=<reason>` -- an approval attached to the push, recorded for
  the agent policy (repeatable).

Other `guard.*` options are reported as unknown; options of other tools are ignored.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

PREFIX = "guard."
BREAKGLASS = "guard.breakglass"
APPROVE = "guard.approve"
MAX_OPTIONS = 256


@dataclass(frozen=True, slots=True)
class PushOptions:
    negotiated: bool  # the client and server agreed on push options
    values: tuple[str, ...] = ()
    breakglass: str | None = None  # None: not asked for; "": asked for without a reason
    approvals: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()


def _split(option: str) -> tuple[str, str | None]:
    key, sep, value = option.partition("=")
    return key.strip(), (value.strip() if sep else None)


def parse_options(env: Mapping[str, str]) -> PushOptions:
    raw_count = env.get("GIT_PUSH_OPTION_COUNT")
    if raw_count is None:
        return PushOptions(negotiated=False)
    problems: list[str] = []
    try:
        count = int(raw_count)
    except ValueError:
        return PushOptions(negotiated=True, problems=(f"GIT_PUSH_OPTION_COUNT is not a number: {raw_count[:20]!r}",))
    count = max(0, min(count, MAX_OPTIONS))
    values = tuple(env.get(f"GIT_PUSH_OPTION_{i}", "") for i in range(count))
    breakglass: str | None = None
    approvals: list[str] = []
    for option in values:
        key, value = _split(option)
        if key == BREAKGLASS:
            breakglass = value or ""
        elif key == APPROVE:
            if value:
                approvals.append(value)
            else:
                problems.append("guard.approve needs a reason: -o guard.approve='<why>'")
        elif key.startswith(PREFIX):
            problems.append(f"unknown push option {key!r} (guard knows {BREAKGLASS}, {APPROVE})")
    return PushOptions(True, values, breakglass, tuple(approvals), tuple(problems))
