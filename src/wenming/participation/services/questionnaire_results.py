"""What the answers to a questionnaire say: counts and shares, per-area breakdown, the Excel
table with a stable column order, and scores for the evaluation framework.

Everything reads the stored responses of every version; an item is known by its key, its
wording and answers taken from the newest version that has it.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from wenming.org.models import Area
from wenming.participation.models import Answer, Item, ItemKind, Response
from wenming.participation.services.questionnaires import CHOICE_KINDS, OTHER

TEXTS_SHOWN = 200  # text answers listed on the results page (the export has them all)


@dataclass
class ItemInfo:
    """One question across all versions."""

    key: str
    kind: str
    text: str
    options: dict = field(default_factory=dict)  # option key → label, in first-appearance order
    allow_other: bool = False  # in any version
    scale_min: int = 1
    scale_max: int = 5
    scale_min_label: str = ""
    scale_max_label: str = ""


def catalogue(questionnaire) -> list[ItemInfo]:
    """Every item key of every version, in the order of first appearance (version, then position)."""
    infos: dict[str, ItemInfo] = {}
    items = Item.objects.filter(version__questionnaire=questionnaire).order_by("version__number", "order", "id")
    for item in items:
        info = infos.get(item.key)
        if info is None:
            info = infos[item.key] = ItemInfo(key=item.key, kind=item.kind, text=item.text)
        # Later versions win for wording; options and "other" accumulate.
        info.kind, info.text = item.kind, item.text
        for option in item.options or []:
            info.options[option["key"]] = option["label"]
        info.allow_other = info.allow_other or item.allow_other
        if item.kind == ItemKind.SCALE:
            info.scale_min, info.scale_max = item.scale_min, item.scale_max
            info.scale_min_label, info.scale_max_label = item.scale_min_label, item.scale_max_label
    return list(infos.values())


def responses(questionnaire, *, since=None, until=None, version=None, area=None):
    """The responses, narrowed: submitted in [since, until), to version number ``version``,
    from ``area`` or any area below it."""
    found = Response.objects.filter(questionnaire=questionnaire)
    if since is not None:
        found = found.filter(submitted_at__gte=since)
    if until is not None:
        found = found.filter(submitted_at__lt=until)
    if version:
        found = found.filter(version__number=version)
    if area is not None:
        found = found.filter(area__path__startswith=area.path)
    return found


def _answers_by_response(response_ids) -> dict[int, dict[str, tuple]]:
    by_response: dict[int, dict] = defaultdict(dict)
    rows = Answer.objects.filter(response_id__in=response_ids).values_list(
        "response_id", "item_key", "value", "other_text"
    )
    for response_id, key, value, other_text in rows.iterator(chunk_size=5000):
        by_response[response_id][key] = (value, other_text)
    return by_response


def _chunks(values, size=2000):
    values = list(values)
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _load(found):
    """[(response row, {key: (value, other_text)})] for a queryset of responses, oldest first."""
    rows = list(
        found.order_by("submitted_at", "id").values(
            "id", "submitted_at", "version_id", "version__number", "area__path", "area__code"
        )
    )
    answers = {}
    for chunk in _chunks(r["id"] for r in rows):
        answers.update(_answers_by_response(chunk))
    return [(row, answers.get(row["id"], {})) for row in rows]


def _child_code(path: str | None, depth: int) -> str | None:
    """The code of the area ``depth`` levels below the root on the way to ``path``."""
    codes = (path or "").strip("/").split("/") if path else []
    return codes[depth] if len(codes) > depth else None


def _depth(area) -> int:
    return len(area.path.strip("/").split("/")) if area is not None else 1


# ---------------------------------------------------------------------------
# Scores


def _item_definitions(version_ids) -> dict[int, dict[str, Item]]:
    by_version: dict[int, dict[str, Item]] = defaultdict(dict)
    for item in Item.objects.filter(version_id__in=set(version_ids)):
        by_version[item.version_id][item.key] = item
    return by_version


def answer_score(item, value) -> float | None:
    """One answer's score from 0 to 100, or None when it has none (unscored item or answer)."""
    if item is None or not item.scored or value is None:
        return None
    if item.kind in CHOICE_KINDS:
        scores = {o["key"]: o.get("score") for o in item.options or []}
        chosen = value if isinstance(value, list) else [value]
        values = [float(scores[k]) for k in chosen if scores.get(k) is not None]
        return sum(values) / len(values) if values else None
    if item.kind == ItemKind.SCALE and isinstance(value, (int, float)) and item.scale_max > item.scale_min:
        return (value - item.scale_min) / (item.scale_max - item.scale_min) * 100
    return None


