CREATE TABLE t (
  "id" INT
);
