from django.core.management.base import BaseCommand, CommandError

from wenming.cases.simulation import DEFAULT_BATCH, SimulationError, check_arguments, parse_day, simulate
from wenming.core.progress import progress_bar


class Command(BaseCommand):
    help = "Generate a realistic stream of cases for the demo city."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, required=True, help="how many days of cases, ending today (or --until)")
        parser.add_argument("--cases-per-day", type=int, required=True, help="cases per day on average")
        parser.add_argument(
            "--seed", type=int, help="the same seed gives the same cases (default: a random one, printed)"
        )
        parser.add_argument("--until", help="last simulated day, YYYY-MM-DD (default today, up to now)")
        parser.add_argument(
            "--batch", type=int, default=DEFAULT_BATCH, help=f"cases written per transaction (default {DEFAULT_BATCH})"
        )

    def handle(self, *args, days, cases_per_day, seed, until, batch, **options):
        try:
            until = parse_day(until) if until is not None else None
            check_arguments(days, cases_per_day, until, batch)
            with progress_bar(days * cases_per_day, "simulate") as advance:
                result = simulate(days, cases_per_day, seed, until=until, progress=advance, batch=batch)
        except SimulationError as exc:
            raise CommandError(str(exc)) from None
        self.print_summary(result)

    def print_summary(self, r):
        write = self.stdout.write
        write(
            self.style.SUCCESS(
                f"Simulated {r['cases']:,} cases from {r['first_day']} to {r['last_day']} (seed {r['seed']})."
            )
        )
        write(f"events: {r['events']:,} ({r['events'] / max(r['cases'], 1):.1f} per case), requests: {r['requests']:,}")
        cases = max(r["cases"], 1)
        write("by status: " + ", ".join(f"{status} {n:,} ({n / cases:.1%})" for status, n in r["by_status"].items()))
        write(f"overdue: {r['overdue']:,} ({r['overdue_share']:.1%})")
        write(
            f"time: {r['seconds']:.1f} s, {r['cases_per_second']:,.0f} cases/s with their events; "
            f"peak RSS {r['peak_rss_mib']:,.0f} MiB (writer), {r['generator_peak_rss_mib']:,.0f} MiB (generator)"
        )
