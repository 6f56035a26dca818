"""`si paas`: the operator CLI; subcommands load lazily."""

from __future__ import annotations

import click

from si_paas import __version__
from si_paas.cli.lazy import LazyGroup

SUBCOMMANDS = {
    "context": ("si_paas.cli.context:context", "Create, list, select, remove, export, import."),
    "target": ("si_paas.cli.target:target", "Deploy targets of a context."),
    "app": ("si_paas.cli.app:app", "Apps of a context and the targets they run on."),
    "events": ("si_paas.cli.events:events", "Deploy, alert, backup and audit events of a context."),
    "secret": ("si_paas.cli.secret:secret", "Encrypted secrets of a context (set, list, get, unset)."),
    "deploy": ("si_paas.cli.deploy:deploy", "Deploy an app to a target (gated), and its lock."),
    "rollback": ("si_paas.cli.deploy:rollback", "Re-activate a stored, verified release."),
    "release": ("si_paas.cli.release:release", "Releases of an app: list, verify, prune."),
    "drill": ("si_paas.cli.drill:drill", "Rollback drills (internal-dogfood), recorded."),
    "backup": ("si_paas.cli.backup:backup", "Encrypted, verified snapshots: create, verify, restore."),
    "doctor": ("si_paas.cli.doctor:doctor", "Judge state and repos against every policy."),
    "scan": ("si_paas.cli.scan:scan", "Scan files for secrets and private state (CI)."),
    "hook": ("si_paas.cli.hook:hook", "Install or remove the git pre-commit hook."),
    "policy": ("si_paas.cli.policy:policy", "List policies and run their examples."),
    "rules": ("si_paas.cli.rules:rules", "Run the detector rules' own examples."),
    "alert": ("si_paas.cli.alert:alert", "Alert channels, routes, test deliveries, silences."),
    "checklist": ("si_paas.cli.checklist:checklist", "The weekly operational checklist (five items)."),
    "escalation": ("si_paas.cli.escalation:escalation", "Check the runbook's escalation conditions."),
    "demo": ("si_paas.cli.demo:demo", "Walk through the runbook in a throwaway state root."),
}

EPILOG = """\b
Runbook flow:
  export SI_PAAS_STATE_ROOT="$HOME/.si/paas"
  si paas context init --name internal-dogfood --type internal-dogfood
  si paas context init --name oss-demo --type oss-demo
  si paas doctor --json
  si paas --context oss-demo target list --json

\b
Exit codes: 0 ok; 1 a blocking policy failed or the doctor gate refused;
2 usage or input error. Every command takes --json.
"""


@click.group(
    cls=LazyGroup, lazy=SUBCOMMANDS, epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"]}
)
@click.option("--context", metavar="NAME", help="Context to act on. Mutating commands require it explicitly.")
@click.version_option(__version__, "--version", prog_name="si paas")
@click.pass_context
def paas(ctx: click.Context, context: str | None) -> None:
    """Operate PaaS contexts (internal-dogfood, oss-demo) without letting them touch.

    State lives in $SI_PAAS_STATE_ROOT (default ~/.si/paas), outside every repository.
    Every stateful command is gated on the doctor verdict.
    """
    ctx.obj = {"context": context}
