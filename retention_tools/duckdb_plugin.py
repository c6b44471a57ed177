"""The dbt-duckdb plugin that reads the raw files (profiles.yml: the `plugins` of the DuckDB
targets, with the profile's folder on `module_paths` so that dbt imports this checkout's code).

A dbt command that runs the project's on-run-start hooks (READING_COMMANDS: build, run, test,
seed, snapshot, source freshness, retry, docs generate) reads the raw directory into var raw_schema with
retention_tools.raw_files, once, when it first opens a DuckDB connection (dbt-duckdb calls
``configure_cursor`` for every connection it opens), before any hook or node runs, and only
with var raw_from_files true; with var churn_upload_from: file (the default) it reads the
upload file (var churn_upload_file) too. The directory is RAW_DATA_DIR (a relative path is taken from the
working directory), by default data/raw of the dbt project; the vars are the command's
(dbt_project.yml, then --vars). Other commands (compile, show, docs generate, run-operation,
debug, ...) find the raw tables as the last reading command left them.

Its messages (a missing file, a file lacking columns) are dbt's log lines; a file the reader
refuses stops the command with the reader's message and leaves the raw tables as they were.
Every connection of a command that read holds the DuckDB variable ``retention_raw_files_read``
(the command's invocation id), which the on-run-start hook checks (macro engine_run_start), so
that a DuckDB profile without this plugin stops the build instead of building from the raw
tables a previous command left.

Reading per command, not per database: dbt-duckdb keeps its database open for the whole
Python process (``configure_connection`` runs once per process), and a process may run
several dbt commands (dbtRunner).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import duckdb
from dbt.adapters.duckdb.plugins import BasePlugin
from dbt.adapters.events.logging import AdapterLogger
from dbt.flags import get_flags
from dbt_common.exceptions import DbtRuntimeError
from dbt_common.invocation import get_invocation_id

from retention_tools.project_vars import dbt_vars
from retention_tools.raw_files import RawFileError, quote_string, register_raw_tables, register_upload, upload_file

# The dbt commands (get_flags().WHICH) that read the raw files: those that run on-run-start hooks.
READING_COMMANDS = frozenset({"build", "run", "test", "seed", "snapshot", "freshness", "retry", "generate"})
READ_VARIABLE = "retention_raw_files_read"

logger = AdapterLogger("DuckDB")


class Plugin(BasePlugin):
    """Reads RAW_DATA_DIR into var raw_schema when a dbt command first opens a connection."""

    def initialize(self, plugin_config: dict) -> None:
        self._lock = threading.Lock()  # dbt opens connections from several threads
        self._invocation: str | None = None  # the dbt command the state below is about
        self._read = False  # it read the raw files
        self._refused: str | None = None  # it stopped with this message

    def configure_cursor(self, cursor: duckdb.DuckDBPyConnection) -> None:
        """Called for each connection dbt opens, with the profile's settings applied."""
        with self._lock:
            invocation = get_invocation_id()
            if invocation != self._invocation:
                self._invocation, self._read, self._refused = invocation, False, None
                try:
                    self._read = read_for_command(cursor)
                except DbtRuntimeError as exc:
                    self._refused = exc.msg
            if self._refused is not None:
                raise DbtRuntimeError(self._refused)  # on every connection the command tries
        if self._read:
            cursor.execute(f"set variable {READ_VARIABLE} = {quote_string(invocation)}")


def read_for_command(cursor: duckdb.DuckDBPyConnection) -> bool:
    """Read the raw files into var raw_schema when the running dbt command is one that does;
    whether it read. A file the reader refuses raises DbtRuntimeError with its message."""
    flags = get_flags()
    if getattr(flags, "WHICH", None) not in READING_COMMANDS:
        return False
    project_dir = Path(getattr(flags, "PROJECT_DIR", None) or Path.cwd())
    settings = dbt_vars(project_dir, getattr(flags, "VARS", None) or {})
    if str(settings.get("raw_from_files", True)).lower() != "true":
        return False  # the raw tables are read where they are
    raw_dir = os.environ.get("RAW_DATA_DIR") or str(project_dir / "data" / "raw")
    try:
        register_raw_tables(cursor, raw_dir, settings["raw_schema"], settings["raw_table_columns"], log=logger.info)
        if settings.get("churn_upload_from", "file") == "file":
            register_upload(cursor, upload_file(project_dir, settings), settings["raw_schema"], log=logger.info)
    except RawFileError as exc:
        raise DbtRuntimeError(str(exc)) from exc
    except duckdb.Error as exc:
        raise DbtRuntimeError(f"reading the raw files in {raw_dir}: {exc}") from exc
    return True
