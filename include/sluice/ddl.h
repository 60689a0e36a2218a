/* DDL import: SQL CREATE TABLE statements become a schema file for `sluice generate`
 * (docs/schema-format.md), in JSON or YAML. `sluice schema import-ddl FILE.sql` is
 * this function and nothing more.
 *
 * ---- Dialects ----
 *
 * The dialect decides how the text is read; the statements and clauses understood are
 * the same for all (a MySQL table option in a Hive file is accepted).
 *
 *                     MySQL            PostgreSQL            Hive           AUTO
 *   names quoted by   `x`              "x"                   `x`            `x` and "x"
 *   "x" elsewhere     a string         (an error)            a string       a string where a
 *                                                                           string is expected
 *   unquoted names    kept as written  folded to lower case  lower case     kept as written
 *   quoted names      kept as written  kept as written       lower case     kept as written
 *   names compared    ignoring case    exactly               ignoring case  ignoring case
 *   # ... line end    a comment        not a comment         not a comment  a comment
 *   '\n' in strings   an escape        two characters        an escape      an escape
 *                                      (E'\n' escapes)
 *   $tag$...$tag$     -                a string              -              a string
 *   DECIMAL, NUMERIC  decimal(10,0)    an error (no fixed    decimal(10,0)  decimal(10,0)
 *   without (P,S)                      scale)
 * Comments: -- to the end of the line, and / * ... * / (nested only in PostgreSQL).
 * MySQL's / *!NNNNN ... * / version comments are comments here too (mysqldump puts SET
 * statements and key toggles in them). Strings and quoted names must be UTF-8 without
 * NUL characters.
 *
 * ---- Statements ----
 *
 * Statements are separated by ';' (the last may end without one).
 *   CREATE [OR REPLACE] [TEMPORARY | TEMP | UNLOGGED | EXTERNAL] TABLE [IF NOT EXISTS]
 *       [schema.]name (column | table constraint | MySQL index line, ...) [options]
 *     A second CREATE TABLE of a name is an error, unless it says IF NOT EXISTS: then,
 *     as in SQL, it changes nothing. The schema qualifier is dropped, so two tables of
 *     one name in two schemas are an error.
 *   ALTER TABLE [ONLY] [IF EXISTS] t action [, action ...], an action being ADD [COLUMN]
 *     column, ADD [CONSTRAINT n] table constraint, or ALTER [COLUMN] c SET DEFAULT x |
 *     DROP DEFAULT | SET NOT NULL | DROP NOT NULL (pg_dump declares keys and sequences
 *     this way). ALTER TABLE ... OWNER TO, and IF EXISTS of a table never created, are
 *     skipped; other actions are SL_ERR_UNSUPPORTED errors.
 *   CREATE UNIQUE INDEX [name] ON t (c) [...]: c is unique (a WHERE is ignored, since
 *     unique everywhere is unique in part too).
 *   CREATE TYPE name AS ENUM ('a', ...): columns of the type are choices of the values.
 *   COMMENT ON TABLE t IS '...', COMMENT ON COLUMN t.c IS '...': descriptions.
 * Skipped (read to their ';' and otherwise ignored, as they do not change what a table
 * holds): CREATE INDEX (not UNIQUE), CREATE SCHEMA, CREATE DATABASE, CREATE SEQUENCE,
 * CREATE EXTENSION, ALTER SEQUENCE, COMMENT ON anything but a table or column, DROP
 * (any), INSERT, SET, USE, SELECT, GRANT, REVOKE, LOCK, UNLOCK, BEGIN, START, COMMIT,
 * ROLLBACK, and empty statements. A DROP TABLE does not remove a table created before
 * it. Any other statement (CREATE VIEW, CREATE FUNCTION, UPDATE, ...) is an
 * SL_ERR_UNSUPPORTED error.
 *
 * ---- Columns ----
 *
 *   name type [UNSIGNED | SIGNED | ZEROFILL] [attribute ...]
 * Types, in any case (a display width such as INT(11) or a precision such as
 * TIMESTAMP(3) is accepted and does not matter):
 *   TINYINT int8; SMALLINT, INT2 int16; INT, INTEGER, MEDIUMINT, INT4 int32; BIGINT, INT8
 *     int64; UNSIGNED (or ZEROFILL) makes them one size up, from 0 to the unsigned
 *     maximum (BIGINT UNSIGNED stays int64 from 0: generated values never reach 2^63).
 *   SMALLSERIAL, SERIAL2 int16; SERIAL, SERIAL4 int32; BIGSERIAL, SERIAL8 int64: sequences.
 *   DECIMAL(P[,S]), NUMERIC, DEC: decimal(P,S) with P at most 18.
 *   FLOAT, FLOAT4, FLOAT8, REAL, DOUBLE [PRECISION]: double.
 *   VARCHAR(n), CHARACTER VARYING(n), NVARCHAR, CHAR[(n)] (CHAR is CHAR(1)), CHARACTER,
 *     NCHAR, TEXT, TINYTEXT, MEDIUMTEXT, LONGTEXT, STRING: string, n sizing what is
 *     generated. UUID: string, made by the uuid generator.
 *   BOOLEAN, BOOL: boolean. DATE: date. TIME [WITHOUT TIME ZONE]: time. TIMESTAMP [WITH |
 *     WITHOUT TIME ZONE], TIMESTAMPTZ, DATETIME: timestamp.
 *   ENUM('a', ...) and CREATE TYPE ... AS ENUM types: string, a choice of the values.
 *   ARRAY<T> (Hive), T[] and T ARRAY (PostgreSQL): list<T> of a type T above.
 * Any other type (JSON, BLOB, BYTEA, SET, MAP, STRUCT, TIME WITH TIME ZONE, a list of
 * lists, ...) is an SL_ERR_UNSUPPORTED error at the type.
 * Attributes: [CONSTRAINT name] NOT NULL | NULL | PRIMARY KEY | KEY (MySQL: the same) |
 * UNIQUE [KEY] | REFERENCES t [(c)] [MATCH x] [ON DELETE|UPDATE action] | DEFAULT x |
 * CHECK (expr) | AUTO_INCREMENT | GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY [(START
 * WITH n INCREMENT BY n ...)] | COMMENT 'text' | COLLATE x | CHARACTER SET x | ON UPDATE
 * CURRENT_TIMESTAMP, and DEFERRABLE, INITIALLY ..., [NOT] ENFORCED, ENABLE, DISABLE,
 * [NO]VALIDATE, [NO]RELY, which do not change what is generated. Hive's `name type
 * COMMENT 'text'` is the same COMMENT. A DEFAULT is a literal (number, string, TRUE,
 * FALSE, NULL, DATE '...', with any ::type cast), CURRENT_TIMESTAMP and its kin (NOW(),
 * CURRENT_DATE, ...: written as that name), or nextval(...) (which makes the column a
 * sequence, as pg_dump writes SERIAL). A quoted number on a numeric column (mysqldump's
 * DEFAULT '0') is written as a number; DEFAULT NULL is what no DEFAULT means and is not
 * written. Computed columns (GENERATED ALWAYS AS (expr), AS (expr)) are errors.
 *
 * ---- Table constraints and options ----
 *
 *   [CONSTRAINT n] PRIMARY KEY (c, ...) | UNIQUE [KEY | INDEX] [name] (c) |
 *   FOREIGN KEY [name] (c) REFERENCES t [(c)] ... | CHECK (expr)
 * A composite PRIMARY KEY becomes a list; a UNIQUE or FOREIGN KEY over several columns
 * cannot be represented and is an error. MySQL's index lines (KEY, INDEX, FULLTEXT,
 * SPATIAL) change nothing; its UNIQUE KEY is a unique constraint.
 * Options, in any order after the ')': ENGINE, [DEFAULT] CHARSET, CHARACTER SET,
 * COLLATE, ROW_FORMAT and other MySQL storage options, AUTO_INCREMENT=n (where the
 * table's sequence starts), COMMENT 'text' (the table's description), PARTITIONED BY
 * (column type, ...) (Hive: the partition columns come after the others), CLUSTERED BY
 * (...) [SORTED BY (...)] INTO n BUCKETS, ROW FORMAT ..., STORED AS ... | STORED BY ...,
 * LOCATION '...', TBLPROPERTIES (...), WITH (...). CREATE TABLE ... AS, LIKE, PARTITION
 * BY, SKEWED BY and any other option are SL_ERR_UNSUPPORTED errors.
 *
 * ---- CHECK ----
 *
 * A CHECK (on a column or the table) must be a conjunction (AND) of atoms, each on one
 * column: c BETWEEN a AND b; c op a or a op c, op one of = < <= > >=; c IN (a, ...) and
 * c = ANY (ARRAY[a, ...]); c IS NOT NULL. a and b are literals: numbers for numeric
 * columns, 'YYYY-MM-DD' or DATE '...' for dates, 'YYYY-MM-DD HH:MM[:SS[.f]][Z|+HH:MM]'
 * or TIMESTAMP '...' for timestamps, strings for strings (= and IN only), TRUE and FALSE
 * for booleans (= and IN only); casts are ignored. A range becomes min and max: bounds
 * round inward to the column's unit (0.01 for decimal(p,2), a day, a microsecond) and a
 * strict bound moves one unit (a double keeps the bound itself: a uniform draw lands on
 * it with probability about 2^-53). A value list becomes "gen": "choice" with those
 * values (intersected with an ENUM's). Anything else (OR, NOT, <>, LIKE, functions, two
 * columns) is an SL_ERR_UNSUPPORTED error at the atom; a CHECK that leaves no value is
 * an SL_ERR_SCHEMA error. The atoms are kept as the column's "check", in the schema's
 * expression syntax (lower case, dates as date '...', strings quoted).
 *
 * ---- What is generated ----
 *
 * For each column, the first rule that applies:
 *   1. a foreign key: "ref": "table.column". It must name its table's single-column
 *      primary key, with the same type; a foreign key that is unique (a one-to-one
 *      table) is an error, as references are drawn at random.
 *   2. ARRAY<T>: "gen": "list" of 0 to 5 elements, made by T's rule 3 or 6 (no names).
 *   3. an ENUM or IN list: "choice" of the values (an error on a unique column).
 *   4. SERIAL, AUTO_INCREMENT, IDENTITY, DEFAULT nextval(...), or a unique integer (a
 *      single-column primary key or UNIQUE; decimal(P,0) counts): "sequence", starting
 *      at START WITH n, the table's AUTO_INCREMENT=n or the CHECK's lower bound.
 *   5. a unique string: "uuid" for type UUID and names uuid, guid, *_uuid; for email
 *      names (rule 6) "email" or its pattern; for phone names a phone-like pattern;
 *      else a pattern of a capital letter and 8 digits, fewer in a shorter VARCHAR(n)
 *      ("*" letters or digits below 5). All "unique": true. Unique values of other types
 *      are errors.
 *   6. by type and name (a name matches word when it is word or ends in _word):
 *      boolean: "bernoulli" p 0.5.
 *      integer: age: "uniform" 5..90; is_* and has_* (MySQL tinyint(1) flags): 0..1;
 *        status: "choice" of 0, 1, 2; else "uniform" 0..1000; all within the type.
 *      decimal: a name with a part amount, price, salary, cost, total, fee or balance
 *        (total_amount, price_usd): "lognormal", salary with mu 11 sigma 0.4 clamped to
 *        20000..500000, the others mu 3.6 sigma 0.9 clamped to 0.5..10000, within the
 *        precision; else "uniform" 0..1000.
 *      double: "uniform" 0.0..1000.0.
 *      date: "date" 2020-01-01..2025-12-31, or 1940-01-01..2007-12-31 when the name
 *        holds "birth" or is dob. timestamp: "timestamp" 2024-01-01T00:00:00Z..
 *        2025-12-31T23:59:59Z. time: "time" 00:00:00..23:59:59.
 *      string: uuid names: "uuid". email, *_email, email_address: "email" with "first"
 *        and "last" when the table has first_name and last_name (or firstname,
 *        given_name; lastname, surname, family_name) columns, else "pattern"
 *        u#######@example.com (fewer digits in VARCHAR(17..19)). status: "choice" of
 *        active, inactive, pending. first_name, last_name, full_name, phone, city,
 *        state, zip (zip_code, postal_code), address (street, street_address): those
 *        generators; country, department, subject: "dict" countries, departments,
 *        subjects. name: that of its table when the table is departments, subjects,
 *        countries or cities, else "full_name". A generator is only used when the
 *        VARCHAR(n) holds its values (first_name 12, full_name 24, phone 15, zip 5, ...);
 *        a shorter phone column gets digits, others a pattern. Any other string: a
 *        "pattern" of capital letters, 10 or the VARCHAR(n) if shorter.
 *   CHECK bounds override the ranges of rule 6: with both bounds the generator becomes
 *   "uniform" (dates and timestamps keep theirs) between them; with one, it replaces
 *   that side, and when that leaves nothing the other side moves to keep the default
 *   width (and lognormal becomes uniform).
 * Nothing is generated null: with NOT NULL or without, a column gets no "null_rate".
 * "rows" is 1000 for every table, or fewer when a unique column has fewer possible
 * values (a CHAR(1) key: 36, a TINYINT key: 127). "primary_key" is the key column, or a
 * list. COMMENTs become "description"s, DEFAULTs "default"s.
 *
 * ---- Output ----
 *
 * Tables come parents first: a topological sort by foreign keys that otherwise keeps
 * the order of the input. A cycle (a table referring to itself too) is an
 * SL_ERR_UNSUPPORTED error naming the tables. Keys come in a fixed order: at the top
 * name, tables; in a table name, description, rows, primary_key, columns; in a column
 * name, type, ref or gen and its parameters, unique, check, default, description. JSON
 * is indented by 2 with one column per line; YAML is block style with one flow mapping
 * per column and strings quoted unless they are plain names. The same input always
 * gives the same bytes.
 */
