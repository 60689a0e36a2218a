CREATE TABLE notes (
  id INT PRIMARY KEY,
  body TEXT DEFAULT 'it''s not closed
);
