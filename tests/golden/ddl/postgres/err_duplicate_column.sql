CREATE TABLE t (
    id integer PRIMARY KEY,
    name text,
    "name" varchar(10)
);
