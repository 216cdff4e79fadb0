"""Commands that print figures: every headline measure, and how outcome statements read."""

from __future__ import annotations

import json
from pathlib import Path

import click

from workbench.cli.options import at_option, day_of, store_option
from workbench.measures.service_outcomes import has_statutory_data
from workbench.store.engine import Store, StoreError


@click.command()
@at_option()
@store_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.option(
    "--by",
    "by",
    metavar="COLUMN",
    default=None,
    help="Group each figure by locality, team_id, worker_id, plan_type, domain, age_band, sex, "
    "ethnicity, disability or meeting_type. Measures it does not apply to are left out.",
)
@click.option(
    "--evidence-threshold",
    default="level_3",
    show_default=True,
    help="The lowest evidence level that counts as evidence-informed (data/codes/evidence_levels.csv).",
)
@click.option(
    "--as",
    "as_user",
    metavar="USER",
    default=None,
    help="Only what USER may see: their role's scope, from $WORKBENCH_IDENTITY_FILE "
    "(or data/demo-identities.yaml when it is unset).",
)
@click.option(
    "--team", "team_id", metavar="TEAM_ID", default=None, help="Only children allocated to this team at D."
)
@click.option(
    "--worker", "worker_id", metavar="WORKER_ID", default=None, help="Only this worker's caseload at D."
)
@click.option(
    "--service", "service", metavar="SERVICE", default=None, help="Only teams of this service (cla, cp, ...)."
)
@click.option("--locality", "locality", default=None, help="Only children living in this locality.")
@click.option("--plan-type", "plan_type", default=None, help="Only this plan type (cla, cp, cin, ...).")
@click.option("--domain", "domain", default=None, help="Only outcomes in this domain.")
def measures(
    at,
    store: str | None,
    as_json: bool,
    by: str | None,
    evidence_threshold: str,
    as_user: str | None = None,
    **filter_values: str | None,
) -> None:
    """Print every headline measure for the service at D, with numerator, denominator and value.

    ``--as USER`` gives the figures USER's dashboards show: their scope, narrowed by any
    other filter (a filter outside the scope is refused).
    """
    from workbench.measures.filters import Filters
    from workbench.measures.headline import UNIT_COLUMNS, headline_measures
    from workbench.measures.service_data import ServiceData

    groupings = sorted({name for columns in UNIT_COLUMNS.values() for name in columns})
    if by is not None and by not in groupings:
        raise click.ClickException(
            f"no measure can be grouped by {by!r}; choose one of {', '.join(groupings)}"
        )
    try:
        target = Store(store)
    except StoreError as error:
        raise click.ClickException(str(error)) from error
    # An empty store has no data's date: it says so, and there is nothing to count.
    day = day_of(target, at) if at or target.data_date() else None
    if not _say_what_is_missing(target, day):
        click.echo("[]" if as_json else "No figures: nothing has been loaded.")
        return
    data = ServiceData(target)
    try:
        filters = Filters(**filter_values)
        if as_user is not None:
            filters = _scope_of_user(as_user, data, day).restrict(filters)
        table = headline_measures(data, day, filters, by=by, evidence_threshold=evidence_threshold)
    except (ValueError, PermissionError) as error:
        raise click.ClickException(str(error)) from error
    skipped = table.attrs.get("not_applicable", [])
    records = _measure_records(table, by, day)
    _add_distance_spread(records, data, day, filters, by)
    if by is None and not filters.active() and has_statutory_data(target):
        records += _statutory_records(target, day)
    if as_json:
        click.echo(json.dumps(records, indent=2))
    else:
        if filters.active():
            chosen = ", ".join(f"{name}={value}" for name, value in filters.active().items())
            click.echo(f"Only: {chosen}" + (f" (the scope of {as_user})" if as_user else ""))
        _print_measures(records, by, day, scoped=bool(filters.active()))
    if skipped:
        click.echo(f"Not grouped by {by} (it does not apply): {', '.join(skipped)}", err=True)


