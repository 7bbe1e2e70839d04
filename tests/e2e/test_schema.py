# The schema `migrate` makes on PostgreSQL or MariaDB (IG_TEST_DB=pg|mysql) is SQLite's, column for
# column: the same tables, types (BIGINT for every integer, identities for the ids), nullability,
# defaults, keys, indexes, foreign keys with their ON DELETE, and CHECKs; on MariaDB every table is
# InnoDB with the binary utf8mb4 collation and every text column is LONGTEXT.
import re

import pytest

from conftest import TEST_DB, db_query, free_port, run_cli, server_env

pytestmark = pytest.mark.skipif(TEST_DB == "sqlite", reason="compares another backend's schema with SQLite's")

SQLITE_TYPES = {"INTEGER": "int", "REAL": "real", "TEXT": "text", "BLOB": "blob"}
PG_TYPES = {"bigint": "int", "double precision": "real", "text": "text", "bytea": "blob"}
MYSQL_TYPES = {"bigint": "int", "double": "real", "longtext": "text", "longblob": "blob"}
ON_DELETE_PG = {"c": "CASCADE", "n": "SET NULL", "a": "NO ACTION", "r": "RESTRICT", "d": "SET DEFAULT"}


def _type(t, table):
    t = t.lower()
    m = re.match(r"^(character varying|varchar|character|char)\((\d+)\)$", t)
    if m:
        return ("varchar(" if "var" in m.group(1) else "char(") + m.group(2) + ")"
    return table.get(t, table.get(t.upper(), "?" + t))


def _default(d):
    """A column default without the dialect's decorations: ('{}'), 'x'::text, NULL."""
    if d is None or d == "NULL":
        return None
    d = re.sub(r"::[a-z ]+$", "", d.strip())
    while d.startswith("(") and d.endswith(")"):
        d = d[1:-1].strip()
    return d


class Schema:
    def __init__(self):
        self.columns = {}   # table -> [(name, type, notnull, default)]
        self.identity = set()  # (table, column) of the ids the database numbers
        self.pk = {}        # table -> (columns)
        self.unique = {}    # table -> {(columns)}
        self.indexes = {}   # (table, name) -> (columns)
        self.fks = set()    # (table, column, parent, parent column, on delete)
        self.checks = {}    # table -> how many CHECK constraints


def sqlite_schema(env):
    s = Schema()
    tables = [r[0] for r in db_query(env, "SELECT name FROM sqlite_master WHERE type = 'table' "
                                          "AND name NOT LIKE 'sqlite_%' ORDER BY name")]
    for t in tables:
        sql = db_query(env, f"SELECT sql FROM sqlite_master WHERE name = '{t}'")[0][0]
        cols = db_query(env, f"PRAGMA table_info({t})")
        pk = tuple(c[1] for c in sorted((c for c in cols if c[5]), key=lambda c: c[5]))
        s.pk[t] = pk
        s.columns[t] = [(c[1], _type(c[2], SQLITE_TYPES), bool(c[3]) or c[1] in pk, _default(c[4]))
                        for c in cols]
        fk_cols = {fk[3] for fk in db_query(env, f"PRAGMA foreign_key_list({t})")}
        if len(pk) == 1 and dict((c[1], c[2]) for c in cols)[pk[0]] == "INTEGER" and pk[0] not in fk_cols:
            s.identity.add((t, pk[0]))  # a rowid the database numbers
        s.checks[t] = sql.upper().count("CHECK (")
        s.unique[t] = set()
        for _, name, unique, origin, _partial in db_query(env, f"PRAGMA index_list({t})"):
            icols = tuple(r[2] for r in sorted(db_query(env, f"PRAGMA index_info({name})")))
            if origin == "u":
                s.unique[t].add(icols)
            elif origin == "c":
                assert not unique, f"unique index {name}: declare it as a UNIQUE constraint"
                s.indexes[(t, name)] = icols
        for fk in db_query(env, f"PRAGMA foreign_key_list({t})"):
            s.fks.add((t, fk[3], fk[2], fk[4], fk[6]))
    return s