def score(questionnaire, *, area=None, since=None, until=None) -> dict:
    """The satisfaction score of a questionnaire, its items and its areas, from 0 to 100.

    Only items marked "counts in the score" count, each answer under the definition of the
    version it answered:

    - single choice: the chosen option's score (options without a score, and "other", count not);
    - multiple choice: the mean of the chosen options' scores (those that have one);
    - scale: (v − min) / (max − min) × 100.

    An item's score is the mean of its answers' scores; the questionnaire's score is the mean
    of the item scores weighted by their numbers of answers, which is the mean of all scored
    answers. ``area`` narrows to responses from that area or any area below it
    (``Area.path`` starts with its path); ``since``/``until`` to those submitted in
    [since, until). ``areas`` maps the code of each area one level below ``area`` (the
    districts when there is no ``area``) to the score of its responses; responses that name no
    area that deep count in the total only.

    Returns ``{"score": float | None, "responses": n, "items": {key: {"score", "answers"}},
    "areas": {area_code: float | None}}``; a score is None when nothing scored was answered."""
    return _score(_load(responses(questionnaire, since=since, until=until, area=area)), _depth(area))


def _score(loaded, depth) -> dict:
    definitions = _item_definitions(row["version_id"] for row, _answers in loaded)
    item_sums: dict[str, list] = {}
    area_sums: dict[str, list] = {}
    total = [0.0, 0]
    for row, answers in loaded:
        child = _child_code(row["area__path"], depth)
        if child is not None:
            area_sums.setdefault(child, [0.0, 0])
        for key, item in definitions[row["version_id"]].items():
            if not item.scored:
                continue
            sums = item_sums.setdefault(key, [0.0, 0])
            value = answers.get(key, (None, ""))[0]
            points = answer_score(item, value)
            if points is None:
                continue
            for bucket in (sums, total, area_sums[child] if child is not None else None):
                if bucket is not None:
                    bucket[0] += points
                    bucket[1] += 1

    def mean(bucket):
        return bucket[0] / bucket[1] if bucket[1] else None

    return {
        "score": mean(total),
        "responses": len(loaded),
        "items": {key: {"score": mean(b), "answers": b[1]} for key, b in item_sums.items()},
        "areas": {code: mean(b) for code, b in sorted(area_sums.items())},
    }


# ---------------------------------------------------------------------------
# Results page


def _share(n, of) -> float:
    return round(n * 100 / of, 1) if of else 0.0


def results(questionnaire, *, since=None, until=None, version=None, area=None) -> dict:
    """Counts and shares per option, scale means and distributions, text answers and the
    breakdown by area (districts, or the streets of ``area``), for the responses narrowed so."""
    infos = catalogue(questionnaire)
    loaded = _load(responses(questionnaire, since=since, until=until, version=version, area=area))
    depth = _depth(area)
    area_counts: Counter = Counter()
    unknown_area = 0
    stats = {info.key: _empty_stats() for info in infos}
    infos_by_key = {info.key: info for info in infos}
    for row, answers in loaded:
        child = _child_code(row["area__path"], depth)
        if child is None:
            unknown_area += 1
        else:
            area_counts[child] += 1
        for key, (value, other_text) in answers.items():
            if key in stats and value is not None:
                _count(infos_by_key[key], stats[key], value, other_text, row, child)
    names = dict(Area.objects.filter(code__in=list(area_counts)).values_list("code", "name"))
    area_codes = sorted(area_counts)
    # Scores cover every version; narrowed to one version, the page shows none.
    scores = _score(loaded, depth) if not version else None
    total = len(loaded)
    items = [_finish(info, stats[info.key], total, area_codes, names) for info in infos]
    return {
        "responses": total,
        "items": items,
        "areas": [
            {
                "code": code,
                "name": names.get(code, code),
                "responses": area_counts[code],
                "share": _share(area_counts[code], total),
                "score": scores["areas"].get(code) if scores else None,
            }
            for code in area_codes
        ],
        "area_names": names,
        "unknown_area": unknown_area,
        "score": scores,
    }


def _empty_stats() -> dict:
    return {
        "answered": 0,
        "counts": Counter(),
        "other_texts": [],
        "values": [],
        "texts": [],
        "by_area": defaultdict(Counter),
        "area_answered": Counter(),
        "area_sum": Counter(),
    }


def _count(info, stats, value, other_text, row, child) -> None:
    stats["answered"] += 1
    if child is not None:
        stats["area_answered"][child] += 1
    if info.kind == ItemKind.TEXT:
        stats["texts"].append((row["submitted_at"], str(value)))
        return
    if info.kind == ItemKind.SCALE:
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            stats["values"].append(value)
            stats["counts"][value] += 1
            if child is not None:
                stats["area_sum"][child] += value
                stats["by_area"][child][value] += 1
        return
    for part in value if isinstance(value, list) else [value]:
        stats["counts"][part] += 1
        if child is not None:
            stats["by_area"][child][part] += 1
    if other_text:
        stats["other_texts"].append((row["submitted_at"], other_text))


