"""Moving models from one app to another without losing a row.

A move is three migrations: the new app takes the models into its state with their
old tables (``SeparateDatabaseAndState``, no database change), the old app drops them
from its state, and the new app renames the tables to its own names and takes over
their content types, so that permissions given on them and admin history stay.
"""

from django.db import migrations


def adopted(*create_models):
    """The new app's first migration: the models, as the old app's tables already hold them."""
    return migrations.SeparateDatabaseAndState(state_operations=list(create_models), database_operations=[])


def released(*model_names):
    """The old app's migration that forgets the models; their tables stay where they are."""
    return migrations.SeparateDatabaseAndState(
        state_operations=[migrations.DeleteModel(name) for name in model_names], database_operations=[]
    )


def content_types_moved(old_app: str, new_app: str, models):
    """Give the models' content types (and so their permissions) to the new app. ``models`` lists
    their names, or maps an old name to a new one."""
    names = dict(models) if isinstance(models, dict) else {name: name for name in models}

    def relabel(apps, source: str, target: str, forwards: bool):
        content_type = apps.get_model("contenttypes", "ContentType")
        for old, new in names.items():
            before, after = (old, new) if forwards else (new, old)
            if not content_type.objects.filter(app_label=target, model=after).exists():
                content_type.objects.filter(app_label=source, model=before).update(app_label=target, model=after)

    return migrations.RunPython(
        lambda apps, schema_editor: relabel(apps, old_app, new_app, True),
        lambda apps, schema_editor: relabel(apps, new_app, old_app, False),
    )
