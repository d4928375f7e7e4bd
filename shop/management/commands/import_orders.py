"""``manage.py import_orders PATH``: load a real shop's order history from a file."""

import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError
from tqdm import tqdm

from shop.importing import imports, reading
from shop.importing.summary import report


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise ValueError(text)
    return value


class Command(BaseCommand):
    help = (
        "Import orders, products and shoppers from a .csv, .csv.gz or .xlsx file: the UCI "
        "Online Retail data set (--format online-retail) or the generic columns (see README). "
        "Running it again on the same file adds nothing; bad rows are reported and skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--format", choices=sorted(imports.FORMATS), default="online-retail")
        parser.add_argument(
            "--limit", type=positive_int, default=None, help="Read only the first N rows."
        )
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Read and check the file, say what would be added, write nothing.",
        )
        parser.add_argument(
            "--strict", action="store_true", help="Stop at the first bad row, writing nothing."
        )
        parser.add_argument(
            "--batch-size",
            type=positive_int,
            default=imports.loading.ORDER_BATCH,
            help="Orders per transaction (default %(default)s).",
        )

    def handle(self, *args, **options):
        # tqdm redraws its line with "\r", which Django's OutputWrapper would break.
        stream = options.get("stderr") or sys.stderr
        quiet = options["verbosity"] == 0
        bars = {}

        def advance(name: str, unit: str):
            """A progress bar for one step, opened on its first update; it closes the
            step's before."""

            def update(count: int):
                if name not in bars:
                    for bar in bars.values():
                        bar.close()
                    bars[name] = tqdm(
                        desc=name,
                        unit=unit,
                        unit_scale=True,
                        file=stream,
                        disable=quiet,
                        dynamic_ncols=True,
                    )
                bars[name].update(count)

            return update

        try:
            summary = imports.import_orders(
                options["path"],
                format=options["format"],
                limit=options["limit"],
                strict=options["strict"],
                dry_run=options["dry_run"],
                batch=options["batch_size"],
                on_rows=advance("Reading", "row"),
                on_orders=advance("Storing orders", "order"),
            )
        except reading.ReadError as error:
            raise CommandError(str(error)) from error
        except IntegrityError as error:
            raise CommandError(
                "Another import stored some of the same orders, products or shoppers at the same "
                "time; what this one had stored is complete. Run it again to finish."
            ) from error
        finally:
            for bar in bars.values():
                bar.close()
        self.stdout.write("\n".join(report(summary)))
