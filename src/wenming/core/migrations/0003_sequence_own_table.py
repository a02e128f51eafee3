from django.db import migrations, models

from wenming.core.moving import content_types_moved


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_sequence"),
        ("cases", "0008_sequences_moved"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [
        migrations.AlterModelTable(name="sequence", table=None),
        migrations.AlterField(model_name="sequence", name="prefix", field=models.CharField(max_length=40, unique=True)),
        content_types_moved("cases", "core", {"casesequence": "sequence"}),
    ]
