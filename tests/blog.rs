//! The blog project (examples/blog/versions/postgres|mysql) through the real `migrator` binary on
//! a real Postgres and a real MariaDB: four declared versions of a publishing platform
//! (generated columns, GIN / FULLTEXT search, enums, CHECKs reading an enum, a table rename with
//! incoming foreign keys, a column rename, a type change, a NOT NULL column with a backfill
//! hint, a new FK and CHECK) with seeded data. Each step is `plan` (rehearsed), `apply` (expand +
//! backfill) while an old-application writer runs, a new-application writer started next to it,
//! the old one stopped, `apply --contract`, the new one stopped, `drift` clean, the data
//! checked, then the step rolled back (the schema must be exactly the previous version, as
//! `migrator diff` sees it) and applied again. At the end everything is rolled back to v1 (the
//! schema exactly v1, the seeded data intact) and then to nothing.
//!
//! Regressions it guards (MariaDB): the plan of an appended enum value wrote a down file that
//! `lint` refuses (so `plan` refused every such change), and its rehearsal's probe wrote the
//! new value, so the rehearsed rollback failed depending on the row count.

use migrator_tests::cli::Engine;
use migrator_tests::project::{walk, Project, Step};

const PG_V1_WRITES: &[&str] = &[
    "INSERT INTO authors (id, email, display_name) VALUES ({id}, 'w{id}@blog.example', 'Writer {id}')",
    "INSERT INTO posts (id, author_id, title, body, status, published_at) VALUES ({id}, {id}, 'Post {id}', 'text of post {id}', 'published', now())",
    "INSERT INTO tags (id, name) VALUES ({id}, 'tag-{id}')",
    "INSERT INTO post_tags (post_id, tag_id) VALUES ({id}, {id})",
    "INSERT INTO comments (id, post_id, author_name, body) VALUES ({id}, {id}, 'Reader {id}', 'nice post')",
    "UPDATE posts SET views = views + 1, title = 'Post {id} (edited)' WHERE id = {id}",
    "UPDATE comments SET author_name = 'Reader {id}!' WHERE id = {id}",
    "SELECT id FROM posts WHERE search @@ to_tsquery('english', 'edited') LIMIT 3",
];

const PG_V2_WRITES: &[&str] = &[
    "INSERT INTO authors (id, email, display_name, handle) VALUES ({id}, 'w{id}@blog.example', 'Writer {id}', 'w-{id}')",
    "INSERT INTO posts (id, author_id, title, body, status, published_at) VALUES ({id}, {id}, 'Post {id}', 'text of post {id}', 'published', now())",
    "INSERT INTO tags (id, name) VALUES ({id}, 'tag-{id}')",
    "INSERT INTO post_tags (post_id, tag_id) VALUES ({id}, {id})",
    "INSERT INTO comments (id, post_id, author_name, body) VALUES ({id}, {id}, 'Reader {id}', 'nice post')",
    "UPDATE posts SET views = views + 1, status = 'archived' WHERE id = {id}",
    "UPDATE comments SET author_name = 'Reader {id}!' WHERE id = {id}",
    "UPDATE authors SET handle = 'w-{id}-x' WHERE id = {id}",
];

const PG_V3_WRITES: &[&str] = &[
    "INSERT INTO authors (id, email, display_name, handle) VALUES ({id}, 'w{id}@blog.example', 'Writer {id}', 'w-{id}')",
    "INSERT INTO posts (id, author_id, title, body, status, published_at) VALUES ({id}, {id}, 'Post {id}', 'text of post {id}', 'published', now())",
    "INSERT INTO topics (id, name) VALUES ({id}, 'topic-{id}')",
    "INSERT INTO post_tags (post_id, tag_id) VALUES ({id}, {id})",
    "INSERT INTO comments (id, post_id, commenter_name, body) VALUES ({id}, {id}, 'Reader {id}', 'nice post')",
    "UPDATE posts SET views = views + 1 WHERE id = {id}",
    "UPDATE comments SET commenter_name = 'Reader {id}!' WHERE id = {id}",
    "SELECT t.name FROM topics t JOIN post_tags pt ON pt.tag_id = t.id WHERE pt.post_id = {id}",
];

