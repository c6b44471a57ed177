"""Installed as a package: integration_tests/ is a host project that installs this one with
`local:` and points it, with vars alone, at its own tables (seeds in schema `crm` under other
names, one with other column names behind a mapping view). Built on DuckDB and on
PostgreSQL, its marts equal the standalone project's build of the same hand-made files on
the same engine. On one PostgreSQL, a developer's target (postgres_dev) writes its own
schemas and leaves the production target's marts as they were."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from dbt_runner import PROJECT_ROOT, DbtProject, duckdb_marts, make_project
from engines import assert_dumps_equal, create_database, dump_marts, fit, load_raw
from handmade import TEL

FIXTURE = PROJECT_ROOT / "tests" / "python" / "fixtures" / "handmade"
# The host's vars name the same date and upload organisation (integration_tests/dbt_project.yml).
VARS = {"as_of_date": "2026-06-01", "churn_upload_organization_id": TEL}


def _host(tmp: Path, extra_env: dict | None = None) -> DbtProject:
    """A copy of integration_tests beside a copy of the fixture it seeds from, installing this
    checkout as the package (its packages.yml says `local: ../`)."""
    root = tmp / "host" / "integration_tests"
    shutil.copytree(
        PROJECT_ROOT / "integration_tests",
        root,
        ignore=shutil.ignore_patterns("target", "dbt_packages", "logs", "*.duckdb*", "package-lock.yml"),
    )
    shutil.copytree(FIXTURE, tmp / "host" / "tests" / "python" / "fixtures" / "handmade")
    (root / "packages.yml").write_text(f"packages:\n  - local: {PROJECT_ROOT}\n")
    host = DbtProject(root=root, raw_dir=tmp / "no_raw_files", db_path=tmp / "host.duckdb", extra_env=extra_env or {})
    host.run("deps")
    return host


def _host_build(host: DbtProject, target: str) -> None:
    """The host's tables exist before the package reads them: seeds, the mapping view, then
    the build (which builds and tests every model of the package)."""
    host.run("seed", "--target", target)
    host.run("run", "--target", target, "--select", "retention_inputs")
    fit(host, target, {})
    host.build(target=target)


@pytest.fixture(scope="module")
def standalone(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("standalone")
    project = make_project(tmp, FIXTURE, upload_csv=FIXTURE / "upload.csv")
    project.build(vars=VARS)
    return project


def test_the_host_project_builds_the_standalone_marts_on_duckdb(tmp_path, standalone):
    host = _host(tmp_path)
    _host_build(host, "duckdb")
    schemas = {r["schema_name"] for r in host.query("select schema_name from information_schema.schemata")}
    assert {"crm", "staging", "intermediate", "marts"} <= schemas and "raw" not in schemas  # nothing copied
    expected, got = duckdb_marts(standalone), duckdb_marts(host)
    assert sorted(got) == sorted(expected)
    for table in expected:
        assert got[table] == expected[table], table
    # the upload came from the host's table, and the demo's seed upload was not built
    assert (
        host.query("select count(*) as n from marts.customer_segments where churn_score_source = 'upload'")[0]["n"] > 0
    )
    assert not host.query("select * from information_schema.tables where table_name = 'synthetic_churn_predictions'")
    assert sum(len(rows) for rows in expected.values()) > 300


def test_the_host_project_builds_the_standalone_marts_on_postgres(tmp_path, postgres):
    """The standalone build on PostgreSQL (target postgres), then a developer's build on the
    same database (target postgres_dev, schemas alice_*), then the host project's build in a
    database of its own: the developer's build changes nothing of the production marts, and
    all three have the same marts."""
    create_database(postgres, "standalone")
    project = make_project(tmp_path / "standalone", FIXTURE, upload_csv=FIXTURE / "upload.csv")
    project.extra_env = {**postgres, "PGDATABASE": "standalone", "DBT_DEV_SCHEMA": "alice"}
    load_raw(project, FIXTURE, "postgres")
    project.build(*fit(project, "postgres", VARS), vars=VARS, target="postgres")
    production = dump_marts(project, "postgres")
    project.build(*fit(project, "postgres_dev", VARS), vars=VARS, target="postgres_dev")
    assert dump_marts(project, "postgres") == production, "the developer's build touched the production marts"
    developer = dump_marts(project, "postgres_dev", schema="alice_marts")
    assert_dumps_equal(production, developer, "postgres_dev", may_be_empty=frozenset({"segment_migration"}))

    create_database(postgres, "host")
    host = _host(tmp_path, {**postgres, "PGDATABASE": "host"})
    _host_build(host, "postgres")
    dumps = dump_marts(host, "postgres")
    assert_dumps_equal(production, dumps, "the host project", may_be_empty=frozenset({"segment_migration"}))


def test_integration_project_names_only_vars_of_the_package():
    """The host configures the package with namespaced vars only: every var it sets is one
    the package reads."""
    import yaml

    host_vars = yaml.safe_load((PROJECT_ROOT / "integration_tests" / "dbt_project.yml").read_text())["vars"]
    assert list(host_vars) == ["retention_analytics"]
    package_text = "\n".join(
        p.read_text()
        for folder in ("models", "macros")
        for p in (PROJECT_ROOT / folder).rglob("*")
        if p.suffix in (".sql", ".yml")
    )
    package_text += (PROJECT_ROOT / "dbt_project.yml").read_text()
    for name in host_vars["retention_analytics"]:
        assert f"'{name}'" in package_text or f"{name}:" in package_text, name
