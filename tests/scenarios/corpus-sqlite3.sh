#!/bin/bash
# shellcheck disable=SC2016  # steps are single-quoted: the shell of each step expands them
# corpus-sqlite3.sh - issue 3, real programs: sqlite3 writing databases that
# live in a lower (rollback journal, WAL with its -wal and -shm files,
# truncate and persist journals, VACUUM, ATTACH, two processes at once),
# compared with a kernel overlayfs mount of the same layers (or a merged
# copy); see tests/corpus/lib.sh.
set -u
REPO=$(cd -- "$(dirname -- "$0")/../.." && pwd -P)
# shellcheck source=tests/corpus/lib.sh
. "$REPO/tests/corpus/lib.sh"
corpus_init sqlite3

# layers_db A B: db/data.db (rollback journal) and db/wal.db (WAL) in B,
# db/other.db in A; each with a table of 200 rows.
layers_db() {
    local a=$1 b=$2 f
    mkdir -p "$a/db" "$b/db" || return 1
    for f in "$b/db/data.db" "$b/db/wal.db" "$a/db/other.db"; do
        sqlite3 "$f" "CREATE TABLE t(id INTEGER PRIMARY KEY, name TEXT, n INT);
            WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200)
            INSERT INTO t(name, n) SELECT 'row ' || i, i * i FROM c;
            CREATE INDEX t_n ON t(n);" || return 1
    done
    sqlite3 "$b/db/wal.db" 'PRAGMA journal_mode=WAL;' >/dev/null || return 1
    corpus_fix_times "$a" "$b"
}

Q='SELECT count(*), sum(n), max(name) FROM t;'

corpus_job "sqlite3 writes a lower database with a rollback journal" layers_db
corpus_step 'sqlite3 db/data.db "PRAGMA journal_mode; INSERT INTO t(name, n) VALUES (\"new\", 1); '"$Q"'" && ls -A db'
corpus_step 'sqlite3 db/data.db "BEGIN; UPDATE t SET n = n + 1 WHERE id <= 100; DELETE FROM t WHERE id > 150;" ".shell ls -A db" "COMMIT;" "'"$Q"'" && ls -A db'
corpus_step 'sqlite3 db/data.db "BEGIN; DELETE FROM t; ROLLBACK; PRAGMA integrity_check; VACUUM; '"$Q"'" && sqlite3 db/data.db .dump | tail -n 3 && ls -A db'

corpus_job "sqlite3 WAL mode on a lower database: -wal and -shm in the union" layers_db
corpus_step 'sqlite3 db/wal.db "PRAGMA journal_mode; INSERT INTO t(name, n) VALUES (\"w\", 2);" ".shell ls -A db" "'"$Q"'" && ls -A db'
corpus_step 'sqlite3 db/data.db "PRAGMA journal_mode=WAL; UPDATE t SET name = upper(name) WHERE id % 7 = 0;" ".shell ls -A db" "PRAGMA wal_checkpoint(TRUNCATE);" "'"$Q"'" && ls -A db && sqlite3 db/data.db "PRAGMA journal_mode=DELETE; '"$Q"'"'

corpus_job "sqlite3: two processes write a lower WAL database at once" layers_db
# (which one goes first decides where the rows land in the file)
corpus_mask 'db/wal\.db'
corpus_step 'sqlite3 -cmd ".timeout 5000" db/wal.db "INSERT INTO t(name, n) SELECT name || \"!\", n FROM t WHERE id < 50;" & sqlite3 -cmd ".timeout 5000" db/wal.db "INSERT INTO t(name, n) VALUES (\"other\", 3);"; wait; sqlite3 db/wal.db "'"$Q"'" && ls -A db'

corpus_job "sqlite3: truncate and persist journals, -readonly, ATTACH, a new database in the union" layers_db
corpus_mask 'db/.*-journal'
corpus_step 'sqlite3 db/other.db "PRAGMA journal_mode=TRUNCATE; DELETE FROM t WHERE id > 100; '"$Q"'" && ls -A db && stat -c "%n %s" db/other.db-journal'
corpus_step 'sqlite3 db/data.db "PRAGMA journal_mode=PERSIST; UPDATE t SET n = 0 WHERE id = 1; '"$Q"'" && ls -A db && sqlite3 -readonly db/wal.db "'"$Q"'" && sqlite3 -readonly db/wal.db "DELETE FROM t" 2>&1; echo st=$?'
corpus_step 'sqlite3 db/new.db "ATTACH \"db/data.db\" AS d; ATTACH \"db/other.db\" AS o; CREATE TABLE j AS SELECT d.t.id, d.t.n + o.t.n AS s FROM d.t JOIN o.t USING (id); UPDATE o.t SET n = -n; SELECT count(*), sum(s) FROM j;" && sqlite3 db/other.db "'"$Q"'" && ls -A db'

corpus_run
