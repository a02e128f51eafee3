import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from wenming.core.progress import progress_bar
from wenming.org.management.commands._importing import rejected
from wenming.org.models import AreaLevel
from wenming.org.services import ImportRejected, import_areas


class Command(BaseCommand):
    help = "Import one level of areas (with boundaries) from a GeoJSON file, all or nothing."

    def add_arguments(self, parser):
        parser.add_argument("file", help="a GeoJSON FeatureCollection of Polygons/MultiPolygons")
        parser.add_argument("--level", required=True, choices=AreaLevel.values)
        parser.add_argument("--code-property", default="code", help="property holding the official code")
        parser.add_argument("--name-property", default="name", help="property holding the name")
        parser.add_argument(
            "--parent-property", default="parent", help="property holding the parent's code (else taken from the code)"
        )
        parser.add_argument("--gcj02", action="store_true", help="the coordinates are GCJ-02: convert them to WGS-84")
        parser.add_argument("--update", action="store_true", help="replace areas that already exist with the same code")
        parser.add_argument("--generated", action="store_true", help="mark the boundaries as generated, not official")

    def handle(
        self, *args, file, level, code_property, name_property, parent_property, gcj02, update, generated, **options
    ):
        path = Path(file)
        try:
            data = json.loads(path.read_text(encoding="utf-8-sig"))
        except FileNotFoundError:
            raise CommandError(f"File not found: {path}") from None
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise CommandError(f"{path} is not GeoJSON: {exc}") from None
        if not isinstance(data, dict) or data.get("type") != "FeatureCollection":
            raise CommandError(f"{path} is not a GeoJSON FeatureCollection.")
        features = data.get("features") or []
        if not features:
            raise CommandError(f"{path} has no features.")
        try:
            with progress_bar(len(features), f"import {level}") as advance:
                summary = import_areas(
                    features,
                    level,
                    code_property=code_property,
                    name_property=name_property,
                    parent_property=parent_property,
                    gcj02=gcj02,
                    update=update,
                    generated=generated,
                    progress=advance,
                )
        except ImportRejected as exc:
            raise rejected(exc) from None
        self.stdout.write(
            self.style.SUCCESS(f"Imported {summary.created} new and {summary.updated} updated {level} areas.")
        )
