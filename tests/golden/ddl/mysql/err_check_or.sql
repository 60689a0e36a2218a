CREATE TABLE accounts (
  id INT PRIMARY KEY,
  balance DECIMAL(10,2),
  kind VARCHAR(10),
  CHECK (balance >= 0 OR kind = 'credit')
);