const PG_V4_WRITES: &[&str] = &[
    "INSERT INTO authors (id, email, display_name, handle) VALUES ({id}, 'w{id}@blog.example', 'Writer {id}', 'w-{id}')",
    "INSERT INTO posts (id, author_id, title, body, status, published_at, views) VALUES ({id}, {id}, 'Post {id}', 'text of post {id}', 'published', now(), 5)",
    "INSERT INTO topics (id, name) VALUES ({id}, 'topic-{id}')",
    "INSERT INTO post_tags (post_id, tag_id) VALUES ({id}, {id})",
    "INSERT INTO comments (id, post_id, commenter_name, body, reply_to_author_id) VALUES ({id}, {id}, 'Reader {id}', 'nice post', {id})",
    "UPDATE posts SET views = views + 1 WHERE id = {id}",
    "UPDATE comments SET commenter_name = 'Reader {id}!' WHERE id = {id}",
];

const PG_STEPS: &[Step] = &[
    Step {
        version: "v2",
        old: PG_V1_WRITES,
        new: PG_V2_WRITES,
        plan_args: &[],
        checks: &[
            ("SELECT count(*) FROM authors WHERE id <= 200 AND handle = 'author-' || id", "200"),
            ("SELECT count(*) FROM authors WHERE handle IS NULL", "0"),
            ("SELECT (count(*) > 0)::int FROM posts WHERE status = 'archived' AND id > 1000", "1"),
        ],
    },
    Step {
        version: "v3",
        old: PG_V2_WRITES,
        new: PG_V3_WRITES,
        plan_args: &[],
        checks: &[
            ("SELECT count(*) FROM topics WHERE id <= 50", "50"),
            ("SELECT count(*) FROM post_tags WHERE post_id <= 1000", "2000"),
            ("SELECT count(*) FROM comments WHERE id <= 3000 AND commenter_name = 'Reader ' || id", "3000"),
            ("SELECT count(*) FROM comments WHERE id > 3000 AND commenter_name NOT LIKE 'Reader %!'", "0"),
            ("SELECT count(*) FROM pg_views WHERE schemaname = 'public'", "0"),
        ],
    },
    Step {
        version: "v4",
        old: PG_V3_WRITES,
        new: PG_V4_WRITES,
        plan_args: &[],
        checks: &[
            ("SELECT sum(views)::text FROM posts WHERE id <= 1000", "500500"),
            ("SELECT pg_typeof(views)::text FROM posts LIMIT 1", "bigint"),
            ("SELECT count(*) FROM posts WHERE search IS DISTINCT FROM to_tsvector('english', title || ' ' || body)", "0"),
            ("SELECT count(*) FROM comments WHERE reply_to_author_id IS NOT NULL AND reply_to_author_id NOT IN (SELECT id FROM authors)", "0"),
        ],
    },
];

const PG_SEED: &[&str] = &[
    "INSERT INTO authors (email, display_name, bio) SELECT 'author' || g || '@blog.example', 'Author ' || g, CASE WHEN g % 3 = 0 THEN NULL ELSE 'Writes about topic ' || g END FROM generate_series(1, 200) g",
    "INSERT INTO posts (author_id, title, body, status, published_at, views) SELECT g % 200 + 1, 'Post number ' || g, 'Lorem ipsum dolor ' || g, CASE WHEN g % 2 = 0 THEN 'published' ELSE 'draft' END::post_status, CASE WHEN g % 2 = 0 THEN now() - g * interval '1 hour' END, g FROM generate_series(1, 1000) g",
    "INSERT INTO tags (name) SELECT 'tag' || g FROM generate_series(1, 50) g",
    "INSERT INTO post_tags (post_id, tag_id) SELECT g, g % 50 + 1 FROM generate_series(1, 1000) g UNION ALL SELECT g, (g + 7) % 50 + 1 FROM generate_series(1, 1000) g",
    "INSERT INTO comments (post_id, author_name, body) SELECT g % 1000 + 1, 'Reader ' || g, 'Comment ' || g FROM generate_series(1, 3000) g",
];

const MY_V1_WRITES: &[&str] = &[
    "INSERT INTO authors (id, email, display_name) VALUES ({id}, 'w{id}@blog.example', 'Writer {id}')",
    "INSERT INTO posts (id, author_id, title, body, status, published_at) VALUES ({id}, {id}, 'Post {id}', 'text of post {id}', 'published', NOW())",
    "INSERT INTO tags (id, name) VALUES ({id}, 'tag-{id}')",
    "INSERT INTO post_tags (post_id, tag_id) VALUES ({id}, {id})",
    "INSERT INTO comments (id, post_id, author_name, body) VALUES ({id}, {id}, 'Reader {id}', 'nice post')",
    "UPDATE posts SET views = views + 1, title = 'Post {id} (edited)' WHERE id = {id}",
    "UPDATE comments SET author_name = 'Reader {id}!' WHERE id = {id}",
    "SELECT id FROM posts WHERE MATCH (title, body) AGAINST ('edited') LIMIT 3",
];

