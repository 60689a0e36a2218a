-- Sales facts in ORC, with a SerDe row format and properties.
CREATE TABLE IF NOT EXISTS sales.fact_sales (
  sale_id        BIGINT        COMMENT 'surrogate key',
  store_id       INT,
  product_name   STRING,
  quantity       SMALLINT,
  unit_price     DECIMAL(10,2),
  discount_pct   DECIMAL(4,3),
  sold_on        DATE,
  sold_at        TIMESTAMP,
  customer_email VARCHAR(64),
  channel        CHAR(3)
)
COMMENT 'one row per sale line'
PARTITIONED BY (sale_year INT, sale_month TINYINT)
ROW FORMAT SERDE 'org.apache.hadoop.hive.ql.io.orc.OrcSerde'
WITH SERDEPROPERTIES ('serialization.format' = '1')
STORED AS INPUTFORMAT 'org.apache.hadoop.hive.ql.io.orc.OrcInputFormat'
  OUTPUTFORMAT 'org.apache.hadoop.hive.ql.io.orc.OrcOutputFormat'
LOCATION 'hdfs:///warehouse/sales.db/fact_sales'
TBLPROPERTIES ('orc.compress' = 'ZLIB', 'transactional' = 'false');
