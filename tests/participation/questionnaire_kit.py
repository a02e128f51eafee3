"""Helpers for the questionnaire tests: items described in a line, questionnaires built through the services."""

from django.urls import reverse

from wenming.participation.services import questionnaires as services


def choice(text, *labels, kind="single", scores=None, required=True, other=False, scored=False, show_if=None):
    """Item data for ``services.add_item``; ``show_if=("q1", ["o1"])``."""
    scores = scores or [None] * len(labels)
    data = {
        "kind": kind,
        "text": text,
        "required": required,
        "allow_other": other,
        "scored": scored,
        "options": [{"key": "", "label": label, "score": score} for label, score in zip(labels, scores, strict=True)],
    }
    if show_if:
        data["show_if_item"], data["show_if_values"] = show_if[0], list(show_if[1])
    return data


def scale(text, low=1, high=5, *, required=True, scored=False, show_if=None, labels=("", "")):
    data = {
        "kind": "scale",
        "text": text,
        "scale_min": low,
        "scale_max": high,
        "required": required,
        "scored": scored,
        "scale_min_label": labels[0],
        "scale_max_label": labels[1],
    }
    if show_if:
        data["show_if_item"], data["show_if_values"] = show_if[0], list(show_if[1])
    return data


def text(text, *, required=False, show_if=None):
    data = {"kind": "text", "text": text, "required": required}
    if show_if:
        data["show_if_item"], data["show_if_values"] = show_if[0], list(show_if[1])
    return data


def build(city, *items, publish=True, title="市民满意度调查", **settings):
    """A questionnaire with ``items``, published (open now) unless ``publish=False``."""
    admin = city.users["campaign_admin"]
    questionnaire = services.create_questionnaire(admin, title=title, **settings)
    for item in items:
        services.add_item(questionnaire, admin, item)
    if publish:
        services.publish(questionnaire, admin)
    questionnaire.refresh_from_db()
    return questionnaire


def answer_url(questionnaire):
    return reverse("participation:questionnaire_answer", args=[questionnaire.pk])


def answer(client, questionnaire, data, *, fresh=True):
    """Open the page (which gives the session its token), then send ``data``."""
    if fresh:
        client.get(answer_url(questionnaire))
    return client.post(answer_url(questionnaire), data)


def in_english(client):
    """Pages in English, to read messages word for word (the site speaks Chinese first)."""
    from django.conf import settings

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client
