CREATE TABLE people (
  id INT,
  address STRUCT<street:STRING, city:STRING>
);
