"""``aicop consult``: the Call for Views survey's responses, simulated, imported, exported and
analysed."""

from __future__ import annotations

import argparse

from aicop.cli.common import as_path, positive_int

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from pathlib import Path

    from aicop.cli.common import Command, Group
    from aicop.consult.questionnaire import Questionnaire


def _questionnaire_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--questionnaire",
        default=None,
        metavar="ID|FILE",
        help="a packaged questionnaire id or a questionnaire file (default: dsit-2024-05)",
    )


def _questionnaire(a: argparse.Namespace) -> Questionnaire:
    from aicop.consult.questionnaire import load_questionnaire

    return load_questionnaire(a.questionnaire)


def _write_responses(
    out: Path,
    responses: Sequence[Mapping[str, object]],
    identities: Sequence[Mapping[str, object]],
    also: Mapping[Path, str] | None = None,
) -> None:
    """DIR/responses.jsonl, and the identities apart in DIR/identities.jsonl, readable by its owner only
    (and the files of ``also``), written together (fsutil.write_all_atomic), since a pair from two runs
    would put names to the wrong answers."""
    from aicop.consult.responses import jsonl_lines
    from aicop.fsutil import write_all_atomic

    private = out / "identities.jsonl"
    files: dict[Path, str | list[str]] = {
        out / "responses.jsonl": jsonl_lines(responses),
        private: jsonl_lines(identities),
        **(also or {}),
    }
    write_all_atomic(files, {private: 0o600})


def configure_simulate(p: argparse.ArgumentParser) -> None:
    _questionnaire_option(p)
    p.add_argument("--n", type=positive_int, default=2000, help="respondents (default: 2000)")
    p.add_argument("--seed", type=int, default=1, help="the random seed (default: 1)")
    p.add_argument("-o", "--output", type=as_path, required=True, metavar="DIR", help="where to write them")


def run_simulate(a: argparse.Namespace) -> int:
    """Write N synthetic responses to DIR/responses.jsonl (identities apart, in DIR/identities.jsonl),
    with known themes and campaigns planted in the free text; DIR/planted.json records which (the
    analysis never reads it)."""
    import json

    from aicop.consult.simulate import simulate

    questionnaire = _questionnaire(a)
    result = simulate(questionnaire, a.n, a.seed)
    truth = {a.output / "planted.json": json.dumps(result.truth(), indent=1) + "\n"}
    _write_responses(a.output, result.responses, list(result.identities), truth)
    campaigns = sum(len(v) for v in result.campaigns.values())
    print(f"wrote {len(result.responses):,} responses ({campaigns:,} campaign letters) to {a.output}")
    return 0


def configure_analyse(p: argparse.ArgumentParser) -> None:
    p.add_argument("responses", type=as_path, metavar="RESPONSES", help="a responses file (JSON Lines)")
    _questionnaire_option(p)
    p.add_argument(
        "-o", "--output", type=as_path, default=None, metavar="DIR", help="default: reports/consult"
    )
    p.add_argument(
        "--decisions",
        type=as_path,
        default=None,
        metavar="FILE",
        help="the analyst's decisions on themes (rename, merge, split), applied to the report",
    )
    p.add_argument(
        "--cache",
        type=as_path,
        default=None,
        metavar="FILE",
        help="sentence embeddings kept between runs (default: .aicop/consult-embeddings.npz)",
    )


def run_analyse(a: argparse.Namespace) -> int:
    """Tallies of the closed questions by respondent type, sector, size and region (Wilson intervals,
    the right base for routed questions), support per principle, and the themes and campaigns of every
    free-text question; written as report.html, report.md and CSV tables."""
    from pathlib import Path

    from aicop.consult.analysis import analyse
    from aicop.consult.report import csv, html, markdown
    from aicop.consult.responses import read_responses
    from aicop.fsutil import write_all_atomic

    questionnaire = _questionnaire(a)
    if a.decisions is not None and not a.decisions.is_file():
        from aicop.errors import InputError

        raise InputError("no such decisions file", path=a.decisions)
    responses = read_responses(a.responses, questionnaire)
    out = a.output or Path("reports") / "consult"
    cache = a.cache or Path(".aicop") / "consult-embeddings.npz"
    analysis = analyse(questionnaire, responses, cache=cache, decisions=a.decisions)
    files: dict[Path, str | bytes] = {
        out / "report.html": html.render(analysis),
        out / "report.md": markdown.render(analysis),
    }
    files |= {out / name: text for name, text in csv.render(analysis).items()}
    write_all_atomic(files)
    themes = sum(len(f.themes) for f in analysis.free_text)
    campaigns = sum(len(f.campaigns) for f in analysis.free_text)
    cpu = sum(analysis.timings.values())
    print(
        f"{analysis.respondents:,} responses: {themes} themes in {len(analysis.free_text)} free-text "
        "questions, "
        f"{campaigns} campaign(s); {analysis.sentences_embedded:,} sentences embedded; {cpu:.1f} s CPU; "
        f"report in {out}/report.html"
    )
    return 0


