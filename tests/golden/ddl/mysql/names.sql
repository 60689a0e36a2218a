-- Generators chosen from column names and types.
CREATE TABLE departments (
  department_id INT AUTO_INCREMENT PRIMARY KEY,
  name VARCHAR(80) NOT NULL,
  budget DECIMAL(12,2)
);

CREATE TABLE employees (
  employee_id INT AUTO_INCREMENT PRIMARY KEY,
  first_name VARCHAR(40) NOT NULL,
  last_name VARCHAR(40) NOT NULL,
  email VARCHAR(100),
  work_phone VARCHAR(20),
  street_address VARCHAR(100),
  city VARCHAR(50),
  state VARCHAR(30),
  state_code CHAR(2),
  zip_code VARCHAR(10),
  country VARCHAR(60),
  department VARCHAR(60),
  subject VARCHAR(60),
  department_id INT REFERENCES departments (department_id),
  salary DECIMAL(10,2) NOT NULL,
  bonus_amount DECIMAL(8,2),
  cost DECIMAL(3,2),
  age TINYINT,
  status VARCHAR(20),
  is_manager BOOLEAN,
  has_badge BOOL,
  birth_date DATE,
  hire_date DATE,
  last_login_at DATETIME(3),
  shift_start TIME,
  employee_uuid CHAR(36),
  notes TEXT
);

CREATE TABLE contacts (
  contact_id INT PRIMARY KEY,
  full_name VARCHAR(100),
  contact_email VARCHAR(60),
  short_email VARCHAR(20),
  mobile VARCHAR(12),
  name VARCHAR(10)
);
