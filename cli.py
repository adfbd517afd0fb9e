"""kaohe command line: one click command per verb, each a thin call into ``engine``.

Exit statuses:
  0  everything evaluated / valid / passed
  1  some records were rejected, or some policy tests failed
  2  usage error (a wrong option, an unknown entity, a date outside the policy's period)
  3  a policy file is invalid
  4  an input file cannot be read at all
  5  internal error (a bug in kaohe: please report it with the input that caused it)
  6  the output cannot be written: a full disk, a file size limit, a read-only or missing
     folder, an output that is a folder (the message names the path); an --output file is
     left as it was
128+N  stopped by signal N: 130 interrupted (Ctrl-C, SIGINT), 143 SIGTERM, 129 SIGHUP; an
     --output file is left as it was

Messages are in the language --lang names; without it, in the language KAOHE_LANG (zh or en)
names; without that, in the policy's own language (its ``language:`` key, read when it is
loaded; Chinese for the shipped policies), else Chinese. The choice travels in the click
context (``ctx.obj``, a :class:`Settings`), not in a global.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import json
import os
import signal
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ParamSpec, TypeVar

import click

import engine
from engine import InputError, KaoheError, OutputError, PeriodError, PolicyError, Problem, cli_text, parse_date
from engine.io import normalised, read_records
from engine.io.text import FORMATS, Carried, annotate, atomic_output, carried_columns, check_output, make_writer

EXIT_OK, EXIT_REJECTED, EXIT_USAGE, EXIT_POLICY, EXIT_INPUT, EXIT_INTERNAL, EXIT_OUTPUT = 0, 1, 2, 3, 4, 5, 6
EXIT_INTERRUPTED = 130


P = ParamSpec("P")
R = TypeVar("R")


@dataclass
class Settings:
    """One invocation's settings, carried in the click context (``ctx.obj``)."""

    chosen: str | None = None  # --lang, else KAOHE_LANG
    policy: str | None = None  # the language: of the policy loaded (or failing to load)

    @property
    def lang(self) -> str:
        """The language of messages: --lang / KAOHE_LANG, else the policy's, else Chinese."""
        return self.chosen or self.policy or "zh"


class Stopped(KeyboardInterrupt):
    """SIGTERM or SIGHUP, handled like Ctrl-C: temporary output removed, exit 128+signal."""

    def __init__(self, signum: int):
        super().__init__(signum)
        self.signum = signum


def _stop(signum, frame):
    for other in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):  # the first signal is enough
        signal.signal(other, signal.SIG_IGN)
    raise Stopped(signum)


def _install_signals() -> dict:
    """SIGTERM and SIGHUP stop kaohe like Ctrl-C does; a file size limit (SIGXFSZ) makes the
    write fail with EFBIG, reported as the user's problem, instead of killing kaohe silently.
    Returns the handlers replaced."""
    saved = {
        signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGXFSZ)
    }
    for signum in (signal.SIGTERM, signal.SIGHUP):
        if saved[signum] is not signal.SIG_IGN:  # nohup keeps SIGHUP ignored
            signal.signal(signum, _stop)
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    return saved


def _quiet_stdout() -> None:
    """After stdout failed (a closed pipe, a full disk), point it at /dev/null so that the
    interpreter's final flush cannot fail again with a traceback."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError, AttributeError):
        pass


#: click's modules that look their messages up through gettext (``from gettext import gettext as _``)
CLICK_MODULES = ("core", "decorators", "exceptions", "formatting", "parser", "shell_completion", "termui", "types")
#: the catalogue click and the help texts speak from; set by :func:`speak`
SPOKEN: dict = {"texts": None, "lang": "zh"}


def speak(lang: str) -> None:
    """Make click's own messages (usage errors, "Usage:", "Options") and kaohe's --help texts
    speak ``lang``, from the gettext catalogue engine/locale/<lang>/LC_MESSAGES/kaohe.po.

    click calls the module-level ``gettext``/``ngettext`` it imported; they are pointed at
    kaohe's catalogue (one process, one command line: no other click program shares them).
    Help texts are written in English in the decorators below (the msgids) and translated
    here, before click formats them."""
    import importlib

    texts = engine.translation(lang)
    SPOKEN["texts"], SPOKEN["lang"] = texts, lang
    for name in CLICK_MODULES:
        module = importlib.import_module("click." + name)
        if hasattr(module, "_"):
            module._ = texts.gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = texts.ngettext  # type: ignore[attr-defined]
    _translate_help(main, texts)


def _translate_help(command: click.Command, texts) -> None:
    for holder in (command, *command.params):
        if not isinstance(holder, (click.Command, click.Option)):
            continue  # arguments hold no help text
        english = holder.__dict__.setdefault("kaohe_help_en", holder.help)
        if english:
            holder.help = texts.gettext(english)
    command.options_metavar = texts.gettext("[OPTIONS]")
    for sub in getattr(command, "commands", {}).values():
        _translate_help(sub, texts)


def chosen_language(args: Sequence[str]) -> str:
    """The language of help and usage errors, decided before any policy loads: --lang in the
    arguments, else KAOHE_LANG, else Chinese."""
    for i, arg in enumerate(args):
        if arg == "--lang" and i + 1 < len(args) and args[i + 1] in ("zh", "en"):
            return args[i + 1]
        if arg in ("--lang=zh", "--lang=en"):
            return arg.split("=", 1)[1]
    env = os.environ.get("KAOHE_LANG")
    return env if env in ("zh", "en") else "zh"


def _spoken_help_option(option):
    """click builds the --help option once per command: its text follows the spoken language."""
    texts = SPOKEN["texts"]
    if option is not None and texts is not None:
        option.help = texts.gettext("Show this message and exit.")
    return option


class Command(click.Command):
    """A kaohe command: its --help option's own text in the spoken language."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _spoken_help_option(super().get_help_option(ctx))


class Group(click.Group):
    """kaohe's command group: decides the language of click's messages before parsing."""

    command_class = Command

    def main(self, args: Sequence[str] | None = None, *rest: Any, **kwargs: Any) -> Any:
        speak(chosen_language(sys.argv[1:] if args is None else list(args)))
        return super().main(args, *rest, **kwargs)

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        return _spoken_help_option(super().get_help_option(ctx))


