CREATE TABLE clicks (
  id BIGINT,
  url STRING
)
SKEWED BY (url) ON ('https://example.com/')
STORED AS ORC;
