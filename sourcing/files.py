"""The one path from a scenario file to a validated :class:`~sourcing.scenario.Study`.

YAML text is parsed with ``yaml.safe_load``; its node tree is kept only to put line numbers
on problems. Every problem, from YAML syntax to a team naming an unknown service, comes out
as a :class:`~sourcing.errors.ScenarioError` naming the file, the line, the field path and
what is wrong.
"""

from __future__ import annotations

import difflib
import typing
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from .errors import Problem, ScenarioError
from .model import text_problems
from .offers import RESTORE_EXAMPLE, WITHIN_GTR_EXAMPLE, Fees, ProviderOffer, Retained, SaasOffer
from .scenario import Study
from .words import LANGUAGES

MAX_VALUES = 200_000
"""A scenario file that expands (through YAML aliases) to more values than this is refused."""
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's safe loader when PyYAML has it (fifteen times faster), else the pure-Python one."""
MAX_DEPTH = 40
"""Deepest nesting of mappings and lists a file may have (a scenario file needs about ten)."""
MAX_BYTES = 1024 * 1024
"""Largest scenario or offers file read (the app's upload limit too): a scenario file is a few kB."""

_WITHOUT_INPUT = {"value_error", "missing", "extra_forbidden", "distribution", "assertion_error"}
_SAYS = {
    "greater_than": "must be more than {gt}",
    "greater_than_equal": "must be {ge} or more",
    "less_than": "must be less than {lt}",
    "less_than_equal": "must be {le} or less",
    "int_type": "must be a whole number, e.g. 3",
    "int_parsing": "must be a whole number, e.g. 3",
    "int_from_float": "must be a whole number, e.g. 3",
    "float_type": "must be a number, e.g. 2.5",
    "float_parsing": "must be a number, e.g. 2.5",
    "finite_number": "must be a finite number",
    "bool_type": "write true or false",
    "bool_parsing": "write true or false",
    "string_type": "must be text",
    "literal_error": "write one of {expected}",
    "enum": "write one of {expected}",
}
"""The project's words for pydantic's errors, by error type (a stable part of its API, unlike its messages),
filled with the error's context (the bound, the values allowed)."""
_UNION_TAGS = {"lognormal", "exponential", "fixed", "share", "table", "one spread", "spread per priority"}

MISSING_HINTS: dict[tuple[type[BaseModel], str], str] = {
    (ProviderOffer, "gtr"): "write the GTR of each priority in covered hours, e.g. gtr: {P1: 4h, P2: 8h, P3: 2d, "
                            "P4: none} ('none' for best effort)",
    (ProviderOffer, "performance"): "say how the provider really restores, either the share restored within the "
                                    "GTR per priority, e.g. performance: {" + WITHIN_GTR_EXAMPLE + "}, or a time "
                                    "per priority, e.g. performance: {" + RESTORE_EXAMPLE + "}",
    (ProviderOffer, "fees"): "write at least the monthly fee, e.g. fees: {monthly: 4800 {currency}}",
    (ProviderOffer, "retained"): "outsourcing always leaves someone in-house to steer the provider; write e.g. "
                                 "retained: {fte: 0.3, annual_cost: 80000 {currency}}",
    (SaasOffer, "retained"): "a SaaS still needs someone to administer the tenant and steer the provider; write "
                             "e.g. retained: {fte: 0.1, annual_cost: 80000 {currency}}",
    (SaasOffer, "price_per_user_month"): "write the subscription price, e.g. price_per_user_month: 6 {currency}",
    (SaasOffer, "outages"): "say how often the platform is down and for how long, e.g. "
                            "outages: {per_year: 4, duration: {median: 1h, p90: 4h}}",
    (Fees, "monthly"): "write the fixed monthly fee, e.g. monthly: 4800 {currency}",
    (Retained, "fte"): "write how many people stay in-house, e.g. fte: 0.3 (never zero)",
    (Retained, "annual_cost"): "write the loaded annual cost of one of them, e.g. annual_cost: 80000 {currency}",
}
"""What to write when a required field is missing, by model and field; ``{currency}`` is the file's currency.

Every door that goes through :func:`validate` (scenario files, offers files, filled grids, the app's
editor) gives these hints. A model inherits the hints of its parents (a tender's offer is a provider offer).
"""


