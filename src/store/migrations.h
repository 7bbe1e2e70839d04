/* The schema migrations compiled into the binary (generated from the .sql files in src/store/migrations
 * by scripts/embed-migrations.sh).
 * A released migration is never edited: add a new file with the next number. */
#ifndef IG_STORE_MIGRATIONS_H
#define IG_STORE_MIGRATIONS_H

#include <stddef.h>

typedef struct store_migration {
    int version;
    const char *name;
    const char *sql;
} store_migration;

/* SQLite's, PostgreSQL's (migrations/pg/) and MySQL/MariaDB's (migrations/mysql/): the same versions
 * and names in each, which the build checks. */
extern const store_migration store_migrations[];
extern const size_t store_migrations_count;
extern const store_migration store_migrations_pg[];
extern const size_t store_migrations_pg_count;
extern const store_migration store_migrations_mysql[];
extern const size_t store_migrations_mysql_count;

#endif
