-- v3: `name` becomes `full_name` (both app versions keep working during the deploy).
CREATE TABLE users (
    id bigint AUTO_INCREMENT PRIMARY KEY,
    email varchar(255) NOT NULL UNIQUE,
    full_name varchar(200) NOT NULL, -- migrator:renamed-from name
    street varchar(200),
    city varchar(100),
    phone varchar(40) NOT NULL
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
