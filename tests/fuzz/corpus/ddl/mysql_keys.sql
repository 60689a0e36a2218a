-- Keys: string keys, composite keys, unique columns, and tables in an order that
-- is not parents-first.
CREATE TABLE enrollments (
  student_id VARCHAR(10) NOT NULL,
  course_code CHAR(6) NOT NULL,
  grade CHAR(2),
  PRIMARY KEY (student_id, course_code),
  FOREIGN KEY (student_id) REFERENCES students (student_id),
  FOREIGN KEY (course_code) REFERENCES courses (course_code)
);

CREATE TABLE students (
  student_id VARCHAR(10) NOT NULL PRIMARY KEY,
  email VARCHAR(80) NOT NULL UNIQUE,
  badge_no INT UNIQUE,
  house CHAR(1) NOT NULL
);

CREATE TABLE courses (
  course_code CHAR(6) PRIMARY KEY COMMENT 'like MTH101',
  title VARCHAR(120) NOT NULL,
  room_code CHAR(3) UNIQUE
);

CREATE TABLE houses (
  house_id TINYINT UNSIGNED NOT NULL PRIMARY KEY,
  motto VARCHAR(200)
);