def _add_distance_spread(records: list[dict], data, day, filters, by: str | None) -> None:
    """Give distance travelled's record how many outcomes went back, stayed the same and went up.

    Its mean is never shown alone (the pages show the spread beside it), so the figures the CLI
    gives carry it too, under ``distribution``: {direction: outcomes}.
    """
    from workbench.measures.distance import distance_distribution

    if by is not None:
        return  # grouped records are counts per group; the pages' spread is for the whole scope
    for record in records:
        if record["measure"] == "distance_travelled":
            spread = distance_distribution(data, day, filters)
            record["distribution"] = {
                str(row.direction): int(row.outcomes) for row in spread.itertuples(index=False)
            }


#: The records some headline measures need: a store without them gives empty figures, said on stderr.
MEASURE_GAPS = ("audits", "reviews", "interventions", "meetings")


def _say_what_is_missing(target: Store, day) -> bool:
    """Say on stderr what the store lacks for the figures at ``day``; return whether it holds any children.

    An empty store is not an error: there is nothing to count yet, and the note says how to load.
    """
    from workbench.store.gaps import missing, missing_at

    if not target.row_counts()["children"]:
        click.echo(f"Note: {missing(target, [])[0]}", err=True)
        return False
    for note in [*missing(target, MEASURE_GAPS), *missing_at(target, day)]:
        click.echo(f"Note: {note}", err=True)
    return True


def _measure_records(table, by: str | None, day) -> list[dict]:
    """Return the headline table as plain records: counts as integers, a missing value as None."""
    from workbench.measures.headline import MEASURES

    records = []
    for row in table.to_dict("records"):
        share = MEASURES[row["measure"]].unit == "share"
        record = {"measure": row["measure"], "title": row["title"]}
        if by is not None:
            record[by] = None if is_missing(row[by]) else _plain_value(row[by])
        record["numerator"] = int(row["numerator"]) if share else float(row["numerator"])
        record["denominator"] = int(row["denominator"])
        record["value"] = None if is_missing(row["value"]) else float(row["value"])
        record["at"] = day.isoformat()
        records.append(record)
    return records


def _statutory_records(target: Store, day) -> list[dict]:
    """Return the service-level outcomes from imported statutory returns, as records."""
    from workbench.measures.service_outcomes import TITLES, service_outcomes

    records = []
    for row in service_outcomes(target, day).to_dict("records"):
        value = None if is_missing(row["value"]) else float(row["value"])
        title = f"{TITLES[row['measure']]} (statutory returns)"
        records.append(
            {"measure": row["measure"], "title": title, "numerator": int(row["numerator"]),
             "denominator": int(row["denominator"]), "value": value, "at": day.isoformat()}
        )  # fmt: skip
    return records


def is_missing(value) -> bool:
    """Whether a figure is missing (None, NaN or NA): printed as empty, never as 0."""
    import pandas as pd

    return value is None or bool(pd.isna(value))


def _plain_value(value):
    """Return a JSON-friendly Python value for a group label (numpy bools become bools)."""
    return value.item() if hasattr(value, "item") else value


def _print_measures(records: list[dict], by: str | None, day, scoped: bool = False) -> None:
    from workbench.measures.headline import MEASURES

    scope = f"by {by}" if by else ("for the children above" if scoped else "for the whole service")
    click.echo(f"Headline measures at {day.isoformat()} {scope} (DESIGN.md section 4)")
    label = by or ""
    header = f"{'measure':<36}" + (f"{label:<16}" if by else "")
    click.echo(f"{header}{'numerator':>12}{'denominator':>13}{'value':>9}  title")
    for record in records:
        unit = MEASURES[record["measure"]].unit if record["measure"] in MEASURES else "share"
        value = record["value"]
        if value is None:
            shown = "-"  # a share over nobody is empty, never 0%
        elif unit == "share":
            shown = f"{value:.1%}"
        else:
            shown = f"{value:+.2f}"
        numerator = f"{record['numerator']:,}" if unit == "share" else f"{record['numerator']:,.1f}"
        group = f"{'(none)' if record.get(by) is None else record[by]!s:<16}" if by else ""
        click.echo(
            f"{record['measure']:<36}{group}{numerator:>12}{record['denominator']:>13,}{shown:>9}  "
            f"{record['title']}"
        )


