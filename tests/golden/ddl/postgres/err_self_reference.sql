CREATE TABLE employees (
    employee_id integer PRIMARY KEY,
    manager_id integer REFERENCES employees (employee_id)
);