def _settings() -> Settings:
    return click.get_current_context().ensure_object(Settings)


def threading_main() -> bool:
    """Signal handlers can only be set from the main thread (CliRunner may run elsewhere)."""
    import threading

    return threading.current_thread() is threading.main_thread()


def _lang() -> str:
    return _settings().lang


def _load(path) -> engine.Policy:
    """Load a policy; its language becomes the messages' language unless one was chosen."""
    try:
        policy = engine.load_policy(path)
    except PolicyError as exc:
        _settings().policy = _settings().policy or exc.language
        raise
    _settings().policy = _settings().policy or policy.spec.language
    if not _settings().chosen:
        speak(_lang())  # click's usage errors from here on follow the policy's language
    return policy


def _report(error: KaoheError) -> None:
    for diagnostic in error.diagnostics:
        click.echo(diagnostic.render(_lang()), err=True)


def guarded(fn: Callable[P, R]) -> Callable[P, R]:
    """Turn kaohe's errors into messages and exit statuses; never show a traceback."""

    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        env = os.environ.get("KAOHE_LANG")
        _settings().chosen = kwargs.get("lang") or (env if env in ("zh", "en") else None)
        saved = _install_signals() if threading_main() else {}
        try:
            return fn(*args, **kwargs)
        except OutputError as exc:
            _report(exc)
            if exc.first.location.file == "<stdout>":
                _quiet_stdout()
            sys.exit(EXIT_OUTPUT)
        except PolicyError as exc:
            _report(exc)
            click.echo(cli_text("policy-invalid", _lang(), count=len(exc.diagnostics)), err=True)
            sys.exit(EXIT_POLICY)
        except InputError as exc:
            _report(exc)
            sys.exit(EXIT_INPUT)
        except PeriodError as exc:  # the engine's hint names the API's as_of=; say the options here
            for diagnostic in exc.diagnostics:
                cli_hint = Problem("hint.period-cli")
                click.echo(dataclasses.replace(diagnostic, advice=cli_hint).render(_lang()), err=True)
            sys.exit(EXIT_USAGE)
        except KaoheError as exc:
            _report(exc)
            sys.exit(EXIT_USAGE)
        except Stopped as exc:
            click.echo(cli_text("signalled", _lang(), signal=signal.Signals(exc.signum).name), err=True)
            sys.exit(128 + exc.signum)
        except KeyboardInterrupt:
            click.echo(cli_text("interrupted", _lang()), err=True)
            sys.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except BrokenPipeError:
            _quiet_stdout()
            sys.exit(EXIT_OK)
        except Exception as exc:
            if os.environ.get("KAOHE_DEBUG"):
                raise
            click.echo(cli_text("internal", _lang(), kind=type(exc).__name__, error=exc), err=True)
            click.echo(cli_text("internal-hint", _lang()), err=True)
            sys.exit(EXIT_INTERNAL)
        finally:
            for signum, handler in saved.items():
                signal.signal(signum, handler)

    return wrapper


class _Date(click.ParamType):
    name = "DATE"

    def convert(self, value, param, ctx):
        if isinstance(value, dt.date):
            return value
        try:
            return parse_date(value)
        except ValueError as exc:
            self.fail(exc.render(SPOKEN["lang"]) if isinstance(exc, Problem) else str(exc), param, ctx)


DATE = _Date()