@click.command("statements")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--column", "column", default="statement", show_default=True, help="The column of statements.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print a JSON array: one object per row, in input order."
)
def statements_command(path: Path, column: str, as_json: bool) -> None:
    """Read the outcome statements in a CSV: outcome or process, clear or vague, voice, jargon, flags.

    Each row gives kind, clarity (null for a process), voice, jargon, flags (each with an
    explanation and a coaching prompt) and an explanation of what triggered the reading.
    """
    from workbench.imports.sources import read_text_csv
    from workbench.text.statements import analyse_statements, load_lexicon

    if not path.is_file():
        raise click.ClickException(f"{path}: no such file; expected a CSV with a {column!r} column")
    ragged: list[str] = []
    try:
        frame = read_text_csv(
            path, on_ragged=lambda row, _text, expected: ragged.append(f"row {row}: {expected}")
        )
    except (ValueError, OSError) as error:  # pyarrow's ArrowInvalid is a ValueError
        raise click.ClickException(f"{path}: could not be read as CSV ({error})") from error
    if ragged:
        raise click.ClickException(f"{path}: rows with the wrong number of fields, " + "; ".join(ragged[:5]))
    if column not in frame.columns:
        found = ", ".join(frame.columns) or "none"
        raise click.ClickException(f"{path}: no column {column!r}; the columns are: {found}")
    readings = analyse_statements(frame[column])
    if as_json:
        flags = load_lexicon().flags
        records = [
            {
                "kind": kind,
                "clarity": None if is_missing(clarity) else clarity,
                "voice": voice,
                "jargon": list(jargon),
                "flags": [flags[code].to_json() for code in codes],
                "explanation": explanation,
            }
            for kind, clarity, voice, jargon, codes, explanation in readings[
                ["kind", "clarity", "voice", "jargon", "flag_codes", "explanation"]
            ].itertuples(index=False)
        ]
        click.echo(json.dumps(records, indent=2, ensure_ascii=False))
        return
    click.echo(f"{'row':>5}  {'kind':<8} {'clarity':<8} {'voice':<13} {'flags':<44} statement")
    for number, (statement, kind, clarity, voice, codes) in enumerate(
        zip(frame[column], readings["kind"], readings["clarity"], readings["voice"], readings["flag_codes"],
            strict=True),
        start=2,  # the file's row number: the header is row 1
    ):  # fmt: skip
        text = "" if is_missing(statement) else " ".join(str(statement).split())
        shown = text if len(text) <= 70 else text[:67] + "..."
        clarity_text = "-" if is_missing(clarity) else clarity
        click.echo(f"{number:>5}  {kind:<8} {clarity_text:<8} {voice:<13} {', '.join(codes):<44} {shown}")


def _scope_of_user(user: str, data, day):
    """Return USER's scope at ``day``, from the deployment's identity file or the demo's."""
    import os

    from workbench.access import DEMO_IDENTITIES, IDENTITY_FILE_ENV, read_identities, scope_for

    path = os.environ.get(IDENTITY_FILE_ENV) or str(DEMO_IDENTITIES)
    identities = read_identities(path)
    if user not in identities:
        raise click.ClickException(f"the user {user!r} is not in the identity file {path}")
    return scope_for(identities[user], data, day)


@click.command("train-statement-kind")
@click.option(
    "--out",
    "out",
    type=click.Path(path_type=Path, dir_okay=False),
    default=None,
    help="Where to write the weights (default: data/statements/learned_kind.json, the committed file).",
)
@click.option(
    "--check", is_flag=True, help="Write nothing: exit 1 if training does not reproduce the weights file."
)
def train_statement_kind(out: Path | None, check: bool) -> None:
    """Train the statement reader's learned kind on the tune statements, and write its weights.

    A logistic regression over words and pairs of words, trained only on the labelled statements
    whose split is "tune" (never the held-back ones). Training is deterministic, so the command
    reproduces the committed data/statements/learned_kind.json from the same tune files.
    """
    from workbench.text import learned_kind
    from workbench.text.statements import train_learned_kind

    target = out or learned_kind.LEARNED_KIND_PATH
    model = train_learned_kind()
    about = model.about
    summary = (
        f"trained on {about['statements']:,} tune statements ({about['processes']:,} processes):"
        f" {len(model.weights):,} weights"
    )
    if check:
        committed = learned_kind.load.__wrapped__(target)
        if committed is None or not learned_kind.same_weights(committed, model):
            raise click.ClickException(f"{target}: does not match the weights trained now ({summary})")
        click.echo(f"{target}: reproduced ({summary})")
        return
    learned_kind.write(model, target)
    click.echo(f"{target}: written ({summary})")