def load_study(path: str | Path, lang: str | None = None) -> Study:
    """Read and validate a scenario file (its names in ``lang`` where it translates them)."""
    path = Path(path)
    return study_from_text(read_text(path), source=str(path), lang=lang)


def read_text(path: Path) -> str:
    """A text file of at most :data:`MAX_BYTES`, in UTF-8; anything else is refused with what to do."""
    try:
        with path.open("rb") as handle:
            content = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise ScenarioError([Problem((), "file not found")], source=str(path)) from None
    except IsADirectoryError:
        raise ScenarioError([Problem((), "this is a folder, not a file")], source=str(path)) from None
    except OSError as exc:
        raise ScenarioError([Problem((), f"cannot read the file: {exc.strerror or exc}")], source=str(path)) from None
    if len(content) > MAX_BYTES:
        raise ScenarioError([Problem((), f"the file is larger than {MAX_BYTES // 1024} kB; a scenario file is a few "
                                         "kB")], source=str(path))
    return decode(content, str(path))


def decode(content: bytes, source: str) -> str:
    """UTF-8 text (a byte-order mark is allowed); UTF-16 or Latin-1 files are refused with "save as UTF-8"."""
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise ScenarioError([Problem((), "the file is UTF-16 text: save it as UTF-8 (in Notepad: Save as, "
                                         "Encoding UTF-8)")], source=source)
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        kind = "Latin-1 or Windows-1252 text" if _looks_latin(content) else "not text"
        raise ScenarioError([Problem((), f"the file is not UTF-8 (byte {exc.start + 1} is not valid UTF-8; it looks "
                                         f"like {kind}): save it as UTF-8")], source=source) from None
    if "\x00" in text:
        raise ScenarioError([Problem((), "the file holds NUL characters: it is not a text file")], source=source)
    return text


def _looks_latin(content: bytes) -> bool:
    sample = content[:4096]
    return not any(b < 9 or 13 < b < 32 for b in sample)


def study_from_text(text: str, source: str = "<input>", lang: str | None = None) -> Study:
    """Validate scenario YAML text; ``source`` names it in error messages. With ``lang``, the names and
    descriptions the file translates into that language are used (see :func:`in_language`)."""
    data, root = parse_yaml(text, source)
    problems = translation_problems(data, whole_file=True) if isinstance(data, dict) else []
    if problems:
        raise ScenarioError(_with_lines(problems, root), source=source)
    return study_from_data(data, source=source, root=root, lang=lang)


TRANSLATED = ("name", "description", "provider", "baseline")
"""The fields a scenario file may translate: what people read (names, descriptions, the baseline's name).
Team members (``members``) are left as written: a person's name addresses their random draws."""


def _translated(path: tuple, key: Any) -> bool:
    """Whether the field ``key`` at ``path`` is a text people read: not the offer an option names
    (``scenarios[k].default.hybrid.provider`` is a reference to an offer)."""
    return key in TRANSLATED and not (key == "provider" and path[:1] == ("scenarios",))


