from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from wenming.core.progress import progress_bar
from wenming.coverage.errors import CoverageError
from wenming.coverage.models import Method, Run
from wenming.coverage.services import coverage, datasets
from wenming.org.management.commands._importing import rejected
from wenming.org.services import ImportRejected


class Command(BaseCommand):
    help = (
        "Service coverage: import street networks and facility lists, compute 300米见绿、500米入园, toilets and bins."
    )

    def add_arguments(self, parser):
        actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
        osm = actions.add_parser("import-osm", help="import an OpenStreetMap extract (.osm.pbf)")
        osm.add_argument("file")
        osm.add_argument("--boundary", help="a GeoJSON file to clip to instead of the city's own boundary")
        osm.add_argument("--boundary-gcj02", action="store_true", help="the boundary file is in GCJ-02: convert it")
        own = actions.add_parser("import-list", help="import the city's own list (CSV, Excel or GeoJSON)")
        own.add_argument("file")
        own.add_argument(
            "--kind", help="the kind of every row (else the file's kind column): park, green, toilet, bin, …"
        )
        own.add_argument("--gcj02", action="store_true", help="the coordinates are GCJ-02: convert them to WGS-84")
        compute = actions.add_parser("run", help="compute coverage and print the table by district")
        compute.add_argument("--method", choices=["network", "buffer", "both"], default="both")
        actions.add_parser("show", help="print the table of the latest run")

    def handle(self, *args, action, **options):
        try:
            getattr(self, "_" + action.replace("-", "_"))(**options)
        except ImportRejected as exc:
            raise rejected(exc) from None
        except CoverageError as exc:
            raise CommandError(str(exc)) from None

    def _import_osm(self, *, file, boundary, boundary_gcj02, **options):
        clip = datasets.read_boundary(boundary, gcj02=boundary_gcj02) if boundary else None
        size = Path(file).stat().st_size if Path(file).is_file() else None
        with progress_bar(None, f"read {Path(file).name}" + (f" ({size / 1e6:.0f} MB)" if size else "")) as advance:
            dataset = datasets.import_osm(file, boundary=clip, progress=advance)
        counts = ", ".join(f"{n} {kind}" for kind, n in sorted(dataset.counts.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {dataset.file_name}: {dataset.node_count} nodes, {dataset.edge_count} segments; {counts}."
            )
        )

    def _import_list(self, *, file, kind, gcj02, **options):
        dataset = datasets.import_list(file, kind=kind, gcj02=gcj02)
        counts = ", ".join(f"{n} {k}" for k, n in sorted(dataset.counts.items()))
        self.stdout.write(
            self.style.SUCCESS(
                f"Imported {dataset.file_name}: {counts}. The city's list now takes precedence for these kinds."
            )
        )

    def _run(self, *, method, **options):
        methods = [Method.NETWORK, Method.BUFFER] if method == "both" else [Method(method)]
        with progress_bar(6, "coverage") as advance:
            result = coverage.run(methods=methods, progress=advance)
        self._print(result)

    def _show(self, **options):
        result = Run.objects.first()
        if result is None:
            raise CommandError("No coverage has been computed yet: run `wenming coverage run`.")
        self._print(result)

    def _print(self, result: Run):
        methods = result.methods
        self.stdout.write(
            f"Coverage run {result.pk} · {timezone.localtime(result.created_at):%Y-%m-%d %H:%M} · data version "
            f"{result.data_version[:12]} · {result.duration_s:.1f} s"
            + (" · ON GENERATED DATA" if result.is_generated else "")
        )
        head = f"{'area':<16}{'land ha':>10}" + "".join(f"{'park ' + m:>16}" for m in methods)
        head += "".join(f"{'toilet ' + m:>16}" for m in methods)
        self.stdout.write(head)
        for row in result.areas:
            if row["level"] == "street":
                continue
            line = f"{row['name'][:14]:<16}{row['land_ha']:>10.1f}"
            line += "".join(f"{_pct(row['park'].get(m)):>16}" for m in methods)
            line += "".join(f"{_pct(row['toilet'].get(m)):>16}" for m in methods)
            self.stdout.write(line)
        gaps = {}
        for gap in result.gaps:
            gaps[gap["kind"]] = gaps.get(gap["kind"], 0) + 1
        if gaps:
            self.stdout.write("Gaps along streets: " + ", ".join(f"{n} for {k}" for k, n in gaps.items()))
        for purpose, picks in result.candidates.items():
            if picks:
                best = picks[0]
                self.stdout.write(f"Best candidate for a new {purpose}: {best['name']} (+{best['gain_pct']} points)")


def _pct(value) -> str:
    return "–" if value is None else f"{value:.1f}%"