const MY_V2_WRITES: &[&str] = &[
    "INSERT INTO authors (id, email, display_name, handle) VALUES ({id}, 'w{id}@blog.example', 'Writer {id}', 'w-{id}')",
    "INSERT INTO posts (id, author_id, title, body, status, published_at) VALUES ({id}, {id}, 'Post {id}', 'text of post {id}', 'published', NOW())",
    "INSERT INTO tags (id, name) VALUES ({id}, 'tag-{id}')",
    "INSERT INTO post_tags (post_id, tag_id) VALUES ({id}, {id})",
    "INSERT INTO comments (id, post_id, author_name, body) VALUES ({id}, {id}, 'Reader {id}', 'nice post')",
    "UPDATE posts SET views = views + 1, status = 'archived' WHERE id = {id}",
    "UPDATE comments SET author_name = 'Reader {id}!' WHERE id = {id}",
    "UPDATE authors SET handle = 'w-{id}-x' WHERE id = {id}",
];

const MY_V3_WRITES: &[&str] = &[
    "INSERT INTO authors (id, email, display_name, handle) VALUES ({id}, 'w{id}@blog.example', 'Writer {id}', 'w-{id}')",
    "INSERT INTO posts (id, author_id, title, body, status, published_at) VALUES ({id}, {id}, 'Post {id}', 'text of post {id}', 'published', NOW())",
    "INSERT INTO topics (id, name) VALUES ({id}, 'topic-{id}')",
    "INSERT INTO post_tags (post_id, tag_id) VALUES ({id}, {id})",
    "INSERT INTO comments (id, post_id, commenter_name, body) VALUES ({id}, {id}, 'Reader {id}', 'nice post')",
    "UPDATE posts SET views = views + 1 WHERE id = {id}",
    "UPDATE comments SET commenter_name = 'Reader {id}!' WHERE id = {id}",
    "SELECT t.name FROM topics t JOIN post_tags pt ON pt.tag_id = t.id WHERE pt.post_id = {id}",
];

const MY_V4_WRITES: &[&str] = &[
    "INSERT INTO authors (id, email, display_name, handle) VALUES ({id}, 'w{id}@blog.example', 'Writer {id}', 'w-{id}')",
    "INSERT INTO posts (id, author_id, title, body, status, published_at, views) VALUES ({id}, {id}, 'Post {id}', 'text of post {id}', 'published', NOW(), 5)",
    "INSERT INTO topics (id, name) VALUES ({id}, 'topic-{id}')",
    "INSERT INTO post_tags (post_id, tag_id) VALUES ({id}, {id})",
    "INSERT INTO comments (id, post_id, commenter_name, body, reply_to_author_id) VALUES ({id}, {id}, 'Reader {id}', 'nice post', {id})",
    "UPDATE posts SET views = views + 1 WHERE id = {id}",
    "UPDATE comments SET commenter_name = 'Reader {id}!' WHERE id = {id}",
];

const MY_STEPS: &[Step] = &[
    Step {
        version: "v2",
        old: MY_V1_WRITES,
        new: MY_V2_WRITES,
        plan_args: &[],
        checks: &[
            ("SELECT count(*) FROM authors WHERE id <= 200 AND handle = CONCAT('author-', id)", "200"),
            ("SELECT count(*) FROM authors WHERE handle IS NULL", "0"),
            ("SELECT count(*) > 0 FROM posts WHERE status = 'archived' AND id > 1000", "1"),
        ],
    },
    Step {
        version: "v3",
        old: MY_V2_WRITES,
        new: MY_V3_WRITES,
        plan_args: &[],
        checks: &[
            ("SELECT count(*) FROM topics WHERE id <= 50", "50"),
            ("SELECT count(*) FROM post_tags WHERE post_id <= 1000", "2000"),
            ("SELECT count(*) FROM comments WHERE id <= 3000 AND commenter_name = CONCAT('Reader ', id)", "3000"),
            ("SELECT count(*) FROM comments WHERE id > 3000 AND commenter_name NOT LIKE 'Reader %!'", "0"),
            ("SELECT count(*) FROM information_schema.VIEWS WHERE TABLE_SCHEMA = DATABASE()", "0"),
            ("SELECT count(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()", "0"),
        ],
    },
    Step {
        version: "v4",
        old: MY_V3_WRITES,
        new: MY_V4_WRITES,
        plan_args: &[],
        checks: &[
            ("SELECT sum(views) FROM posts WHERE id <= 1000", "500500"),
            ("SELECT DATA_TYPE FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'posts' AND COLUMN_NAME = 'views'", "bigint"),
            ("SELECT count(*) FROM posts WHERE NOT (slug <=> LOWER(REPLACE(title, ' ', '-')))", "0"),
            ("SELECT count(*) FROM comments WHERE reply_to_author_id IS NOT NULL AND reply_to_author_id NOT IN (SELECT id FROM authors)", "0"),
            ("SELECT count(*) FROM information_schema.TRIGGERS WHERE TRIGGER_SCHEMA = DATABASE()", "0"),
        ],
    },
];

