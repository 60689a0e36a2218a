-- Hive 3 informational constraints: declared, not enforced, and still the keys.
CREATE TABLE customers (
  customer_id INT,
  first_name STRING,
  last_name STRING,
  email STRING,
  signup_date DATE,
  PRIMARY KEY (customer_id) DISABLE NOVALIDATE
) STORED AS ORC;

CREATE TABLE orders (
  order_id BIGINT,
  customer_id INT,
  amount DECIMAL(12,2),
  status STRING,
  PRIMARY KEY (order_id) DISABLE NOVALIDATE RELY,
  CONSTRAINT fk_orders_customer FOREIGN KEY (customer_id) REFERENCES customers (customer_id) DISABLE NOVALIDATE
) STORED AS ORC;