#ifndef SLUICE_DDL_H
#define SLUICE_DDL_H

#include <stddef.h>

#include "sluice/status.h"

struct sl_buf;

typedef enum { SL_DDL_JSON = 0, SL_DDL_YAML } sl_ddl_format;

typedef enum { SL_DDL_AUTO = 0, SL_DDL_MYSQL, SL_DDL_POSTGRES, SL_DDL_HIVE } sl_ddl_dialect;

/* Converts the DDL text src (len bytes, not NUL-terminated, need not be; named file
 * in errors) to a schema file in format fmt, appended to out. The schema's "name" is
 * schema_name (a string; the caller picks it, e.g. the file's base name).
 *
 * Returns SL_OK, or:
 *   SL_ERR_SCHEMA       the SQL is wrong: a syntax error, an unknown referenced table
 *                       or column, a column defined twice, a CHECK that leaves no value;
 *   SL_ERR_UNSUPPORTED  valid SQL this importer does not represent: an unknown type, a
 *                       CHECK that is not a range or IN list, a composite foreign key,
 *                       a foreign-key cycle, an unsupported statement;
 *   SL_ERR_LIMIT        expressions nested deeper than 64, or out's maximum reached;
 *   SL_ERR_NOMEM        out of memory;
 *   SL_ERR_USAGE        schema_name or out is NULL, or src is NULL with len > 0.
 * On an error err (may be NULL) gets the message and, for SCHEMA and UNSUPPORTED, the
 * 1-based line and column (counting UTF-8 code points) and byte offset of the token
 * at fault, and err->file is set to file (empty when file is NULL); out is left as it
 * was (its length restored). Messages are lowercase without a full stop.
 * Nothing is kept after the call: all memory but out's is freed. */
sl_status sl_ddl_import(const char *src, size_t len, const char *file, const char *schema_name,
                        sl_ddl_dialect dialect, sl_ddl_format fmt, struct sl_buf *out,
                        sl_error *err);

#endif
