CREATE TABLE grids (
  id INT,
  cells ARRAY<ARRAY<INT>>
);
