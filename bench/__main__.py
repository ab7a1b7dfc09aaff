"""Entry point: ``python -m bench fill|timeline|deals|bulk|scoring|write|import|export|dedup|measure|
experiment``."""

from __future__ import annotations

import argparse
import os
import time

from bench.experiment import EXPERIMENTS


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)
    fill = commands.add_parser("fill", help="load a realistic Russian client base (migrate first)")
    fill.add_argument("--contacts", type=int, default=1_000_000)
    fill.add_argument("--companies", type=int, default=100_000)
    fill.add_argument("--seed", type=int, default=20261123)
    fill.add_argument("--append", action="store_true", help="add to a database that already has contacts")
    timeline = commands.add_parser(
        "timeline", help="add timeline entries and tasks to a filled base (issue 5)"
    )
    timeline.add_argument("--entries", type=int, default=5_000_000)
    timeline.add_argument("--tasks", type=int, default=1_000_000)
    timeline.add_argument("--seed", type=int, default=20261124)
    deals = commands.add_parser("deals", help="add deals to a filled base (issue 15)")
    deals.add_argument("--deals", type=int, default=300_000)
    deals.add_argument("--open", type=int, default=50_000, help="how many of them are open")
    deals.add_argument("--orders", type=int, default=3_000_000)
    deals.add_argument("--seed", type=int, default=20261206)
    write = commands.add_parser("write", help="write generated new contacts through the batch path")
    write.add_argument("--rows", type=int, default=100_000)
    write.add_argument("--seed", type=int, default=20261205)
    import_ = commands.add_parser("import", help="import a generated Windows-1251 file end to end")
    import_.add_argument("--rows", type=int, default=100_000)
    import_.add_argument("--seed", type=int, default=20261206)
    import_.add_argument("--undo", action="store_true", help="then undo the whole batch, timed")
    import_.add_argument("--again", action="store_true", help="then import the same file again (fill), timed")
    import_.add_argument(
        "--changed",
        action="store_true",
        help="then the same people with another city (overwrite: every card updated), timed",
    )
    export = commands.add_parser("export", help="export the whole list end to end, timed")
    export.add_argument("--format", default="csv", choices=("csv", "csv1251", "xlsx", "vcf"))
    export.add_argument("--kind", default="contact", choices=("contact", "company"))
    dedup = commands.add_parser("dedup", help="time the duplicate check of a new card, and the finder")
    dedup.add_argument("--runs", type=int, default=200)
    dedup.add_argument("--finder", action="store_true", help="also run the finder over the whole base")
    measure = commands.add_parser("measure", help="time search, lists and the card in-process")
    measure.add_argument("--runs", type=int, default=200)
    measure.add_argument("--warmup", type=int, default=5)
    measure.add_argument(
        "--explain", action="store_true", help="also write the plan of each case's slowest query"
    )
    measure.add_argument("--only", default="", help="run only the cases whose name matches this regex")
    bulk = commands.add_parser("bulk", help="a bulk tag of a segment's members and its undo, timed")
    bulk.add_argument("--cards", type=int, default=100_000)
    bulk.add_argument("--tag", default="Бенчмарк")
    bulk.add_argument(
        "--verb",
        default="tag",
        choices=("tag", "task", "done", "due", "reopen"),
        help="task: a task for each card; done, due: open tasks marked done, or moved on; reopen: done ones",
    )
    scoring = commands.add_parser("scoring", help="load lead signals, then time the scores' counts (R5.4)")
    scoring.add_argument("--signals", type=int, default=2_000_000)
    scoring.add_argument("--people", type=int, default=300_000)
    scoring.add_argument("--runs", type=int, default=200)
    scoring.add_argument("--seed", type=int, default=20261207)
    scoring.add_argument("--nights", type=int, default=0, help="on a loaded base: time N nights' fading")
    experiment = commands.add_parser("experiment", help="add or drop an index a finding suggests")
    experiment.add_argument("action", choices=("on", "off"))
    experiment.add_argument("names", nargs="+", choices=EXPERIMENTS)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "crm.settings")
    import django

    django.setup()
    started = time.perf_counter()
    if args.command == "fill":
        from bench import fill as command

        command.run(contacts=args.contacts, companies=args.companies, seed=args.seed, append=args.append)
    elif args.command == "timeline":
        from bench import timeline as command

        command.run(entries=args.entries, tasks=args.tasks, seed=args.seed)
    elif args.command == "deals":
        from bench import deals as command

        command.run(deals=args.deals, open_deals=args.open, orders=args.orders, seed=args.seed)
    elif args.command == "write":
        from bench import write as command

        command.run(rows=args.rows, seed=args.seed)
    elif args.command == "import":
        from bench import import_file as command

        command.run(rows=args.rows, seed=args.seed, undo=args.undo, again=args.again, changed=args.changed)
    elif args.command == "export":
        from bench import export_list as command

        command.run(file_format=args.format, kind=args.kind)
    elif args.command == "dedup":
        from bench import dedup_speed as command

        command.run(runs=args.runs, finder=args.finder)
    elif args.command == "bulk":
        from bench import bulk as command

        command.run(cards=args.cards, tag=args.tag, verb=args.verb)
    elif args.command == "scoring":
        from bench import scoring as command

        command.run(
            signals=args.signals, people=args.people, runs=args.runs, seed=args.seed, nights=args.nights
        )
    elif args.command == "experiment":
        from bench import experiment as command

        command.run(action=args.action, names=args.names)
    else:
        from bench import measure as command

        command.run(runs=args.runs, warmup=args.warmup, explain=args.explain, only=args.only)
    if args.command not in ("write", "import", "export"):  # their last line is the figure, "rows/s N"
        print(f"{args.command}: {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
