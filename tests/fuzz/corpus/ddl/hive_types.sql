-- Every Hive type the importer knows.
CREATE TABLE all_types (
  c_tinyint TINYINT,
  c_smallint SMALLINT,
  c_int INT,
  c_integer INTEGER,
  c_bigint BIGINT,
  c_float FLOAT,
  c_double DOUBLE,
  c_double_precision DOUBLE PRECISION,
  c_decimal DECIMAL,
  c_decimal_p DECIMAL(9),
  c_decimal_ps DECIMAL(9,3),
  c_numeric NUMERIC(5,1),
  c_string STRING,
  c_varchar VARCHAR(20),
  c_char CHAR(8),
  c_boolean BOOLEAN,
  c_date DATE,
  c_timestamp TIMESTAMP,
  c_array_int ARRAY<INT>,
  c_array_double ARRAY<DOUBLE>,
  c_array_date ARRAY<DATE>,
  c_array_decimal ARRAY<DECIMAL(6,2)>
)
ROW FORMAT DELIMITED
  FIELDS TERMINATED BY ','
  COLLECTION ITEMS TERMINATED BY '|'
  MAP KEYS TERMINATED BY ':'
  NULL DEFINED AS ''
STORED AS TEXTFILE;