def pg_schema(env):
    q = lambda sql: db_query(env, sql)  # noqa: E731
    s = Schema()
    tables = [r[0] for r in q("SELECT table_name FROM information_schema.tables "
                              "WHERE table_schema = 'public' ORDER BY table_name")]
    for t in tables:
        cols = q("SELECT column_name, data_type, character_maximum_length, is_nullable, column_default, "
                 f"is_identity FROM information_schema.columns WHERE table_schema = 'public' AND table_name = '{t}' "
                 "ORDER BY ordinal_position")
        s.columns[t] = [(c[0], _type(f"{c[1]}({c[2]})" if c[2] else c[1], PG_TYPES), c[3] == "NO",
                         _default(c[4])) for c in cols]
        s.identity |= {(t, c[0]) for c in cols if c[5] == "YES"}
        s.checks[t] = q(f"SELECT count(*) FROM pg_constraint WHERE contype = 'c' "
                        f"AND conrelid = 'public.{t}'::regclass")[0][0]
        s.unique[t] = set()
    keys = q("SELECT t.relname, i.relname, x.indisprimary, x.indisunique, "
             "  EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid), "
             "  string_agg(a.attname, ',' ORDER BY k.ord) "
             "FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid "
             "JOIN pg_namespace n ON n.oid = t.relnamespace "
             "CROSS JOIN LATERAL unnest(x.indkey) WITH ORDINALITY AS k(attnum, ord) "
             "JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum "
             "WHERE n.nspname = 'public' GROUP BY 1, 2, 3, 4, 5")
    for t, name, primary, unique, constraint, cols in keys:
        cols = tuple(cols.split(","))
        if primary:
            s.pk[t] = cols
        elif unique:
            assert constraint, f"unique index {name}: declare it as a UNIQUE constraint"
            s.unique[t].add(cols)
        else:
            s.indexes[(t, name)] = cols
    for t, col, parent, pcol, rule in q(
            "SELECT c.conrelid::regclass::text, a.attname, c.confrelid::regclass::text, af.attname, c.confdeltype "
            "FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1] "
            "JOIN pg_attribute af ON af.attrelid = c.confrelid AND af.attnum = c.confkey[1] "
            "WHERE c.contype = 'f' AND cardinality(c.conkey) = 1"):
        s.fks.add((t, col, parent, pcol, ON_DELETE_PG[rule]))
    return s


def mysql_schema(env):
    q = lambda sql: db_query(env, sql)  # noqa: E731
    s = Schema()
    tables = q("SELECT table_name, engine, table_collation FROM information_schema.tables "
               "WHERE table_schema = DATABASE() ORDER BY table_name")
    for t, engine, collation in tables:
        assert (engine, collation) == ("InnoDB", "utf8mb4_bin"), (t, engine, collation)
        cols = q("SELECT column_name, column_type, is_nullable, column_default, extra, collation_name "
                 "FROM information_schema.columns WHERE table_schema = DATABASE() "
                 f"AND table_name = '{t}' ORDER BY ordinal_position")
        for c in cols:
            assert c[5] in (None, "utf8mb4_bin"), (t, c)
        s.columns[t] = [(c[0], _type(re.sub(r"^bigint\(\d+\)$", "bigint", c[1]), MYSQL_TYPES), c[2] == "NO",
                         _default(c[3])) for c in cols]
        s.identity |= {(t, c[0]) for c in cols if "auto_increment" in c[4]}
        s.checks[t] = q("SELECT count(*) FROM information_schema.check_constraints "
                        f"WHERE constraint_schema = DATABASE() AND table_name = '{t}'")[0][0]
        s.unique[t] = set()
    for t, name, non_unique, cols in q(
            "SELECT table_name, index_name, non_unique, group_concat(column_name ORDER BY seq_in_index) "
            "FROM information_schema.statistics WHERE table_schema = DATABASE() GROUP BY 1, 2, 3"):
        cols = tuple(cols.split(","))
        if name == "PRIMARY":
            s.pk[t] = cols
        elif not non_unique:
            s.unique[t].add(cols)
        else:
            s.indexes[(t, name)] = cols
    for t, col, parent, pcol, rule in q(
            "SELECT k.table_name, k.column_name, k.referenced_table_name, k.referenced_column_name, r.delete_rule "
            "FROM information_schema.referential_constraints r JOIN information_schema.key_column_usage k "
            "ON k.constraint_schema = r.constraint_schema AND k.constraint_name = r.constraint_name "
            "AND k.table_name = r.table_name WHERE r.constraint_schema = DATABASE()"):
        s.fks.add((t, col, parent, pcol, rule))
    return s


def test_migrated_schema_matches_sqlite(tmp_path):
    lite_env = server_env(tmp_path / "lite", free_port(), DATABASE_URL=f"sqlite:///{tmp_path}/lite.db")
    (tmp_path / "lite").mkdir()
    env = server_env(tmp_path, free_port())
    for e in (lite_env, env):
        p = run_cli(["migrate"], e, cwd=str(tmp_path))
        assert p.returncode == 0, (p.stdout + p.stderr).decode("utf-8", "replace")
    want = sqlite_schema(lite_env)
    got = (pg_schema if TEST_DB == "pg" else mysql_schema)(env)
    # schema_migrations is the store's own (its columns differ by dialect); the rest must match
    for s in (want, got):
        for field in (s.columns, s.pk, s.unique, s.checks):
            field.pop("schema_migrations", None)
        s.identity = {x for x in s.identity if x[0] != "schema_migrations"}
        s.indexes = {k: v for k, v in s.indexes.items() if k[0] != "schema_migrations"}
    assert sorted(got.columns) == sorted(want.columns)
    for t in want.columns:
        assert got.columns[t] == want.columns[t], t
        assert got.pk[t] == want.pk[t], t
        assert got.unique[t] == want.unique[t], t
        assert got.checks[t] == want.checks[t], t
    assert got.identity == want.identity
    assert got.indexes == want.indexes
    assert got.fks == want.fks