def _finish(info, stats, total, area_codes, names) -> dict:
    answered = stats["answered"]
    result = {
        "key": info.key,
        "kind": info.kind,
        "text": info.text,
        "answered": answered,
        "answered_share": _share(answered, total),
    }
    if info.kind in CHOICE_KINDS:
        choices = list(info.options.items())
        if info.allow_other or stats["counts"].get(OTHER):
            choices.append((OTHER, _("Other")))
        result["options"] = [
            {
                "key": key,
                "label": label,
                "count": stats["counts"].get(key, 0),
                "share": _share(stats["counts"].get(key, 0), answered),
            }
            for key, label in choices
        ]
        result["other_texts"] = [text for _when, text in reversed(stats["other_texts"])][:TEXTS_SHOWN]
        result["other_count"] = len(stats["other_texts"])
        result["by_area"] = [
            {
                "code": code,
                "name": names.get(code, code),
                "answered": stats["area_answered"][code],
                "counts": [stats["by_area"][code].get(key, 0) for key, _label in choices],
            }
            for code in area_codes
        ]
    elif info.kind == ItemKind.SCALE:
        values = stats["values"]
        result["mean"] = round(sum(values) / len(values), 2) if values else None
        result["scale_min"], result["scale_max"] = info.scale_min, info.scale_max
        result["scale_min_label"], result["scale_max_label"] = info.scale_min_label, info.scale_max_label
        steps = range(info.scale_min, info.scale_max + 1)
        extra = sorted(v for v in stats["counts"] if v not in steps)  # answers to an older, wider scale
        result["distribution"] = [
            {"value": v, "count": stats["counts"].get(v, 0), "share": _share(stats["counts"].get(v, 0), answered)}
            for v in [*steps, *extra]
        ]
        result["by_area"] = [
            {
                "code": code,
                "name": names.get(code, code),
                "answered": stats["area_answered"][code],
                "mean": round(stats["area_sum"][code] / stats["area_answered"][code], 2)
                if stats["area_answered"][code]
                else None,
            }
            for code in area_codes
        ]
    else:
        texts = [text for _when, text in reversed(stats["texts"])]
        result["texts"] = texts[:TEXTS_SHOWN]
        result["text_count"] = len(texts)
    return result


# ---------------------------------------------------------------------------
# Excel


def export_table(questionnaire, found) -> tuple[list[str], object]:
    """Headers and rows for the Excel export of ``found`` (responses of ``questionnaire``).

    The columns never depend on which responses are exported: response id, submitted at,
    version, district, street, then every item key of every version in first-appearance
    order: single choice its answer (and the "other" words if any version offered "other"),
    multiple choice one column per option key (1 chosen, 0 offered but not chosen) and the "other" words,
    scale the number, text the text. A question not asked or not answered leaves its cells blank."""
    infos = catalogue(questionnaire)
    headers = [_("response id"), _("submitted at"), _("version"), _("district"), _("street")]
    columns = []  # (key, what, option key)
    for info in infos:
        title = f"{info.key} {info.text}"
        if info.kind == ItemKind.MULTIPLE:
            for option_key, label in info.options.items():
                headers.append(f"{info.key}.{option_key} {info.text}: {label}")
                columns.append((info, "option", option_key))
            if info.allow_other:
                headers.append(f"{info.key}.{OTHER} {info.text}: {_('Other')}")
                columns.append((info, "other_text", OTHER))
        else:
            headers.append(title)
            columns.append((info, "value", None))
            if info.kind == ItemKind.SINGLE and info.allow_other:
                headers.append(f"{info.key}.{OTHER} {info.text}: {_('Other')}")
                columns.append((info, "other_text", OTHER))
    loaded = _load(found)
    definitions = _item_definitions(row["version_id"] for row, _answers in loaded)
    paths = {row["area__path"] for row, _answers in loaded if row["area__path"]}
    codes = {code for path in paths for code in path.strip("/").split("/")[1:3]}
    names = dict(Area.objects.filter(code__in=codes).values_list("code", "name"))

    def rows():
        for row, answers in loaded:
            district, street = _child_code(row["area__path"], 1), _child_code(row["area__path"], 2)
            cells = [
                row["id"],
                row["submitted_at"],
                row["version__number"],
                names.get(district, ""),
                names.get(street, ""),
            ]
            asked = definitions[row["version_id"]]
            for info, what, option_key in columns:
                value, other_text = answers.get(info.key, (None, ""))
                cells.append(_cell(info, what, option_key, value, other_text, asked.get(info.key)))
            yield cells

    return headers, rows()


def _cell(info, what, option_key, value, other_text, item):
    if value is None:
        return None
    if what == "other_text":
        return other_text if other_text else None
    if what == "option":
        if option_key in (value if isinstance(value, list) else [value]):
            return 1
        offered = item is not None and any(o["key"] == option_key for o in item.options or [])
        return 0 if offered else None
    if info.kind == ItemKind.SINGLE:
        return _("Other") if value == OTHER else info.options.get(value, value)
    return value
