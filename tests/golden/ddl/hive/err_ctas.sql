CREATE TABLE daily_totals AS
SELECT dt, SUM(amount) AS total FROM sales GROUP BY dt;
