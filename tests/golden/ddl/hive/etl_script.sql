-- An ETL script: settings, a database, a staging table dropped and re-created.
SET hive.exec.dynamic.partition = true;
SET hive.exec.dynamic.partition.mode = nonstrict;
CREATE DATABASE IF NOT EXISTS etl COMMENT 'staging' LOCATION '/data/etl';
USE etl;

DROP TABLE IF EXISTS `etl`.`stg_users`;
CREATE TABLE `etl`.`stg_users` (
  `user_id` BIGINT COMMENT 'from the source system',
  `user_name` STRING,
  `age` INT,
  `is_active` BOOLEAN,
  `updated_at` TIMESTAMP
)
CLUSTERED BY (`user_id`) INTO 8 BUCKETS
STORED AS PARQUET;

INSERT OVERWRITE TABLE etl.stg_users SELECT * FROM raw.users WHERE dt = '2024-01-01';

CREATE TEMPORARY TABLE tmp_counts (day DATE, n BIGINT);
