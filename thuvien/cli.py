"""The ``thuvien`` console command: Django management commands with stable, hyphenated names."""

from __future__ import annotations

import os
import sys

# Sub-commands other tools rely on; their hyphenated names map to management command modules.
ALIASES = {
    "import-marc": "import_marc",
    "export-marc": "export_marc",
}
# Commands that must not trigger the automatic first migration.
NO_AUTO_MIGRATE = {
    "migrate",
    "makemigrations",
    "help",
    "--help",
    "-h",
    "version",
    "--version",
    "check",
    "shell",
}


def _ensure_migrated() -> None:
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        from django.core.management import call_command

        print("thuvien: applying database migrations…", file=sys.stderr)
        call_command("migrate", interactive=False, verbosity=0)


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "thuvien.settings")
    import django

    django.setup()
    if argv:
        argv[0] = ALIASES.get(argv[0], argv[0])
        if argv[0] not in NO_AUTO_MIGRATE and not argv[0].startswith("-"):
            _ensure_migrated()
    from django.core.management import execute_from_command_line

    execute_from_command_line(["thuvien", *argv])


if __name__ == "__main__":
    main()