@click.group(cls=Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(engine.__version__, prog_name="kaohe")
@click.pass_context
def main(ctx: click.Context) -> None:
    """kaohe (考核): grade teachers, groups, schools and contractors by a region's policy file."""
    ctx.ensure_object(Settings)


@main.command()
@click.argument("policies", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of messages (default: the policy's).")
@guarded
def validate(policies: tuple[str, ...], lang: str | None) -> None:
    """Check policy files; print every problem as file:line:col."""
    bad = 0
    for path in policies:
        if path.endswith(".tests.yaml"):  # a case file: check it and the policy it names
            bad += not _check_case_file(path)
            continue
        try:
            policy = _load(path)
        except PolicyError as exc:
            _report(exc)
            bad += 1
            continue
        problems = list(policy.spec.warnings)
        for problem in problems:
            click.echo(problem.render(_lang()), err=True)
        if any(p.severity == "error" for p in problems):
            bad += 1
            continue
        spec = policy.spec
        layers = cli_text("built-on", _lang(), base=" > ".join(spec.layers[:-1])) if len(spec.layers) > 1 else ""
        click.echo(
            cli_text(
                "validate-ok",
                _lang(),
                path=path,
                id=spec.id,
                version=spec.version,
                rules=len(spec.rules),
                entities=len(spec.entities),
                names=", ".join(spec.entities),
                layers=layers,
            )
        )
    sys.exit(EXIT_POLICY if bad else EXIT_OK)


class _counted:
    """Outcomes passed through, counted."""

    def __init__(self, outcomes: Iterable) -> None:
        self.outcomes, self.total, self.rejected = outcomes, 0, 0

    def __iter__(self) -> Iterator:
        for outcome in self.outcomes:
            self.total += 1
            self.rejected += not outcome.ok
            yield outcome


def _unknown_columns(path, entity, sheet=None) -> list[str]:
    """The headers of a .csv or .xlsx input that name none of the entity's inputs."""
    if not path or not str(path).lower().endswith((".csv", ".xlsx")):
        return []
    from engine.io.sheets import unknown_columns

    try:
        return [header for header, _ in unknown_columns(path, entity, sheet)]
    except KaoheError:
        return []  # the reader reports an unreadable file itself


def _column_warnings(path, entity, sheet=None, carried=()) -> None:
    """Spreadsheet columns kaohe does not know, and required columns that are missing, by header."""
    if not path or not str(path).lower().endswith((".csv", ".xlsx")):
        return
    from engine.io.sheets import missing_columns, unknown_columns

    try:
        unknown = unknown_columns(path, entity, sheet)
        missing = missing_columns(path, entity, sheet)
    except KaoheError:
        return  # the reader reports an unreadable file itself
    for header, suggestion in unknown:
        if header in carried:  # passed through to the output: not lost, nothing to warn of
            continue
        hint = cli_text("unknown-column-hint", _lang(), suggestion=suggestion) if suggestion else ""
        click.echo(
            cli_text("unknown-column", _lang(), path=path, header=header, entity=entity.name, hint=hint), err=True
        )
    for name, header in missing:
        click.echo(cli_text("missing-column", _lang(), path=path, name=name, header=header), err=True)


def _check_case_file(path) -> bool:
    """Load a case file and the policy it names; report and return False if either is broken."""
    from engine.tools.cases import load_cases

    try:
        policy, cases = load_cases(path)
    except PolicyError as exc:
        _settings().policy = _settings().policy or exc.language
        _report(exc)
        return False
    _settings().policy = _settings().policy or policy.spec.language
    click.echo(cli_text("cases-ok", _lang(), path=path, count=len(cases), id=policy.spec.id))
    return True


def _summary(total, rejected):
    click.echo(cli_text("summary", _lang(), total=total, evaluated=total - rejected, rejected=rejected), err=True)
    counts = normalised()
    if counts:  # values read from another spelling than the plain one: full-width digits, 1,234, 2021/6/30, GBK
        comma = ", " if _lang() == "en" else "，"
        shown = comma.join(Problem(f"cli.normalised-{kind}", count=n).render(_lang()) for kind, n in counts.items())
        click.echo(cli_text("normalised", _lang(), count=sum(counts.values()), kinds=shown), err=True)


@main.command()
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option(
    "--entity",
    "-e",
    required=True,
    help="Entity to evaluate (teacher, group, school, ...); with --members, several: teacher,group,school.",
)
@click.option("--input", "-i", "input_path", help="Records: .jsonl, .json, .csv, .xlsx, or - for JSON Lines on stdin.")
@click.option("--members", "members_path", help="Evaluate the entity from its members' records in this file.")
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(FORMATS + ("xlsx", "parquet")),
    help="Output format (default: from the --output file's extension, .xlsx .csv .json .parquet; else jsonl).",
)
@click.option("--output", "-o", help="Write here (atomically) instead of stdout.")
@click.option("--as-of", type=DATE, help="Judge deadlines at this day (default: today).")
@click.option("--allow-outside-period", is_flag=True, help="Evaluate even outside the policy's effective period.")
@click.option("--trace", is_flag=True, help="Include the trace of rules that fired in each result.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of labels (default: the policy's).")
@click.option("--sheet", help="Sheet of an .xlsx input (default: the first).")
@click.option("--jobs", "-j", type=click.IntRange(1, 64), default=1, show_default=True, help="Worker processes.")
@click.option(
    "--pass-through",
    "pass_through",
    multiple=True,
    help="Input columns to carry to the output unchanged, e.g. 姓名,学校 (repeat or separate by commas); "
    "they add to the entity's pass_through: in the policy. Without it, xlsx output also keeps the input "
    "sheet's other columns that are not the policy's inputs.",
)
@click.option("--strict", is_flag=True, help="Refuse a record that may be cut (a CSV last line without a line end).")
@click.option(
    "--engine",
    "engine_name",
    type=click.Choice(["auto", "row", "duckdb", "spark"]),
    default="row",
    show_default=True,
    help="row: record by record; duckdb: the columnar plan (rows it cannot prove valid go to the row engine); "
    "spark: the same plan on Apache Spark (needs kaohe[spark] and Java); "
    "auto: duckdb where the plan applies and the input is large.",
)
@click.option(
    "--master",
    metavar="URL",
    help="Spark's master for --engine spark: local[2], yarn, spark://host:7077, ... (default: Spark's own).",
)
@click.option(
    "--detail",
    "details",
    multiple=True,
    metavar="NAME=FILE",
    help="A list input from a long table with one row per item keyed by the record's id (.parquet, .csv, .jsonl).",
)
@guarded
def evaluate(
    policy: str,
    entity: str,
    input_path: str | None,
    members_path: str | None,
    fmt: str | None,
    output: str | None,
    as_of: dt.date | None,
    allow_outside_period: bool,
    trace: bool,
    lang: str | None,
    sheet: str | None,
    jobs: int,
    pass_through: tuple[str, ...] = (),
    strict: bool = False,
    engine_name: str = "row",
    details: tuple[str, ...] = (),
    master: str | None = None,
) -> None:
    """Evaluate records; one output per input record, in order."""
    if bool(input_path) == bool(members_path):
        raise click.UsageError(cli_text("usage.input-or-members", _lang()))
    if fmt is None:
        suffix = os.path.splitext(output or "")[1].lower()
        fmt = {".xlsx": "xlsx", ".csv": "csv", ".json": "json", ".parquet": "parquet", ".pq": "parquet"}.get(
            suffix, "jsonl"
        )
    if fmt == "xlsx" and (not output or output == "-"):
        raise click.UsageError(cli_text("usage.xlsx-output", _lang()))
    _check_output(output)
    loaded = _load(policy)
    lang = lang or loaded.spec.language
    day = loaded.check_period(as_of, allow_outside_period)
    given = [c.strip() for text in pass_through for c in text.replace("，", ",").split(",") if c.strip()]
    parallel_duckdb = (
        engine_name == "duckdb"
        and jobs > 1
        and not trace
        and not details
        and fmt not in ("parquet", "xlsx")
        and input_path is not None
        and input_path.lower().endswith((".jsonl", ".ndjson", ".csv"))
    )
    if parallel_duckdb:  # --jobs workers each run the plan on their chunks
        _plan_notice(loaded, entity)
    elif input_path and not members_path and not trace and input_path != "-":
        if engine_name != "row" or details or fmt == "parquet" or input_path.lower().endswith((".parquet", ".pq")):
            carried = _carried(loaded.runtime(entity).entity, given, fmt, input_path, sheet)
            _evaluate_table(
                loaded, entity, input_path, fmt, output, day, lang, sheet, engine_name, details, strict, master, carried
            )
    elif engine_name not in ("row", "auto") and (trace or not members_path):
        click.echo(cli_text("engine-row-only", _lang(), engine=engine_name), err=True)
        engine_name = "row"
    if fmt == "parquet":
        raise click.UsageError(cli_text("parquet-needs-files", _lang()))
    if members_path:
        _evaluate_levels(
            loaded, entity, members_path, fmt, output, day, trace, lang, sheet, strict, given, engine_name, master
        )
    assert input_path is not None  # one of --input and --members, checked above
    rt = loaded.runtime(entity)
    total = rejected = 0
    columns = list(rt.entity.reported)
    carried = _carried(rt.entity, given, fmt, input_path, sheet)
    _column_warnings(input_path, rt.entity, sheet, {h for _, headers in carried for h in headers})
    notes: dict = {}
    records = read_records(input_path, rt.entity, sheet=sheet, notes=notes, strict=strict)
    if fmt == "xlsx" or jobs == 1:  # the bar counts records as they are read
        records = _progress(records, input_path, "evaluate")
    carry = Carried(records, carried) if carried else None
    if carry is not None:
        records = iter(carry)
    if fmt == "xlsx":
        from engine.io.sheets import write_xlsx

        counted = _counted(
            annotate(loaded.evaluate_many(records, entity, as_of=day, trace=trace, allow_outside=True), notes)
        )
        assert output is not None  # --format xlsx needs --output, checked above
        write_xlsx(output, counted, rt.entity, lang=lang, carry=carry)
        _summary(counted.total, counted.rejected)
        _carried_summary(carry, input_path)
        _notes_summary(input_path, notes)
        sys.exit(EXIT_REJECTED if counted.rejected else EXIT_OK)
    if jobs > 1:
        from engine.io.parallel import evaluate_parallel

        if carry is None and input_path != "-" and input_path.lower().endswith((".jsonl", ".ndjson")):
            from engine.io.text import jsonl_lines

            # the workers parse the lines and, for JSON Lines output, serialise the results
            outcomes = evaluate_parallel(
                policy,
                None,
                entity,
                as_of=day,
                trace=trace,
                jobs=jobs,
                lang=lang,
                lines=jsonl_lines(input_path),
                source_name=input_path,
                as_text=fmt == "jsonl",
                engine="duckdb" if parallel_duckdb else "row",
            )
        else:
            outcomes = evaluate_parallel(
                policy,
                records,
                entity,
                as_of=day,
                trace=trace,
                jobs=jobs,
                lang=lang,
                engine="duckdb" if parallel_duckdb else "row",
            )
    else:
        outcomes = loaded.evaluate_many(records, entity, as_of=day, trace=trace, allow_outside=True)
    if jobs > 1:  # the workers read ahead; the bar counts results as they are written
        outcomes = _progress(outcomes, input_path, "evaluate")
    with atomic_output(output, newline="" if fmt == "csv" else None) as out:
        writer = make_writer(fmt, out, lang, trace, columns, carry=carry, entity=rt.entity)
        for outcome in annotate(outcomes, notes):
            total += 1
            if not outcome.ok:
                rejected += 1
            writer.write(outcome)
        writer.close()
    _summary(total, rejected)
    _carried_summary(carry, input_path)
    _notes_summary(input_path, notes)
    sys.exit(EXIT_REJECTED if rejected else EXIT_OK)


# -- pass-through columns (the entity's pass_through:, --pass-through, the xlsx default) ------
def _carried(entity, given, fmt, input_path, sheet, skip_inputs=False) -> list:
    """The run's pass-through columns as (header, spellings): the policy's, then --pass-through's,
    then, for xlsx output without --pass-through, the input sheet's other unknown columns. A
    policy's column a CSV, xlsx or Parquet input has no column for, or a JSON Lines input's first
    record does not give, is left out (and --jobs keeps its fast path for JSON Lines)."""
    from engine.io.text import first_keys

    lower = str(input_path or "").lower()
    headed = lower.endswith((".csv", ".xlsx"))
    others = _unknown_columns(input_path, entity, sheet) if headed else []
    unknown = others if fmt == "xlsx" and not given else []
    headers = others if headed else first_keys(input_path) if lower.endswith((".jsonl", ".ndjson")) else None
    if lower.endswith((".parquet", ".pq")):
        from engine.io.tables import parquet_columns

        headers = parquet_columns(input_path)
    try:
        return carried_columns(entity, given, unknown, skip_inputs, headers)
    except Problem as exc:
        raise click.BadParameter(exc.render(_lang()), param_hint="--pass-through") from None


def _carried_summary(carry, input_path) -> None:
    """One warning per pass-through column some records lacked (not one per record)."""
    for column, missing, total in carry.missing() if carry is not None else ():
        click.echo(
            cli_text("pass-through-missing", _lang(), column=column, missing=missing, total=total, path=input_path),
            err=True,
        )


def _evaluate_table(
    loaded, entity, input_path, fmt, output, day, lang, sheet, engine_name, details, strict, master, carried=()
):
    """--engine duckdb|spark|auto, Parquet in or out, --detail: the whole input as one table."""
    from engine.io.tables import (
        carry_into_parquet,
        evaluate_parquet_to_parquet,
        evaluate_source,
        parquet_records,
        write_parquet,
    )

    pairs = {}
    for item in details:
        name, sep, path = item.partition("=")
        if not sep or not name or not path:
            raise click.UsageError(cli_text("detail-form", _lang(), item=item))
        pairs[name.strip()] = path.strip()
    notes: list = []
    parquet_in = input_path.lower().endswith((".parquet", ".pq"))
    carry = None
    if carried:  # a Parquet input's columns are read beside the results; others' as the records are read
        headers = [h for _, spellings in carried for h in spellings]
        carry = Carried(parquet_records(input_path, headers) if parquet_in else None, carried)
    spark_details = engine_name == "spark" and all(p.lower().endswith((".parquet", ".pq")) for p in pairs.values())
    if fmt == "parquet" and (not pairs or spark_details) and parquet_in and output:
        total, rejected = evaluate_parquet_to_parquet(
            loaded, entity, input_path, output, as_of=day, engine=engine_name, notes=notes, master=master, details=pairs
        )
        carry_into_parquet(output, carry)
        for note in notes:
            click.echo(note.render(_lang()), err=True)
        _summary(total, rejected)
        _carried_summary(carry, input_path)
        sys.exit(EXIT_REJECTED if rejected else EXIT_OK)
    cut: dict = {}  # the reader's warnings per record (a CSV last line that may be cut)
    outcomes = evaluate_source(
        loaded,
        entity,
        input_path,
        as_of=day,
        engine=engine_name,
        details=pairs,
        sheet=sheet,
        notes=notes,
        cut=cut,
        strict=strict,
        wrap=carry.over if carry is not None and carry.records is None else None,
        master=master,
    )
    outcomes = annotate(outcomes, cut)
    for note in notes:
        click.echo(note.render(_lang()), err=True)
    rt = loaded.runtime(entity)
    if fmt == "parquet":
        if not output or output == "-":
            raise click.UsageError(cli_text("parquet-needs-output", _lang()))
        total, rejected = write_parquet(output, outcomes, rt.entity, loaded.spec, carry)
    elif fmt == "xlsx":
        if not output or output == "-":
            raise click.UsageError(cli_text("usage.xlsx-output", _lang()))
        from engine.io.sheets import write_xlsx

        counted = _counted(outcomes)
        write_xlsx(output, counted, rt.entity, lang=lang, carry=carry)
        total, rejected = counted.total, counted.rejected
    else:
        total = rejected = 0
        with atomic_output(output, newline="" if fmt == "csv" else None) as out:
            writer = make_writer(fmt, out, lang, False, list(rt.entity.reported), carry=carry)
            for outcome in outcomes:
                total += 1
                rejected += not outcome.ok
                writer.write(outcome)
            writer.close()
    _summary(total, rejected)
    _carried_summary(carry, input_path)
    _notes_summary(input_path, cut)
    sys.exit(EXIT_REJECTED if rejected else EXIT_OK)


@main.command()
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("--entity", "-e", required=True)
@click.option(
    "--dialect", default="duckdb", show_default=True, help="Any dialect sqlglot writes: duckdb, spark, trino, ..."
)
@click.option("--table", default="records", show_default=True, help="The table of records (with a __row column).")
@click.option("--as-of", type=DATE, help="The day deadlines are judged at (default: today).")
@guarded
def sql(policy: str, entity: str, dialect: str, table: str, as_of: dt.date | None) -> None:
    """Print an entity's columnar plan as SQL, to run a policy inside a warehouse."""
    from engine.io.tables import Unsupported, plan_sql

    loaded = _load(policy)
    day = as_of or loaded.check_period(None, True)
    try:
        click.echo(plan_sql(loaded, entity, dialect, day, table))
    except Unsupported as exc:
        click.echo(Problem("columnar.row-engine", entity=entity, reason=exc).render(_lang()), err=True)
        sys.exit(2)
    except ValueError:  # an unknown dialect
        raise click.UsageError(cli_text("sql-dialect", _lang(), dialect=dialect)) from None


def _plan_notice(loaded, entity) -> None:
    """Say so when the entity has no columnar plan for its inputs' natural column types
    (the --jobs workers then evaluate it on the row engine)."""
    from engine.io.tables import row_engine_notice

    notice = row_engine_notice(loaded, entity)
    if notice is not None:
        click.echo(notice.render(_lang()), err=True)


def _progress(items, path, task, name=None, total=None):
    """``items`` with a progress bar on a terminal (engine/io/progress.py), in the output
    language; the total is counted from ``path`` only when a bar is drawn."""
    from engine.io.progress import count_records, progress, shown

    if not shown():
        return items
    if total is None:
        total = count_records(path)
    return progress(items, total, _lang(), task, name if name is not None else (path or ""))


def _steps(task, name):
    """A progress bar over a list of steps (checks, properties, entities) of known length."""
    return lambda items, total: _progress(items, None, task, str(name), total)


def _check_output(output) -> None:
    """Output problems found before any work (OutputError, exit 6); stale temporary files of
    killed runs removed, and said so."""
    for path in check_output(output):
        click.echo(cli_text("stale-temp", _lang(), path=path), err=True)


def _notes_summary(input_path, notes: dict) -> None:
    for position, warning in sorted(notes.items()):
        click.echo(
            cli_text("cut-summary", _lang(), path=input_path, line=warning.location.line, record=position), err=True
        )


def _evaluate_levels(
    loaded,
    entities,
    members_path,
    fmt,
    output,
    day,
    trace,
    lang,
    sheet,
    strict=False,
    given=(),
    engine_name="row",
    master=None,
):
    """--members: evaluate one or more levels (``teacher,group,school``) from one file of
    member records; the member entity itself is evaluated record by record, the others from
    their members. Outputs come level by level, in the order given. Each level carries its
    entity's pass-through columns (and --pass-through's): the member level from each record,
    a group level where all its members' records agree. With --engine duckdb or spark (or
    auto on a large file) every level is one columnar plan over the member records."""
    from engine.io.tables import AUTO_THRESHOLD, level_outcomes, records_to_table
    from engine.io.text import group_columns

    if fmt == "xlsx":
        raise click.UsageError(cli_text("usage.xlsx-members", _lang()))
    runtimes = [loaded.runtime(name.strip()) for name in entities.split(",") if name.strip()]
    member_names = {rt.entity.members.entity for rt in runtimes if rt.entity.members}
    if len(member_names) > 1:
        raise click.UsageError(cli_text("usage.members-differ", _lang(), names=", ".join(sorted(member_names))))
    member = loaded.runtime(member_names.pop()).entity if member_names else runtimes[0].entity
    notes: dict = {}
    records = list(
        _progress(read_records(members_path, member, sheet=sheet, notes=notes, strict=strict), members_path, "read")
    )  # read once, used by every level
    columns = list(dict.fromkeys(name for rt in runtimes for name in rt.entity.reported))
    levels = {
        rt.entity.name: _carried(rt.entity, given, fmt, members_path, sheet, rt.entity.members is not None)
        for rt in runtimes
    }
    carry = Carried(None, [spec for specs in levels.values() for spec in specs])  # every level's columns
    carry = carry if carry.columns else None
    member_carry = None
    total = rejected = 0
    if engine_name == "auto":
        engine_name = "duckdb" if len(records) >= AUTO_THRESHOLD else "row"
    parts = None
    if engine_name in ("duckdb", "spark"):
        member_level = next((rt for rt in runtimes if rt.entity.members is None), None)
        if member_level is not None:  # its pass-through values are taken as the table is made
            level_carry = Carried(None, levels[member_level.entity.name])
            records = list(level_carry.over(records))
            member_carry = level_carry
        parts = records_to_table(records, member)
    plan_notes: list = []
    with atomic_output(output, newline="" if fmt == "csv" else None) as out:
        writer = make_writer(fmt, out, lang, trace, columns, carry=carry)
        for rt in runtimes:
            name = rt.entity.name
            shared: dict = {}
            if parts is not None:
                if rt.entity.members is not None:
                    shared = group_columns(records, rt.entity, member)
                outcomes = level_outcomes(loaded, name, parts, day, engine_name, plan_notes, master)
                for note in plan_notes:
                    click.echo(note.render(_lang()), err=True)
                plan_notes.clear()
            elif rt.entity.members is None:
                level_carry = Carried(None, levels[name])
                outcomes = loaded.evaluate_many(
                    level_carry.over(records), name, as_of=day, trace=trace, allow_outside=True
                )
                member_carry = member_carry or level_carry
            else:
                shared = group_columns(records, rt.entity, member)
                outcomes = (
                    group
                    for group, _ in loaded.evaluate_members(records, name, as_of=day, trace=trace, allow_outside=True)
                )
            for outcome in _progress(
                outcomes, None, "members", name, len(records) if rt.entity.members is None else None
            ):
                total += 1
                rejected += not outcome.ok
                if carry is not None:
                    values = level_carry.pop() if rt.entity.members is None else shared.get(outcome.id, {})
                    carry.queue.append({c: values.get(c) for c in carry.columns})
                writer.write(outcome)
        writer.close()
    _summary(total, rejected)
    _carried_summary(member_carry, members_path)
    _notes_summary(members_path, notes)
    sys.exit(EXIT_REJECTED if rejected else EXIT_OK)


@main.command()
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("--entity", "-e", required=True)
@click.option("--record", "-r", "record_text", required=True, help="The record as JSON, or @FILE.")
@click.option("--as-of", type=DATE)
@click.option("--allow-outside-period", is_flag=True)
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]))
@guarded
def explain(
    policy: str,
    entity: str,
    record_text: str,
    as_of: dt.date | None,
    allow_outside_period: bool,
    fmt: str,
    lang: str | None,
) -> None:
    """Show, for one record, each rule that fired, its clause and the values it saw."""
    from engine.tools.explain import explain_text, next_grade_hints

    loaded = _load(policy)
    lang = lang or loaded.spec.language
    if record_text.startswith("@"):
        with open(record_text[1:], encoding="utf-8-sig") as handle:
            record_text = handle.read()
    try:
        record = json.loads(record_text)
    except ValueError as exc:
        raise click.BadParameter(cli_text("usage.record-json", _lang(), error=exc), param_hint="--record") from None
    try:
        result = loaded.evaluate(record, entity, as_of=as_of, trace=True, allow_outside=allow_outside_period)
    except engine.RecordError as exc:
        _report(exc)
        sys.exit(EXIT_REJECTED)
    hints = next_grade_hints(loaded, entity, record, as_of=as_of, allow_outside=allow_outside_period)
    if fmt == "json":
        data = result.to_dict(lang, trace=True)
        data["hints"] = hints
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        click.echo(explain_text(result, lang, hints))


