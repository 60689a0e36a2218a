CREATE TABLE parents (a INT, b INT, PRIMARY KEY (a, b));
CREATE TABLE children (
  id INT PRIMARY KEY,
  pa INT,
  pb INT,
  CONSTRAINT fk_parent FOREIGN KEY (pa, pb) REFERENCES parents (a, b)
);
