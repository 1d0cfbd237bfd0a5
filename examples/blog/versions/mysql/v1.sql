-- v1: a publishing platform: authors write posts (draft or published), posts carry tags,
-- readers comment. Full-text search over title and body; a stored generated slug.
CREATE TABLE authors (
    id bigint AUTO_INCREMENT PRIMARY KEY,
    email varchar(255) NOT NULL UNIQUE,
    display_name varchar(200) NOT NULL,
    bio text
);
CREATE TABLE posts (
    id bigint AUTO_INCREMENT PRIMARY KEY,
    author_id bigint NOT NULL,
    title varchar(300) NOT NULL,
    body text NOT NULL,
    status enum('draft', 'published') NOT NULL DEFAULT 'draft',
    published_at datetime NULL,
    views int NOT NULL DEFAULT 0,
    slug varchar(300) AS (LOWER(REPLACE(title, ' ', '-'))) STORED,
    KEY posts_author_id (author_id),
    FULLTEXT KEY posts_search (title, body),
    CONSTRAINT posts_author FOREIGN KEY (author_id) REFERENCES authors (id),
    CONSTRAINT posts_published_has_date CHECK (status <> 'published' OR published_at IS NOT NULL)
);
CREATE TABLE tags (
    id bigint AUTO_INCREMENT PRIMARY KEY,
    name varchar(100) NOT NULL UNIQUE
);
CREATE TABLE post_tags (
    post_id bigint NOT NULL,
    tag_id bigint NOT NULL,
    PRIMARY KEY (post_id, tag_id),
    KEY post_tags_tag_id (tag_id),
    CONSTRAINT post_tags_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE,
    CONSTRAINT post_tags_tag FOREIGN KEY (tag_id) REFERENCES tags (id)
);
CREATE TABLE comments (
    id bigint AUTO_INCREMENT PRIMARY KEY,
    post_id bigint NOT NULL,
    author_name varchar(200) NOT NULL,
    body text NOT NULL,
    created_at timestamp NOT NULL DEFAULT CURRENT_TIMESTAMP,
    KEY comments_post_id (post_id),
    CONSTRAINT comments_post FOREIGN KEY (post_id) REFERENCES posts (id) ON DELETE CASCADE
);
