-- migrator-lint: ignore require-algorithm-lock -- portable SQL cannot say ALGORITHM=; dropping a
-- column is INSTANT on MariaDB 10.4+ and MySQL 8.0.29+.
ALTER TABLE customers DROP COLUMN phone;
