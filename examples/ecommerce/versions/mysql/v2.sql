-- v2: every user gets a phone number; existing users get a placeholder derived from their id.
CREATE TABLE users (
    id bigint AUTO_INCREMENT PRIMARY KEY,
    email varchar(255) NOT NULL UNIQUE,
    name varchar(200) NOT NULL,
    street varchar(200),
    city varchar(100),
    phone varchar(40) NOT NULL -- migrator:backfill CONCAT('+00 ', LPAD(id, 9, '0'))
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