@main.command("test")
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--coverage", is_flag=True, help="Report which rules, tiers, levels and consequences no case exercises.")
@click.option(
    "--min-coverage", type=click.FloatRange(0, 100), help="Fail when a policy's coverage is below this percent."
)
@guarded
def test_command(paths: tuple[str, ...], coverage: bool, min_coverage: float | None) -> None:
    """Run policy test cases (policies/*.tests.yaml by default)."""
    from engine.tools.cases import find_case_files, run_cases

    files = find_case_files(paths)
    if not files:
        raise click.UsageError(cli_text("usage.no-cases", _lang()))
    failed = total = 0
    low = []
    lang = _lang()
    for path in _progress(files, None, "test", "", len(files)):
        policy, outcomes, cov = run_cases(path, lang=lang)
        for outcome in outcomes:
            total += 1
            case = outcome.case
            tag = f"[{case.rule}] " if case.rule else ""
            if outcome.ok:
                click.echo(cli_text("test.ok", lang, tag=tag, name=case.name))
                continue
            failed += 1
            click.echo(cli_text("test.fail", lang, tag=tag, name=case.name, location=case.location))
            for what, expected, got in outcome.problems:
                click.echo(
                    cli_text(
                        "test.expected",
                        lang,
                        what=what.render(lang) if isinstance(what, Problem) else what,
                        expected=_shown(expected, lang),
                        got=_shown(got, lang),
                    )
                )
            if outcome.explanation:
                click.echo("\n".join("        " + line for line in outcome.explanation.splitlines()))
        if cov is not None and (coverage or min_coverage is not None):
            click.echo(cov.report(lang))
            if min_coverage is not None and cov.percent() < min_coverage:
                low.append(policy.spec.id)
    # in English this is the line CI tools parse ("N passed, N failed"); KAOHE_LANG=en keeps it
    click.echo(cli_text("test.summary", lang, count=len(files), passed=total - failed, failed=failed))
    if low:
        click.echo(cli_text("test.coverage-low", lang, percent=f"{min_coverage:g}", ids=", ".join(low)), err=True)
    sys.exit(EXIT_REJECTED if failed or low else EXIT_OK)


