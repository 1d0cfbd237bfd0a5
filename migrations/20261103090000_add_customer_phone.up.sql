-- A nullable column: instant on Postgres 11+ and MariaDB 10.3+, old app versions ignore it.
-- migrator-lint: ignore require-algorithm-lock -- portable SQL cannot say ALGORITHM=; adding a
-- nullable last column is INSTANT on MySQL 8.0.12+ and MariaDB 10.3+.
ALTER TABLE customers ADD COLUMN phone VARCHAR(32);
