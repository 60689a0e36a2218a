CREATE TABLE t (
  `ok` INT,
  "not_a_name" INT
);
