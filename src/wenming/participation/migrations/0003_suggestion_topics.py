"""The topics a new installation offers for suggestions (data: names in Chinese)."""

from django.db import migrations


def seed(apps, schema_editor):
    from wenming.participation.services.suggestions import seed_topics

    seed_topics(apps.get_model("participation", "SuggestionTopic"))


def unseed(apps, schema_editor):
    from wenming.participation.services.suggestions import DEFAULT_TOPICS

    topic = apps.get_model("participation", "SuggestionTopic")
    suggestion = apps.get_model("participation", "Suggestion")
    used = suggestion.objects.values("topic_id")
    topic.objects.filter(name__in=[name for name, _order in DEFAULT_TOPICS]).exclude(pk__in=used).delete()


class Migration(migrations.Migration):
    dependencies = [("participation", "0002_point_rules")]
    operations = [migrations.RunPython(seed, unseed)]