/// Rows get AUTO_INCREMENT ids in insertion order, which the checks compare with `seq`: hence
/// `ORDER BY seq` (MySQL 9.7 returns the derived sequence's rows in another order).
const MY_SEED: &[&str] = &[
    "INSERT INTO authors (email, display_name, bio) SELECT CONCAT('author', seq, '@blog.example'), CONCAT('Author ', seq), CASE WHEN seq % 3 = 0 THEN NULL ELSE CONCAT('Writes about topic ', seq) END FROM seq_1_to_200 ORDER BY seq",
    "INSERT INTO posts (author_id, title, body, status, published_at, views) SELECT seq % 200 + 1, CONCAT('Post number ', seq), CONCAT('Lorem ipsum dolor ', seq), CASE WHEN seq % 2 = 0 THEN 'published' ELSE 'draft' END, CASE WHEN seq % 2 = 0 THEN NOW() - INTERVAL seq HOUR END, seq FROM seq_1_to_1000 ORDER BY seq",
    "INSERT INTO tags (name) SELECT CONCAT('tag', seq) FROM seq_1_to_50 ORDER BY seq",
    "INSERT INTO post_tags (post_id, tag_id) SELECT seq, seq % 50 + 1 FROM seq_1_to_1000 UNION ALL SELECT seq, (seq + 7) % 50 + 1 FROM seq_1_to_1000",
    "INSERT INTO comments (post_id, author_name, body) SELECT seq % 1000 + 1, CONCAT('Reader ', seq), CONCAT('Comment ', seq) FROM seq_1_to_3000 ORDER BY seq",
];

/// What must still hold after the full rollback to v1: the seeded data, in the v1 shape.
const PG_V1_CHECKS: &[(&str, &str)] = &[
    ("SELECT count(*) FROM authors WHERE id <= 200", "200"),
    (
        "SELECT sum(views)::text FROM posts WHERE id <= 1000",
        "500500",
    ),
    ("SELECT count(*) FROM tags WHERE id <= 50", "50"),
    (
        "SELECT count(*) FROM comments WHERE id <= 3000 AND author_name = 'Reader ' || id",
        "3000",
    ),
];
const MY_V1_CHECKS: &[(&str, &str)] = &[
    ("SELECT count(*) FROM authors WHERE id <= 200", "200"),
    ("SELECT sum(views) FROM posts WHERE id <= 1000", "500500"),
    ("SELECT count(*) FROM tags WHERE id <= 50", "50"),
    (
        "SELECT count(*) FROM comments WHERE id <= 3000 AND author_name = CONCAT('Reader ', id)",
        "3000",
    ),
];

/// Rolling back v2 takes the enum value 'archived' out again, which the plan states fails while
/// rows hold it: those posts go back to 'published' first (what an operator rolling back does).
const UNARCHIVE: &str = "UPDATE posts SET status = 'published' WHERE status = 'archived'";

const PG_BLOG: Project = Project {
    name: "blog",
    steps: PG_STEPS,
    seed: PG_SEED,
    v1_checks: PG_V1_CHECKS,
    before_rollback: &[UNARCHIVE],
    table: "posts",
};

const MY_BLOG: Project = Project {
    name: "blog",
    steps: MY_STEPS,
    seed: MY_SEED,
    v1_checks: MY_V1_CHECKS,
    before_rollback: &[UNARCHIVE],
    table: "posts",
};

async fn blog(engine: Engine) {
    walk(engine, &PG_BLOG, &MY_BLOG).await;
}

migrator_tests::on_both!(blog);
