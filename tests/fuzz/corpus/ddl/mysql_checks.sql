# Every CHECK form that becomes generator parameters.
CREATE TABLE measurements (
  id BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
  sensor VARCHAR(8) NOT NULL,
  grade CHAR(1) NOT NULL,
  level INT NOT NULL CHECK (level BETWEEN 1 AND 10),
  pct DECIMAL(5,2) CHECK (pct >= 0 AND pct <= 100),
  temp_c DOUBLE CHECK (temp_c > -40.5 AND temp_c < 60),
  delta INT CHECK (delta > 0),
  age INT UNSIGNED CHECK (age >= 18),
  priority TINYINT CHECK (priority IN (1, 2, 3)),
  mode VARCHAR(10) CHECK (mode = 'auto'),
  kind ENUM('a', 'b', 'c') CHECK (kind IN ('a', 'c')),
  score DECIMAL(6,3) CHECK (100 >= score),
  taken_on DATE CHECK (taken_on BETWEEN '2023-01-01' AND '2023-12-31'),
  CONSTRAINT chk_grade CHECK (grade IN ('A', 'B', 'C', 'D')),
  CHECK (sensor IS NOT NULL AND level <= 8)
) ENGINE = InnoDB;