def configure_import(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "source", type=as_path, metavar="EXPORT", help="a CSV or JSON export of another survey tool"
    )
    p.add_argument(
        "--mapping", type=as_path, required=True, metavar="FILE", help="the column-mapping file (YAML)"
    )
    _questionnaire_option(p)
    p.add_argument("-o", "--output", type=as_path, required=True, metavar="DIR",
                   help="writes DIR/responses.jsonl and DIR/identities.jsonl")  # fmt: skip


def run_import(a: argparse.Namespace) -> int:
    """Read an export, map its columns to questions (or identity, or ignore), check every answer as the
    survey would, and write the responses with identities apart. Any problem: exit 2, nothing written."""
    from aicop.consult.transfer import import_responses, load_mapping

    questionnaire = _questionnaire(a)
    mapping = load_mapping(a.mapping, questionnaire)
    responses, identities = import_responses(a.source, mapping, questionnaire)
    _write_responses(a.output, [{"id": r.id, "answers": r.answers} for r in responses], list(identities))
    print(f"imported {len(responses):,} responses ({len(identities):,} with an identity) into {a.output}")
    return 0


def configure_export(p: argparse.ArgumentParser) -> None:
    p.add_argument("responses", type=as_path, metavar="RESPONSES", help="a responses file (JSON Lines)")
    _questionnaire_option(p)
    p.add_argument("--format", choices=("csv", "json", "parquet"), default="csv")
    p.add_argument("-o", "--output", type=as_path, required=True, metavar="FILE")
    p.add_argument(
        "--role",
        choices=("analyst", "admin"),
        default="analyst",
        help="analyst: answers only (default); admin: with --identities, who answered too",
    )
    p.add_argument("--identities", type=as_path, default=None, metavar="FILE", help="identities (admin only)")


def run_export(a: argparse.Namespace) -> int:
    """One row per response, one column per question, as CSV, JSON or Parquet. Identities are joined
    in only for the admin role."""
    from aicop.cli.common import UsageError
    from aicop.consult.responses import read_responses
    from aicop.consult.transfer import export, read_identities
    from aicop.fsutil import write_atomic

    if a.identities is not None and a.role != "admin":
        raise UsageError("--identities needs --role admin: the analyst role sees answers, not who gave them")
    questionnaire = _questionnaire(a)
    responses = read_responses(a.responses, questionnaire)
    identities = read_identities(a.identities) if a.identities is not None else None
    write_atomic(a.output, export(responses, questionnaire, a.format, identities))
    print(f"exported {len(responses):,} responses to {a.output}" + (" with identities" if identities else ""))
    return 0


def _date(text: str) -> object:
    import datetime as dt

    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date (YYYY-MM-DD)") from None


def configure_serve(p: argparse.ArgumentParser) -> None:
    from aicop.cli.common import add_store_option, port_number

    _questionnaire_option(p)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    p.add_argument("--port", type=port_number, default=8000, help="port (default 8000; 0: any free)")
    add_store_option(p)
    p.add_argument(
        "--opens", type=_date, default=None, help="first day of answers (default: the questionnaire's)"
    )
    p.add_argument(
        "--closes", type=_date, default=None, help="last day of answers (default: the questionnaire's)"
    )
    p.add_argument("--insecure-cookies", action="store_true", help="cookies without the Secure flag")


def run_serve(a: argparse.Namespace) -> int:
    """The survey at /consult (GOV.UK Design System; no account needed to answer), with aicop serve's
    dashboard and accounts beside it, over the same store."""
    import sys

    import uvicorn

    from aicop.cli.common import announce_when_started
    from aicop.consult import web
    from aicop.store import open_database, shown
    from aicop.web import Settings, create_app

    web.SETTINGS.questionnaire = a.questionnaire
    web.SETTINGS.opens, web.SETTINGS.closes = a.opens, a.closes
    opens, closes = web.SETTINGS.window()
    if closes < opens:
        from aicop.cli.common import UsageError

        raise UsageError(f"--closes {closes} is before the survey opens ({opens})")
    db = open_database(a.db)
    app = create_app(db, settings=Settings(secure_cookies=not a.insecure_cookies))
    print(f"aicop consult serve: store {shown(db.url)}; open {opens} to {closes}", file=sys.stderr)
    server = uvicorn.Server(
        uvicorn.Config(app, host=a.host, port=a.port, log_level="warning", server_header=False)
    )
    announce_when_started(server, a.host, "aicop consult serve")
    server.run()
    return 0


COMMANDS: dict[str, Command] = {}
GROUPS: dict[str, Group] = {
    "consult": (
        "the Call for Views survey: simulate, import, export and analyse responses",
        {
            "simulate": (
                "synthetic responses with planted themes and campaigns",
                None,
                configure_simulate,
                run_simulate,
            ),
            "analyse": (
                "tallies, support per principle and free-text themes, as a report",
                None,
                configure_analyse,
                run_analyse,
            ),
            "import": (
                "responses from another survey tool's CSV or JSON export",
                None,
                configure_import,
                run_import,
            ),
            "export": ("responses as CSV, JSON or Parquet", None, configure_export, run_export),
            "serve": ("the survey in the browser (GOV.UK Design System)", None, configure_serve, run_serve),
        },
    ),
}
