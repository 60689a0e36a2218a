-- Web analytics: an external table with partitions and Hive storage clauses.
CREATE DATABASE IF NOT EXISTS web;
USE web;
SET hive.exec.dynamic.partition=true;
CREATE EXTERNAL TABLE IF NOT EXISTS web.page_views (
  view_id BIGINT COMMENT 'unique view',
  user_email STRING,
  url VARCHAR(200),
  duration_ms INT,
  score DOUBLE,
  tags ARRAY<STRING>,
  ratings ARRAY<INT>,
  is_mobile BOOLEAN,
  `viewed_at` TIMESTAMP
)
COMMENT "Page views"
PARTITIONED BY (dt STRING, country STRING)
CLUSTERED BY (view_id) SORTED BY (view_id ASC) INTO 32 BUCKETS
ROW FORMAT DELIMITED FIELDS TERMINATED BY '\t' COLLECTION ITEMS TERMINATED BY ',' LINES TERMINATED BY '\n'
STORED AS PARQUET
LOCATION 's3://bucket/page_views/'
TBLPROPERTIES ('parquet.compression'='SNAPPY');
