-- v1: the shop as it started (MySQL / MariaDB dialect).
CREATE TABLE users (
    id bigint AUTO_INCREMENT PRIMARY KEY,
    email varchar(255) NOT NULL UNIQUE,
    name varchar(200) NOT NULL,
    street varchar(200),
    city varchar(100)
);
CREATE TABLE products (
    id bigint AUTO_INCREMENT PRIMARY KEY,
    title varchar(200) NOT NULL,
    price_cents int NOT NULL
);
CREATE TABLE orders (
    id bigint AUTO_INCREMENT PRIMARY KEY,
    user_id bigint NOT NULL,
    amount int NOT NULL,
    placed_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id)
);
