CREATE TABLE ranges (
  id INT PRIMARY KEY,
  x INT CHECK (x > 10),
  CONSTRAINT narrow CHECK (x < 5)
);
