ALTER TABLE t ADD x INT;
CREATE TABLE t (a INT) /* unterminated