def _translatable(node: Any, path: tuple = ()) -> typing.Iterator[tuple[tuple, str]]:
    """(path, text) of every translatable text of the file (``translations`` itself left out)."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("translations", "members") and isinstance(value, (dict, list)):
                continue
            if _translated(path, key) and isinstance(value, str):
                yield (*path, key), value
            else:
                yield from _translatable(value, (*path, key))
    elif isinstance(node, list):
        for k, value in enumerate(node):
            yield from _translatable(value, (*path, k))


def translation_problems(data: dict, whole_file: bool = False) -> list[Problem]:
    """What is wrong with the file's ``translations``: ``{fr: {text as written: its French}}``; with
    ``whole_file`` (a file as written, not data derived from it), each text must be a name or description
    of the file (a misspelt one would never be used)."""
    block = data.get("translations")
    if block is None:
        return []
    if not isinstance(block, dict):
        return [Problem(("translations",), "write the translations as a mapping of languages, e.g. "
                                           "translations: {fr: {In-house: Interne}}")]
    texts = {text for _, text in _translatable(data)}
    problems = []
    for language, table in block.items():
        if language not in LANGUAGES or language == "en":
            problems.append(Problem(("translations", language), f"'{language}' is not a language the app speaks "
                                                                 "(write fr)"))
        elif not isinstance(table, dict):
            problems.append(Problem(("translations", language), "write each text as written in the file, then its "
                                                                 "translation: {In-house: Interne}"))
        else:
            for text, translated in table.items():
                if not isinstance(translated, str) or not translated.strip():
                    problems.append(Problem(("translations", language, str(text)), "write its translation as text"))
                elif whole_file and text not in texts:
                    close = difflib.get_close_matches(str(text), sorted(texts), n=1)
                    hint = f": did you mean '{close[0]}'?" if close else " (a name, description or provider)"
                    problems.append(Problem(("translations", language, str(text)),
                                            f"this text is not in the file{hint}"))
    return problems


def in_language(data: dict, lang: str) -> dict:
    """The file's data with its names and descriptions in ``lang`` where it gives them (a name used as a
    reference, such as the baseline, follows its translation), without the ``translations`` block."""
    table = (data.get("translations") or {}).get(lang) or {}

    def walk(node: Any, path: tuple) -> Any:
        if isinstance(node, dict):
            return {k: (v if k == "members" else table.get(v, v) if _translated(path, k) and isinstance(v, str)
                        else walk(v, (*path, k))) for k, v in node.items() if k != "translations"}
        if isinstance(node, list):
            return [walk(v, (*path, n)) for n, v in enumerate(node)]
        return node

    return walk(data, ())


def parse_yaml(text: str, source: str) -> tuple[Any, yaml.Node | None]:
    """Safe-load YAML and keep its node tree for line numbers; refuse syntax errors and bombs."""
    if len(text) > MAX_BYTES:
        raise ScenarioError([Problem((), f"the text is longer than {MAX_BYTES // 1024} kB; a scenario file is a few "
                                         "kB")], source=source)
    try:
        _check_depth(text, source)
        root = yaml.compose(text, Loader=LOADER)
        data = yaml.constructor.SafeConstructor().construct_document(root) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        reason = getattr(exc, "problem", None) or str(exc)
        context, opened = getattr(exc, "context", None), getattr(exc, "context_mark", None)
        if context and opened is not None and opened.line + 1 != line:
            reason += f" ({context} that starts on line {opened.line + 1})"
        raise ScenarioError([Problem((), f"this is not valid YAML: {reason}", line)], source=source) from None
    except (ValueError, OverflowError) as exc:  # a well-formed scalar that is not a value, e.g. 2027-02-30
        problems = list(_bad_scalars(root, ())) or [Problem((), f"a value cannot be read: {exc}")]
        raise ScenarioError(problems, source=source) from None
    except RecursionError:
        raise ScenarioError([Problem((), f"the file is nested too deeply (more than {MAX_DEPTH} levels)")],
                            source=source) from None
    if root is not None:
        size = _expanded_size(root, {})
        if size > MAX_VALUES:
            raise ScenarioError(
                [Problem((), f"the file expands to more than {MAX_VALUES} values (YAML aliases?); refused")],
                source=source,
            )
        duplicates = list(_duplicate_keys(root, (), set()))
        if duplicates:
            raise ScenarioError(duplicates, source=source)
    return data, root


def _check_depth(text: str, source: str) -> None:
    """Refuse a file nested deeper than :data:`MAX_DEPTH` before the node tree is built (which recurses,
    and would crash on thousands of levels), whatever the installed PyYAML refuses on its own.

    libyaml reads a flow collection ahead of the events it gives, and newer releases of it (the one in
    PyYAML 6.0.4's wheels, for one) refuse 1,000 levels with a parse error of their own before the first
    deep event reaches this check. When the fast reader fails, the pure-Python reader, which has no
    nesting limit and reads at most one line of 1,024 characters ahead, decides whether the file is too
    deep; if it is not, the fast reader's error is the file's problem."""
    try:
        _refuse_deep(yaml.parse(text, Loader=LOADER), source)
    except yaml.YAMLError:
        if LOADER is not yaml.SafeLoader:
            try:
                _refuse_deep(yaml.parse(text, Loader=yaml.SafeLoader), source)
            except yaml.YAMLError:
                pass
        raise


def _refuse_deep(events: typing.Iterable[yaml.Event], source: str) -> None:
    depth = 0
    for event in events:
        if isinstance(event, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            depth += 1
            if depth > MAX_DEPTH:
                raise ScenarioError([Problem((), f"the file is nested more than {MAX_DEPTH} levels deep (lists and "
                                                 "mappings inside one another) where a scenario file needs about "
                                                 "ten: look for a '[' or '{' that is not closed where its list or "
                                                 "mapping ends",
                                             event.start_mark.line + 1)], source=source)
        elif isinstance(event, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            depth -= 1


def study_from_data(data: Any, source: str = "<input>", root: yaml.Node | None = None,
                    lang: str | None = None) -> Study:
    """Validate already-parsed data (a dict, as from YAML or the app's editor) into a Study."""
    return validate(Study, data, source, root, lang)


M = typing.TypeVar("M", bound=BaseModel)


def validate(model: type[M], data: Any, source: str = "<input>", root: yaml.Node | None = None,
             lang: str | None = None) -> M:
    """Validate parsed data into ``model`` (a Study or a Tender); every problem becomes a ScenarioError.
    With ``lang``, the names and descriptions the file translates into it are used (:func:`in_language`)."""
    if not isinstance(data, dict):
        kind = "empty" if data is None else f"a {type(data).__name__}"
        raise ScenarioError([Problem((), f"the file must be a mapping of fields, this one is {kind}")],
                            source=source)
    problems = translation_problems(data)
    if problems:
        raise ScenarioError(_with_lines(problems, root), source=source)
    if lang is not None and lang in (data.get("translations") or {}):
        data = in_language(data, lang)   # a file read in its own language keeps its translations
    unsafe = text_problems(data)
    if unsafe:
        raise ScenarioError(_with_lines([Problem(path, message) for path, message in unsafe], root), source=source)
    currency = data.get("currency", "EUR")
    field = model.model_fields.get("currency")
    known = typing.get_args(field.annotation) if field is not None else ("EUR",)
    try:
        return model.model_validate(data, context={"currency": currency if currency in known else None})
    except ValidationError as exc:
        problems = _quiet([_problem(error, model, currency if currency in known else "EUR")
                           for error in exc.errors()])
        raise ScenarioError(_with_lines(problems, root), source=source) from None
    except ScenarioError as exc:
        raise ScenarioError(_with_lines(exc.problems, root), source=source) from None


def _quiet(problems: list[Problem]) -> list[Problem]:
    """Drop 'missing field x' when the same mapping has a misspelt field that suggests x."""
    suggested = {(p.path[:-1], p.message.rsplit("'", 2)[-2]) for p in problems
                 if "did you mean" in p.message}
    return [p for p in problems
            if not (p.message.startswith("missing field") and (p.path[:-1], str(p.path[-1])) in suggested)]


def _problem(error: Any, model: type[BaseModel] = Study, currency: str = "EUR") -> Problem:
    loc = tuple(part for part in error["loc"] if part not in _UNION_TAGS)
    kind = error["type"]
    message = error["msg"]
    if kind in _SAYS:
        message = _SAYS[kind].format(**{key: _plain(value) for key, value in error.get("ctx", {}).items()})
    elif message.startswith("Value error, "):
        message = message[len("Value error, "):]
    if kind == "extra_forbidden":
        name = loc[-1]
        message = f"unknown field '{name}'"
        allowed = fields_at(loc[:-1], model)
        close = difflib.get_close_matches(str(name), allowed, n=1)
        if close:
            message += f": did you mean '{close[0]}'?"
        elif allowed:
            message += f" (allowed: {', '.join(allowed)})"
    elif kind == "missing":
        message = f"missing field '{loc[-1]}'"
        hint = missing_hint(_model_at(loc[:-1], model), str(loc[-1]))
        if hint:
            message += ": " + hint.replace("{currency}", currency)
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        fields = fields_at(loc, model)
        shape = f" with fields {', '.join(fields)}" if fields else ""
        message = f"expected a mapping{shape}, got {_kind(error.get('input'))}"
    elif kind == "list_type":
        message = f"expected a list, got {_kind(error.get('input'))}"
    elif kind == "too_short":
        message = f"needs at least {error.get('ctx', {}).get('min_length', 1)} entry, found none"
    elif loc and loc[-1] == "[key]":
        loc = loc[:-1]
        message = f"key '{loc[-1]}': {message}"
    elif kind not in _WITHOUT_INPUT and not isinstance(error.get("input"), (dict, list)):
        message += f" (got {error.get('input')!r})"
    return Problem(loc, message)


def _plain(value: Any) -> Any:
    """A bound as a reader writes it: ``0`` not ``0.0``, ``100,000`` not ``100000``."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else value


def missing_hint(model: Any, field: str) -> str | None:
    """The hint for a missing field of ``model`` (or of one of its parents), with ``{currency}`` to fill."""
    if not isinstance(model, type):
        return None
    for parent in model.__mro__:
        hint = MISSING_HINTS.get((parent, field))
        if hint:
            return hint
    return None


def _model_at(path: tuple, root: type[BaseModel]) -> Any:
    """The model class at a path of the schema, or None (a union of models, a list, a plain value)."""
    tp: Any = root
    for part in path:
        tp = _step(tp, part)
        if tp is None:
            return None
    return _unwrap(tp)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def fields_at(path: tuple, root: type[BaseModel] = Study) -> list[str]:
    """Field names allowed at a path of the schema (for 'did you mean')."""
    model: Any = root
    for part in path:
        model = _step(model, part)
        if model is None:
            return []
    model = _unwrap(model)
    if isinstance(model, type) and issubclass(model, BaseModel):
        return [info.alias or name for name, info in model.model_fields.items()]
    return []


def _unwrap(tp: Any) -> Any:
    while True:
        origin = typing.get_origin(tp)
        if origin is typing.Annotated:
            tp = typing.get_args(tp)[0]
        elif origin is typing.Union or str(origin) == "<class 'types.UnionType'>":
            models = [a for a in typing.get_args(tp) if isinstance(_unwrap(a), type)
                      and issubclass(_unwrap(a), BaseModel)]
            if len(models) != 1:
                return None
            tp = models[0]
        else:
            return tp


def _step(tp: Any, part: Any) -> Any:
    tp = _unwrap(tp)
    if tp is None:
        return None
    origin = typing.get_origin(tp)
    if origin in (dict, list):
        return typing.get_args(tp)[-1]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        for name, info in tp.model_fields.items():
            if part in (name, info.alias):
                return info.annotation
    return None


def _with_lines(problems: list[Problem], root: yaml.Node | None) -> list[Problem]:
    if root is None:
        return problems
    return [Problem(p.path, p.message, p.line or _line_of(root, p.path)) for p in problems]


def _line_of(node: yaml.Node, path: tuple) -> int | None:
    line = node.start_mark.line + 1
    for part in path:
        child = None
        if isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if key.value == str(part) or (isinstance(part, int) and key.value == str(part)):
                    child = value
                    break
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            child = node.value[part]
        if child is None:
            return line
        node = child
        line = node.start_mark.line + 1
    return line


def _expanded_size(node: yaml.Node, memo: dict[int, int]) -> int:
    key = id(node)
    if key in memo:
        return memo[key]
    memo[key] = 1  # guards against recursive aliases
    if isinstance(node, yaml.MappingNode):
        size = 1 + sum(_expanded_size(k, memo) + _expanded_size(v, memo) for k, v in node.value)
    elif isinstance(node, yaml.SequenceNode):
        size = 1 + sum(_expanded_size(v, memo) for v in node.value)
    else:
        size = 1
    memo[key] = min(size, MAX_VALUES + 1)
    return memo[key]


def _bad_scalars(node: yaml.Node, path: tuple):
    """Scalars that YAML recognises by their shape but cannot turn into a value (an impossible date)."""
    if isinstance(node, yaml.ScalarNode):
        try:
            yaml.SafeLoader(node.value).get_single_data() if node.tag.endswith(":timestamp") else None
        except (ValueError, OverflowError) as exc:
            yield Problem(path, f"'{node.value}' is not a valid date ({exc})", node.start_mark.line + 1)
    elif isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            yield from _bad_scalars(value, (*path, getattr(key, "value", "?")))
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            yield from _bad_scalars(value, (*path, i))


def _duplicate_keys(node: yaml.Node, path: tuple, visited: set[int]):
    if id(node) in visited:
        return
    visited.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode):
                if key.value in seen and key.value != "<<":
                    yield Problem((*path, key.value), "this key appears twice in the same mapping",
                                  key.start_mark.line + 1)
                seen.add(key.value)
            yield from _duplicate_keys(value, (*path, key.value if isinstance(key, yaml.ScalarNode) else "?"),
                                       visited)
    elif isinstance(node, yaml.SequenceNode):
        for i, value in enumerate(node.value):
            yield from _duplicate_keys(value, (*path, i), visited)


def dump_study(study: Study) -> str:
    """The study written back as YAML in file form (durations, money and shares with their units)."""
    data = study.model_dump(mode="json", by_alias=True, exclude_none=True,
                            context={"currency": study.currency})
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
