-- A nullable column: instant on Postgres 11+ and MariaDB 10.3+, old app versions ignore it.
ALTER TABLE customers ADD COLUMN phone VARCHAR(32);
