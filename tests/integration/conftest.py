"""Fixtures shared by the integration tests.

    build   (session)   Path of the built binaries: $MASHWATCH_BUILD, set by
                        `make integration`, else ./build of the tree.
    pg      (session)   A running PgCluster with a template database that has
                        cms.sql and mash.sql loaded.
    db      (function)  A fresh database copied from that template, dropped
                        after the test; see Database.
"""

import itertools
import os
import pathlib
import sys

import pytest

# pgcluster sits beside this file; importable whatever pytest's import mode.
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from pgcluster import CMS_SQL, MASH_SQL, REPO, PgCluster  # noqa: E402

# Copying a database that already has the schema loaded is much faster than
# loading it for every test.
TEMPLATE = "mash_template"


class Database:
    """One test's database.  `conn` is an autocommit psycopg2 connection
    owned by the fixture; connect() gives further ones the caller closes."""

    def __init__(self, cluster, name):
        self.cluster = cluster
        self.name = name
        self.conninfo = cluster.conninfo(name)
        self.conn = cluster.connect(name)

    def connect(self, autocommit=True):
        return self.cluster.connect(self.name, autocommit=autocommit)

    def execute(self, query, params=None):
        """Run one statement in its own transaction."""
        with self.conn.cursor() as cur:
            cur.execute(query, params)

    def query(self, query, params=None):
        """All rows of a query, as a list of tuples."""
        with self.conn.cursor() as cur:
            cur.execute(query, params)
            return cur.fetchall()

    def psql(self, *files, **kwargs):
        return self.cluster.psql(self.name, *files, **kwargs)

    def close(self):
        self.conn.close()


@pytest.fixture(scope="session")
def build():
    return pathlib.Path(os.environ.get("MASHWATCH_BUILD", REPO / "build")).resolve()


@pytest.fixture(scope="session")
def pg():
    cluster = PgCluster()
    try:
        cluster.start()
        cluster.create_database(TEMPLATE)
        cluster.psql(TEMPLATE, CMS_SQL, MASH_SQL)
        yield cluster
    finally:
        cluster.cleanup()


_db_numbers = itertools.count(1)


@pytest.fixture
def db(pg):
    name = "test_%d" % next(_db_numbers)
    pg.create_database(name, template=TEMPLATE)
    database = Database(pg, name)
    try:
        yield database
    finally:
        database.close()
        pg.drop_database(name)


# Figures the fault suite measures, printed after the run (and as each test
# runs with -s), so that `make check` shows them.
FIGURES = []


@pytest.fixture
def figures(request):
    def add(text):
        FIGURES.append("%s: %s" % (request.node.name, text))
        print(text)
    return add


def pytest_terminal_summary(terminalreporter):
    if FIGURES:
        terminalreporter.section("figures")
        for line in FIGURES:
            terminalreporter.write_line(line)
