-- v4: addresses move to their own table (the copy of existing rows is a hand-written migration,
-- see walkthrough.sh), and prices must not be negative.
CREATE TABLE users (
    id bigint AUTO_INCREMENT PRIMARY KEY,
    email varchar(255) NOT NULL UNIQUE,
    full_name varchar(200) NOT NULL,
    phone varchar(40) NOT NULL
);
CREATE TABLE addresses (
    id bigint AUTO_INCREMENT PRIMARY KEY,
    user_id bigint NOT NULL,
    street varchar(200),
    city varchar(100),
    KEY addresses_user_id (user_id),
    CONSTRAINT addresses_user FOREIGN KEY (user_id) REFERENCES users (id) ON DELETE CASCADE
);
CREATE TABLE products (
    id bigint AUTO_INCREMENT PRIMARY KEY,
    title varchar(200) NOT NULL,
    price_cents int NOT NULL,
    CONSTRAINT products_price_not_negative CHECK (price_cents >= 0)
);
CREATE TABLE orders (
    id bigint AUTO_INCREMENT PRIMARY KEY,
    user_id bigint NOT NULL,
    amount int NOT NULL,
    placed_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT orders_user FOREIGN KEY (user_id) REFERENCES users (id)
);
