-- migrator:irreversible
-- Dropping the table loses every customer.
DROP TABLE customers;
