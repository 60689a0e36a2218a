CREATE TABLE profiles (
  user_id BIGINT,
  attributes MAP<STRING, STRING>
) STORED AS ORC;