def _shown(value: object, lang: str) -> str:
    """An expected or actual value of a case: a sentence in ``lang``, or the value as JSON."""
    return value.render(lang) if isinstance(value, Problem) else _json(value)


def _json(value) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def _level_witness(policy):
    """lint's record generator for unreachable levels, where the test library is installed."""
    try:
        from engine.tools.testing import level_witness
    except ImportError:
        return None
    return level_witness(policy)


@main.command()
@click.argument("policies", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--strict", is_flag=True, help="Exit non-zero on warnings too.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of messages (default: the policy's).")
@guarded
def lint(policies: tuple[str, ...], strict: bool, lang: str | None) -> None:
    """Stricter checks: unreachable levels, unread inputs, percentages for ratios, ..."""
    from engine.tools.lint import lint as lint_spec

    worst = EXIT_OK
    for path in policies:
        if path.endswith(".tests.yaml"):  # a case file has nothing to lint; it must still load
            worst = worst if _check_case_file(path) else EXIT_POLICY
            continue
        try:
            loaded = _load(path)
        except PolicyError as exc:
            _report(exc)
            worst = EXIT_POLICY
            continue
        warnings = lint_spec(loaded.spec, _level_witness(loaded))
        for warning in warnings:
            click.echo(warning.render(_lang()))
        click.echo(cli_text("lint-count", _lang(), path=path, count=len(warnings)))
        if warnings and strict:
            worst = max(worst, EXIT_REJECTED)
    sys.exit(worst)


@main.command()
@click.argument("old", type=click.Path(dir_okay=False))
@click.argument("new", type=click.Path(dir_okay=False))
@click.option("--entity", "-e", help="The entity to compare (with --prove: default all).")
@click.option("--input", "-i", "input_path", help="Records to compare the two versions on.")
@click.option("--as-of", type=DATE)
@click.option("--examples", default=3, show_default=True, help="Examples shown for each kind of change.")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option(
    "--prove", "prove_it", is_flag=True, help="Decide over every possible record (SMT solver) instead of an input."
)
@guarded
def diff(
    old: str,
    new: str,
    entity: str | None,
    input_path: str | None,
    as_of: dt.date | None,
    examples: int,
    fmt: str,
    prove_it: bool,
) -> None:
    """How many records change grade, credits or sanctions under a revised policy; with
    --prove, whether the two versions decide every possible record alike."""
    if prove_it:
        from engine.tools.prove import diff_prove

        verdicts = diff_prove(engine.load_policy(old), engine.load_policy(new), entity, progress=_steps("diff", new))
        _show_verdicts(verdicts, fmt)
        return
    if not entity or not input_path:
        raise click.UsageError(cli_text("usage.diff-needs", _lang()))
    from engine.tools.diff import diff_policies, format_diff

    report = diff_policies(
        _load(old),
        _load(new),
        entity,
        input_path,
        as_of=as_of,
        examples=examples,
        progress=lambda pairs: _progress(pairs, input_path, "diff"),
    )
    click.echo(json.dumps(report, ensure_ascii=False, indent=2) if fmt == "json" else format_diff(report, _lang()))


def _show_verdicts(verdicts, fmt) -> None:
    from engine.tools.prove import render_text

    if fmt == "json":
        click.echo(json.dumps([v.to_dict(_lang()) for v in verdicts], ensure_ascii=False, indent=2, default=str))
    else:
        click.echo(render_text(verdicts, _lang()))
    sys.exit(EXIT_REJECTED if any(v.status == "counterexample" for v in verdicts) else EXIT_OK)


@main.command()
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("--entity", "-e", help="Only this entity (default: all).")
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of messages (default: the policy's).")
@guarded
def prove(policy: str, entity: str | None, fmt: str, lang: str | None) -> None:
    """Prove facts over every possible record with an SMT solver: tier tables cover each
    value exactly once, every grade and consequence can be reached and avoided, and the
    policy's properties hold. Every counterexample is a record the engine confirmed."""
    from engine.tools.prove import prove as prove_policy

    loaded = engine.load_policy(policy)
    if entity and entity not in loaded.spec.entities:
        raise click.BadParameter(
            cli_text("usage.no-entity", _lang(), entity=entity, path=policy), param_hint="--entity"
        )
    _show_verdicts(prove_policy(loaded, entity, progress=_steps("prove", policy)), fmt)


@main.command()
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("--seed", default=0, show_default=True)
@click.option("--examples", "max_examples", default=200, show_default=True)
@click.option("--entity", "entities", multiple=True, help="Only these entities (default: all).")
@guarded
def check(policy: str, seed: int, max_examples: int, entities: tuple[str, ...]) -> None:
    """Property-test a policy with generated records; print a shrunk counterexample on failure."""
    from engine.tools.checking import run_check

    ok, text = run_check(
        policy, seed, max_examples, list(entities) or None, lang=_lang(), progress=_steps("check", policy)
    )
    click.echo(text)
    sys.exit(EXIT_OK if ok else EXIT_REJECTED)


@main.command()
@click.argument("policy", type=click.Path(dir_okay=False))
@click.option("--entity", "-e", required=True)
@click.option("--input", "-i", "input_path", required=True, help="Records: .jsonl, .json, .csv or .xlsx.")
@click.option("--output", "-o", required=True, help="The file to write: .html, or .pdf (printed by headless Chromium).")
@click.option(
    "--group-by",
    help="Group grades and rosters by an input (school, group), its label (学校, 教研组) or a column of the input.",
)
@click.option(
    "--rosters",
    type=click.Choice(["auto", "inline", "split", "none"]),
    default="auto",
    show_default=True,
    help="Rosters per group: in the report, one file per group in the folder <report>-rosters, or none "
    "(auto: in the report up to 2,000 records, else split).",
)
@click.option("--as-of", type=DATE)
@click.option("--allow-outside-period", is_flag=True)
@click.option("--lang", type=click.Choice(["zh", "en"]))
@click.option("--sheet", help="Sheet of an .xlsx input.")
@guarded
def report(
    policy: str,
    entity: str,
    input_path: str,
    output: str,
    group_by: str | None,
    rosters: str,
    as_of: dt.date | None,
    allow_outside_period: bool,
    lang: str | None,
    sheet: str | None,
) -> None:
    """Write a self-contained report: totals, grade charts, credits, sanctions, rejected records, rosters."""
    from engine.tools.report import check_group_by, find_browser, resolve_group_by, write_report

    _check_output(output)
    loaded = _load(policy)
    lang = lang or loaded.spec.language
    rt = loaded.runtime(entity)
    if group_by:
        group_by = resolve_group_by(rt.entity, group_by)
        check_group_by(rt.entity, group_by, _input_columns(input_path, rt.entity, sheet))
    if output.lower().endswith(".pdf"):
        find_browser()  # refuse before the run when no browser can print the PDF
    day = loaded.check_period(as_of, allow_outside_period)
    _column_warnings(input_path, rt.entity, sheet, carried=(group_by, "姓名"))  # the report reads these
    row_info: list = []

    def tapped(records):
        """Each input row's group and name (姓名), as the row gave them, by position."""
        for record in records:
            given = record.get(group_by) if group_by and isinstance(record, dict) else None
            name = (record.get("姓名") or record.get("name")) if isinstance(record, dict) else None
            row_info.append((given, name if isinstance(name, str) else None))
            yield record

    outcomes = _counted(
        loaded.evaluate_many(
            tapped(_progress(read_records(input_path, rt.entity, sheet=sheet), input_path, "report")),
            entity,
            as_of=day,
            trace=bool(group_by),
            allow_outside=True,
        )
    )
    written = write_report(
        output,
        loaded,
        entity,
        outcomes,
        lang=lang,
        group_by=group_by,
        as_of=day,
        rosters=rosters,
        row_info=row_info,
        normalised=normalised,
    )
    if group_by and group_by not in rt.entity.inputs and not any(given not in (None, "") for given, _ in row_info):
        click.echo(cli_text("report.not-grouped", _lang(), group=group_by), err=True)
    click.echo(cli_text("report.wrote", _lang(), path=written[0]))
    if len(written) > 1:
        click.echo(cli_text("report.rosters", _lang(), count=len(written) - 1, folder=written[1].parent))
    _summary(outcomes.total, outcomes.rejected)
    sys.exit(EXIT_REJECTED if outcomes.rejected else EXIT_OK)


def _input_columns(input_path, entity, sheet) -> list | None:
    """The headers of a .csv/.xlsx input that name no input (学校, 姓名); None for other inputs."""
    if not str(input_path).lower().endswith((".csv", ".xlsx")):
        return None
    from engine.io.sheets import unknown_columns

    try:
        return [header for header, _ in unknown_columns(input_path, entity, sheet)]
    except KaoheError:
        return None  # the reader reports an unreadable file itself


@main.command("fmt")
@click.argument("paths", nargs=-1, required=True, type=click.Path(dir_okay=False))
@click.option("--check", is_flag=True, help="Write nothing; list the files that are not formatted and exit 1.")
@click.option("--lang", type=click.Choice(["zh", "en"]), help="Language of messages (default: the policy's).")
@guarded
def fmt_command(paths: tuple[str, ...], check: bool, lang: str | None) -> None:
    """Rewrite policies and case files in canonical key order and indentation, keeping comments."""
    from engine.tools.fmt import format_file

    changed, broken = [], 0
    for path in paths:
        try:
            if format_file(path, check=check):
                changed.append(path)
        except KaoheError as exc:
            _report(exc)
            broken += 1
    for path in changed:
        click.echo(cli_text("fmt.would" if check else "fmt.done", _lang(), path=path))
    if check and changed:
        click.echo(cli_text("fmt.summary", _lang(), count=len(changed), total=len(paths)), err=True)
    if broken:
        sys.exit(EXIT_POLICY)
    sys.exit(EXIT_REJECTED if check and changed else EXIT_OK)


@main.command()
@click.option("--id", "pid", prompt="policy id (e.g. zhejiang-xx-2023)", help="Identifier of the new policy.")
@click.option("--region", prompt="region (地区)", help="Region, in Chinese.")
@click.option("--title", prompt="title (标题)", help="Title of the policy, in Chinese.")
@click.option(
    "--source-title",
    "--source",
    "source_title",
    prompt="source document (文件名称)",
    help="Title of the source document.",
)
@click.option("--number", default="", help="Document number (文号), if any.")
@click.option("--date", "day", type=DATE, prompt="document date (YYYY-MM-DD)", help="Date of the document.")
@click.option(
    "--base",
    default="",
    help="Base policy to extend: a path, or an installed policy's name, e.g. national (empty: standalone).",
)
@click.option("--dir", "directory", default="policies", show_default=True, type=click.Path(file_okay=False))
@click.option("--force", is_flag=True, help="Overwrite existing files.")
@guarded
def new(
    pid: str,
    region: str,
    title: str,
    source_title: str,
    number: str,
    day: dt.date,
    base: str,
    directory: str,
    force: bool,
) -> None:
    """Write a new policy skeleton, its test cases and an example input, ready to adapt."""
    from engine.tools.scaffold import new_policy

    for path in new_policy(directory, pid, region, title, source_title, day, number or None, base or None, force=force):
        click.echo(cli_text("report.wrote", _lang(), path=path))
    policy_file, cases_file = f"{directory}/{pid}.yaml", f"{directory}/{pid}.tests.yaml"
    click.echo(cli_text("new.next", _lang(), policy=policy_file, cases=cases_file))


@main.command()
@click.option("--format", "-f", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@guarded
def policies(fmt: str) -> None:
    """List the installed policies (kaohe's own and other packages'): name, id, version, title."""
    found = engine.installed_policies()
    if fmt == "json":
        rows = [
            {
                "name": p.name,
                "id": p.id,
                "version": p.version,
                "title": p.title,
                "path": str(p.path),
                "source": p.source,
            }
            for p in found
        ]
        click.echo(_json(rows))
        return
    for p in found:
        click.echo(f"{p.name:<12} {p.id:<28} {p.version:<8} {p.title}")


@main.command()
@click.argument("beside", required=False, type=click.Path())
@guarded
def schema(beside: str | None) -> None:
    """Print the policy schema (for editors), or write it as policy.schema.json beside a policy
    file or into a folder."""
    from engine.tools.scaffold import policy_schema_text, write_schema

    if beside is None:
        click.echo(policy_schema_text(), nl=False)
    else:
        click.echo(cli_text("report.wrote", _lang(), path=write_schema(beside)))


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to bind; not loopback needs a token.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535))
@click.option(
    "--policies",
    "policy_dirs",
    multiple=True,
    type=click.Path(file_okay=False, exists=True),
    help="A folder of policies to offer besides the installed ones (repeatable).",
)
@click.option("--token", help="Require 'Authorization: Bearer TOKEN' on every request (or set KAOHE_TOKEN).")
@click.option(
    "--workers",
    default=1,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Server processes answering on the one port (about one per core; each loads the policies).",
)
@guarded
def serve(host: str, port: int, policy_dirs: tuple[str, ...], token: str | None, workers: int = 1) -> None:
    """Serve the REST API, its OpenAPI docs (/docs) and the officers' web page (/)."""
    from engine.service import ServeError
    from engine.service import serve as run_server

    try:
        run_server(host, port, policy_dirs, token=token, workers=workers)
    except ServeError as exc:
        raise click.UsageError(exc.render(_lang())) from None
    except ImportError as exc:
        raise click.UsageError(cli_text("serve.extra", _lang(), name=exc.name)) from None


if __name__ == "__main__":
    main()
