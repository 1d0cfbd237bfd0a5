//! The token-level view of a statement that the rules match on: significant tokens (no spaces,
//! no comments, strings and quoted identifiers kept whole), names, types, and a small parser
//! that recognises the statements the rules are about. Anything it does not recognise is
//! [`Stmt::Other`], so an unusual statement yields no finding rather than a wrong one.

use crate::migrations::split::{SqlToken, TokenKind};
use crate::Dialect;

/// What a significant token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokKind {
    /// An unquoted identifier, keyword or number.
    Word,
    /// A quoted identifier: Postgres `"x"`, MySQL `` `x` ``.
    Ident,
    /// A string literal (`'…'`, `E'…'`, `$$…$$`, MySQL `"…"`).
    Str,
    /// A MySQL `/*! … */` executable comment: run by the server, but not looked into.
    Opaque,
    /// Punctuation and operators, one character each.
    Symbol,
}

/// A significant token of a statement, with its line in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tok<'a> {
    pub kind: TokKind,
    pub text: &'a str,
    pub line: usize,
}

impl<'a> Tok<'a> {
    /// The significant token for a lexer token (`None` for spaces, comments, delimiters).
    pub fn from_token(token: &SqlToken<'a>, dialect: Dialect) -> Option<Tok<'a>> {
        let kind = match token.kind {
            TokenKind::Word => TokKind::Word,
            TokenKind::Symbol => TokKind::Symbol,
            TokenKind::Quoted => match (token.text.as_bytes()[0], dialect) {
                (b'"', Dialect::Postgres) | (b'`', _) => TokKind::Ident,
                (b'/', _) => TokKind::Opaque,
                _ => TokKind::Str,
            },
            _ => return None,
        };
        Some(Tok {
            kind,
            text: token.text,
            line: token.line,
        })
    }

    /// Whether this is the keyword `word` (case-insensitive).
    pub fn is(&self, word: &str) -> bool {
        self.kind == TokKind::Word && self.text.eq_ignore_ascii_case(word)
    }

    pub fn is_any(&self, words: &[&str]) -> bool {
        words.iter().any(|w| self.is(w))
    }

    pub fn sym(&self, symbol: &str) -> bool {
        self.kind == TokKind::Symbol && self.text == symbol
    }

    /// The value of a string literal, quotes removed and doubled quotes undone.
    pub fn string_value(&self) -> Option<String> {
        if self.kind != TokKind::Str {
            return None;
        }
        let t = self.text;
        if let Some(after) = t.strip_prefix('$') {
            let tag_end = after.find('$')? + 2;
            return Some(t[tag_end..t.len() - tag_end].to_string());
        }
        let t = t.strip_prefix(['E', 'e']).unwrap_or(t);
        let q = t.chars().next()?;
        if t.len() < 2 {
            return None;
        }
        let inner = &t[1..t.len() - 1];
        let doubled = format!("{q}{q}");
        Some(
            inner
                .replace(&doubled, &q.to_string())
                .replace(&format!("\\{q}"), &q.to_string()),
        )
    }

    /// The identifier this token names, if it is a word or a quoted identifier.
    pub fn ident(&self, dialect: Dialect) -> Option<Ident> {
        match self.kind {
            TokKind::Word => Some(Ident {
                key: dialect.name_key(self.text, false),
                text: self.text.to_string(),
            }),
            TokKind::Ident => {
                let q = &self.text[..1];
                let inner = self.text[1..self.text.len() - 1].replace(&q.repeat(2), q);
                let key = dialect.name_key(&inner, true);
                Some(Ident { key, text: inner })
            }
            _ => None,
        }
    }
}

/// An identifier: `key` compares (Postgres folds unquoted names to lower case and keeps quoted
/// ones; MySQL names compare case-insensitively here), `text` is shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ident {
    pub key: String,
    pub text: String,
}

/// A possibly qualified name (`schema.table`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Name {
    pub parts: Vec<Ident>,
    pub line: usize,
}

impl Name {
    /// The last part: the object's own name.
    pub fn last(&self) -> &Ident {
        self.parts.last().expect("a name has a part")
    }

    /// `"schema.table"`, for messages.
    pub fn quoted(&self) -> String {
        let joined: Vec<&str> = self.parts.iter().map(|p| p.text.as_str()).collect();
        format!("\"{}\"", joined.join("."))
    }

    /// Whether both name the same object: equal parts, or equal last parts when one of them is
    /// not qualified (the schema is then whatever the search path says).
    pub fn same(&self, other: &Name) -> bool {
        if self.parts.len() == other.parts.len() {
            self.parts
                .iter()
                .zip(&other.parts)
                .all(|(a, b)| a.key == b.key)
        } else {
            self.last().key == other.last().key
        }
    }
}

impl Ident {
    pub fn quoted(&self) -> String {
        format!("\"{}\"", self.text)
    }
}

/// A column type as written: base words (synonyms unified), arguments, ENUM/SET values.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqlType {
    /// Lower case, synonyms unified (`character varying` → `varchar`, `int4` → `integer`…).
    pub base: String,
    /// The parenthesised arguments (`varchar(20)` → `["20"]`), as written; empty for ENUM/SET.
    pub args: Vec<String>,
    /// ENUM / SET values.
    pub values: Vec<String>,
    /// Trailing words such as `unsigned`, or `[]` for arrays.
    pub modifiers: Vec<String>,
    /// `CHARACTER SET x` / `CHARSET x` (MySQL), lower case.
    pub charset: Option<String>,
}

impl SqlType {
    /// The type as text, normalized: `varchar(20)`, `numeric(10,2)`, `enum('a','b')`.
    pub fn display(&self) -> String {
        let mut s = self.base.clone();
        if !self.values.is_empty() {
            let v: Vec<String> = self
                .values
                .iter()
                .map(|v| format!("'{}'", v.replace('\'', "''")))
                .collect();
            s.push_str(&format!("({})", v.join(",")));
        } else if !self.args.is_empty() {
            s.push_str(&format!("({})", self.args.join(",")));
        }
        for m in &self.modifiers {
            if m != "[]" {
                s.push(' ');
            }
            s.push_str(m);
        }
        s
    }

    /// The first argument as a number (`varchar(20)` → 20).
    pub fn arg(&self, i: usize) -> Option<u64> {
        self.args.get(i).and_then(|a| a.trim().parse().ok())
    }

    /// Same type, ignoring the character set.
    pub fn same_as(&self, other: &SqlType) -> bool {
        self.base == other.base
            && self.args == other.args
            && self.values == other.values
            && self.modifiers == other.modifiers
    }
}

/// The parts of the two grammars this reader tells apart, decided once per dialect in one
/// exhaustive `match`, so that another dialect has to decide each of them.
#[derive(Debug, Clone, Copy)]
struct Grammar {
    /// `int` is `integer` (Postgres), not MySQL's own `int`.
    int_is_integer: bool,
    /// MySQL's DDL: `RENAME TABLE`, `ALTER ONLINE | IGNORE`, `WAIT n | NOWAIT`,
    /// `ADD COLUMN (a, b)`, `RENAME t2` without `TO`, `MODIFY` / `CHANGE`, unnamed `INDEX | KEY |
    /// FULLTEXT | SPATIAL` elements, `DROP INDEX i ON t`, and `serial` implying NOT NULL.
    mysql_ddl: bool,
    /// Every `BEGIN` starts a transaction and `END` ends one (Postgres); MySQL's `BEGIN NOT
    /// ATOMIC` is a compound statement.
    begin_end_transaction: bool,
}

impl Grammar {
    fn of(dialect: Dialect) -> Grammar {
        match dialect {
            Dialect::Postgres => Grammar {
                int_is_integer: true,
                mysql_ddl: false,
                begin_end_transaction: true,
            },
            Dialect::Mysql => Grammar {
                int_is_integer: false,
                mysql_ddl: true,
                begin_end_transaction: false,
            },
        }
    }
}

/// Unifies type-name synonyms.
fn unify_type(base: &str, dialect: Dialect) -> String {
    let pg = Grammar::of(dialect).int_is_integer;
    match base {
        "character varying" | "varchar" => "varchar",
        "character" | "char" | "bpchar" => "char",
        "int" | "integer" | "int4" if pg => "integer",
        "int" | "integer" => "int",
        "int8" | "bigint" => "bigint",
        "int2" | "smallint" => "smallint",
        "decimal" | "numeric" | "dec" | "fixed" => "numeric",
        "timestamp without time zone" if pg => "timestamp",
        "timestamptz" | "timestamp with time zone" => "timestamptz",
        "time without time zone" => "time",
        "timetz" | "time with time zone" => "timetz",
        "bool" | "boolean" => "boolean",
        "float8" | "double precision" | "double" => "double precision",
        "float4" | "real" if pg => "real",
        "bit varying" | "varbit" => "varbit",
        other => other,
    }
    .to_string()
}

/// Words that end a column's type and start its constraints / options.
const COLUMN_OPTION_WORDS: &[&str] = &[
    "NOT",
    "NULL",
    "DEFAULT",
    "PRIMARY",
    "UNIQUE",
    "CHECK",
    "REFERENCES",
    "CONSTRAINT",
    "COLLATE",
    "GENERATED",
    "AUTO_INCREMENT",
    "COMMENT",
    "KEY",
    "AS",
    "ON",
    "FIRST",
    "AFTER",
    "INVISIBLE",
    "VISIBLE",
    "USING",
    "STORAGE",
    "COMPRESSION",
    "SRID",
    "CHARSET",
    "COLUMN_FORMAT",
    "ENGINE_ATTRIBUTE",
    "SECONDARY_ENGINE_ATTRIBUTE",
    "PERSISTENT",
    "VIRTUAL",
    "STORED",
    "WITH",
];

/// A column definition (CREATE TABLE, ADD COLUMN, MySQL MODIFY / CHANGE).
#[derive(Debug, Clone)]
pub struct ColumnDef<'a> {
    pub name: Ident,
    pub line: usize,
    pub ty: SqlType,
    /// `NOT NULL` or `PRIMARY KEY`.
    pub not_null: bool,
    /// The tokens of the DEFAULT expression.
    pub default: Option<Vec<Tok<'a>>>,
    /// The table of an inline `REFERENCES`.
    pub references: Option<Name>,
    /// Whether an inline `CHECK (…)` is given.
    pub check: bool,
    pub primary_key: bool,
    pub unique: bool,
    /// `GENERATED … AS IDENTITY` (Postgres) or `AUTO_INCREMENT` (MySQL).
    pub identity: bool,
    /// A stored generated column: `GENERATED ALWAYS AS (…) STORED`, MySQL `AS (…) STORED`.
    pub stored_generated: bool,
    /// MySQL `FIRST` / `AFTER x`.
    pub position: Option<String>,
}

/// A table constraint or index added by ALTER TABLE (or declared in CREATE TABLE).
#[derive(Debug, Clone)]
pub struct Constraint<'a> {
    pub name: Option<Ident>,
    pub line: usize,
    pub kind: ConstraintKind<'a>,
    /// `NOT VALID` (Postgres).
    pub not_valid: bool,
    /// `… USING INDEX i` (Postgres).
    pub using_index: bool,
}

#[derive(Debug, Clone)]
pub enum ConstraintKind<'a> {
    PrimaryKey,
    Unique,
    /// The tokens inside `CHECK ( … )`.
    Check(Vec<Tok<'a>>),
    ForeignKey {
        references: Option<Name>,
    },
    Exclude,
    /// MySQL `ADD INDEX` / `ADD KEY`.
    Index,
    /// MySQL `ADD FULLTEXT`.
    Fulltext,
    /// MySQL `ADD SPATIAL`.
    Spatial,
}

/// One action of an ALTER TABLE.
#[derive(Debug, Clone)]
pub struct Action<'a> {
    /// Line of the action's first token.
    pub line: usize,
    pub kind: ActionKind<'a>,
}

#[derive(Debug, Clone)]
pub enum ActionKind<'a> {
    AddColumn(ColumnDef<'a>),
    AddConstraint(Constraint<'a>),
    /// `ALTER [COLUMN] c [SET DATA] TYPE t [USING …]`.
    AlterColumnType {
        column: Ident,
        ty: SqlType,
        using: bool,
    },
    SetNotNull(Ident),
    DropNotNull(Ident),
    DropColumn(Ident),
    ValidateConstraint(Ident),
    RenameColumn {
        from: Ident,
        to: Ident,
    },
    /// `RENAME [TO|AS] new` of the table itself.
    RenameTable(Name),
    /// MySQL `MODIFY [COLUMN] def`.
    Modify(ColumnDef<'a>),
    /// MySQL `CHANGE [COLUMN] old def`.
    Change {
        old: Ident,
        def: ColumnDef<'a>,
    },
    /// MySQL `ALGORITHM [=] x`, upper case.
    Algorithm(String),
    /// MySQL `LOCK [=] x`, upper case.
    Lock(String),
    /// Anything else (SET DEFAULT, DROP CONSTRAINT, OWNER TO…).
    Other,
}

#[derive(Debug, Clone)]
pub struct CreateTable<'a> {
    pub name: Name,
    pub columns: Vec<ColumnDef<'a>>,
    /// Tables referenced by foreign keys.
    pub references: Vec<Name>,
}

#[derive(Debug, Clone)]
pub struct AlterTable<'a> {
    pub name: Name,
    pub actions: Vec<Action<'a>>,
    /// MySQL / MariaDB `ALGORITHM=` (upper case) and its line.
    pub algorithm: Option<(String, usize)>,
    /// MySQL `LOCK=` (upper case; MariaDB `ALTER ONLINE TABLE` means `NONE`).
    pub lock: Option<(String, usize)>,
    /// MariaDB `WAIT n` / `NOWAIT`: the statement's own lock wait.
    pub wait: bool,
}

#[derive(Debug, Clone)]
pub struct CreateIndex {
    /// Line of the `INDEX` keyword.
    pub line: usize,
    pub unique: bool,
    pub concurrently: bool,
    /// `FULLTEXT` / `SPATIAL` (MySQL), upper case.
    pub special: Option<String>,
    pub name: Option<Name>,
    pub table: Name,
    /// Postgres `ON ONLY parent`: an index on a partitioned table itself, built by nobody.
    pub only: bool,
    pub algorithm: Option<String>,
    pub lock: Option<String>,
}

#[derive(Debug, Clone)]
pub struct DropIndex {
    pub line: usize,
    pub concurrently: bool,
    pub names: Vec<Name>,
    /// MySQL `ON t`.
    pub table: Option<Name>,
    pub algorithm: Option<String>,
    pub lock: Option<String>,
}

/// The statements the rules know about.
#[derive(Debug, Clone)]
pub enum Stmt<'a> {
    CreateTable(CreateTable<'a>),
    CreateIndex(CreateIndex),
    AlterTable(AlterTable<'a>),
    DropIndex(DropIndex),
    DropTable {
        line: usize,
        names: Vec<Name>,
    },
    /// MySQL `RENAME TABLE a TO b, c TO d`.
    RenameTable {
        line: usize,
        pairs: Vec<(Name, Name)>,
    },
    /// `ALTER TYPE t ADD VALUE [IF NOT EXISTS] 'v'`.
    AddEnumValue {
        line: usize,
        type_name: Name,
        value: String,
    },
    /// `BEGIN`, `START TRANSACTION`.
    Begin,
    /// `COMMIT`, `END`, `ROLLBACK`, `ABORT`.
    End,
    /// `SET [SESSION|LOCAL] name = value, …`: lower-case names (without `@@session.`) and values.
    Set {
        local: bool,
        vars: Vec<(String, String)>,
    },
    Other,
}

/// A whole text that is one (possibly qualified) name as written in SQL (`"s"."t"`, `t`), as
/// a directive gives it; `None` for anything else.
pub fn parse_name(text: &str, dialect: Dialect) -> Option<Name> {
    let tokens = crate::migrations::split::tokens("", text, dialect).ok()?;
    let toks = significant(&tokens, dialect);
    let mut c = Cursor::new(&toks, dialect);
    let name = c.name()?;
    c.peek().is_none().then_some(name)
}

/// A cursor over significant tokens.
#[derive(Clone)]
pub struct Cursor<'t, 'a> {
    toks: &'t [Tok<'a>],
    pub pos: usize,
    dialect: Dialect,
}

impl<'t, 'a> Cursor<'t, 'a> {
    pub fn new(toks: &'t [Tok<'a>], dialect: Dialect) -> Self {
        Cursor {
            toks,
            pos: 0,
            dialect,
        }
    }

    pub fn peek(&self) -> Option<&'t Tok<'a>> {
        self.toks.get(self.pos)
    }

    pub fn peek_at(&self, n: usize) -> Option<&'t Tok<'a>> {
        self.toks.get(self.pos + n)
    }

    pub fn done(&self) -> bool {
        self.pos >= self.toks.len()
    }

    /// The line of the current token (or of the last one).
    pub fn line(&self) -> usize {
        self.peek().or(self.toks.last()).map_or(0, |t| t.line)
    }

    pub fn at(&self, word: &str) -> bool {
        self.peek().is_some_and(|t| t.is(word))
    }

    pub fn at_any(&self, words: &[&str]) -> bool {
        self.peek().is_some_and(|t| t.is_any(words))
    }

    pub fn at_sym(&self, s: &str) -> bool {
        self.peek().is_some_and(|t| t.sym(s))
    }

    pub fn bump(&mut self) -> Option<&'t Tok<'a>> {
        let t = self.toks.get(self.pos);
        if t.is_some() {
            self.pos += 1;
        }
        t
    }

    pub fn eat(&mut self, word: &str) -> bool {
        let yes = self.at(word);
        if yes {
            self.pos += 1;
        }
        yes
    }

    /// Eats all of `words` in sequence, or nothing.
    pub fn eat_seq(&mut self, words: &[&str]) -> bool {
        let yes = words
            .iter()
            .enumerate()
            .all(|(i, w)| self.peek_at(i).is_some_and(|t| t.is(w)));
        if yes {
            self.pos += words.len();
        }
        yes
    }

    pub fn eat_sym(&mut self, s: &str) -> bool {
        let yes = self.at_sym(s);
        if yes {
            self.pos += 1;
        }
        yes
    }

    pub fn ident(&mut self) -> Option<Ident> {
        let id = self.peek()?.ident(self.dialect)?;
        self.pos += 1;
        Some(id)
    }

    /// `a`, `a.b`, `a.b.c`.
    pub fn name(&mut self) -> Option<Name> {
        let line = self.line();
        let mut parts = vec![self.ident()?];
        while self.at_sym(".") {
            let save = self.pos;
            self.pos += 1;
            match self.ident() {
                Some(p) => parts.push(p),
                None => {
                    self.pos = save;
                    break;
                }
            }
        }
        Some(Name { parts, line })
    }

    /// At `(`: the tokens inside the balanced group, the cursor moved past its `)`.
    pub fn group(&mut self) -> Option<&'t [Tok<'a>]> {
        if !self.at_sym("(") {
            return None;
        }
        let start = self.pos + 1;
        let end = group_end(self.toks, self.pos);
        self.pos = (end + 1).min(self.toks.len());
        Some(&self.toks[start..end.min(self.toks.len())])
    }

    /// Skips one token, or a whole parenthesised group.
    pub fn skip(&mut self) {
        if self.group().is_none() {
            self.pos += 1;
        }
    }

    pub fn rest(&self) -> &'t [Tok<'a>] {
        &self.toks[self.pos.min(self.toks.len())..]
    }
}

/// The index of the `)` closing the `(` at `open` (or the length when unbalanced).
pub fn group_end(toks: &[Tok], open: usize) -> usize {
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate().skip(open) {
        if t.sym("(") {
            depth += 1;
        } else if t.sym(")") {
            depth -= 1;
            if depth == 0 {
                return i;
            }
        }
    }
    toks.len()
}

/// Splits at commas outside parentheses.
pub fn split_commas<'t, 'a>(toks: &'t [Tok<'a>]) -> Vec<&'t [Tok<'a>]> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    for (i, t) in toks.iter().enumerate() {
        if t.sym("(") {
            depth += 1;
        } else if t.sym(")") {
            depth -= 1;
        } else if t.sym(",") && depth == 0 {
            parts.push(&toks[start..i]);
            start = i + 1;
        }
    }
    parts.push(&toks[start..]);
    parts.retain(|p| !p.is_empty());
    parts
}

/// The significant tokens of a statement.
pub fn significant<'a>(tokens: &[SqlToken<'a>], dialect: Dialect) -> Vec<Tok<'a>> {
    tokens
        .iter()
        .filter_map(|t| Tok::from_token(t, dialect))
        .collect()
}

/// Recognises a statement.
pub fn parse<'a>(toks: &[Tok<'a>], dialect: Dialect) -> Stmt<'a> {
    let mut c = Cursor::new(toks, dialect);
    let Some(first) = c.peek() else {
        return Stmt::Other;
    };
    let line = first.line;
    if first.is("CREATE") {
        c.bump();
        parse_create(c, dialect).unwrap_or(Stmt::Other)
    } else if first.is("ALTER") {
        c.bump();
        parse_alter(c, dialect).unwrap_or(Stmt::Other)
    } else if first.is("DROP") {
        c.bump();
        parse_drop(c, dialect, line).unwrap_or(Stmt::Other)
    } else if first.is("RENAME") && Grammar::of(dialect).mysql_ddl {
        c.bump();
        parse_rename_table(c, line).unwrap_or(Stmt::Other)
    } else if first.is("BEGIN") {
        c.bump();
        // Postgres: any BEGIN statement starts a transaction. MySQL: `BEGIN NOT ATOMIC` is a
        // compound statement.
        let tx = Grammar::of(dialect).begin_end_transaction
            || c.done()
            || c.at_any(&["WORK", "TRANSACTION", "ISOLATION", "READ"]);
        if tx {
            Stmt::Begin
        } else {
            Stmt::Other
        }
    } else if first.is("START") && c.peek_at(1).is_some_and(|t| t.is("TRANSACTION")) {
        Stmt::Begin
    } else if first.is_any(&["COMMIT", "ABORT"])
        || (first.is("END") && Grammar::of(dialect).begin_end_transaction)
    {
        Stmt::End
    } else if first.is("ROLLBACK") {
        c.bump();
        c.eat_any_of(&["WORK", "TRANSACTION"]);
        if c.at("TO") {
            Stmt::Other // ROLLBACK TO SAVEPOINT
        } else {
            Stmt::End
        }
    } else if first.is("SET") {
        c.bump();
        parse_set(c)
    } else {
        Stmt::Other
    }
}

impl Cursor<'_, '_> {
    fn eat_any_of(&mut self, words: &[&str]) -> bool {
        let yes = self.at_any(words);
        if yes {
            self.pos += 1;
        }
        yes
    }
}

fn parse_create<'a>(mut c: Cursor<'_, 'a>, dialect: Dialect) -> Option<Stmt<'a>> {
    c.eat_seq(&["OR", "REPLACE"]);
    // CREATE [GLOBAL|LOCAL] [TEMPORARY|TEMP|UNLOGGED] TABLE
    let save = c.pos;
    c.eat_any_of(&["GLOBAL", "LOCAL"]);
    c.eat_any_of(&["TEMPORARY", "TEMP", "UNLOGGED"]);
    if c.eat("TABLE") {
        return parse_create_table(c, dialect);
    }
    c.pos = save;
    // CREATE [ONLINE|OFFLINE] [UNIQUE|FULLTEXT|SPATIAL] INDEX
    c.eat_any_of(&["ONLINE", "OFFLINE"]);
    let unique = c.eat("UNIQUE");
    let special = if c.at_any(&["FULLTEXT", "SPATIAL"]) {
        c.bump().map(|t| t.text.to_ascii_uppercase())
    } else {
        None
    };
    if !c.at("INDEX") {
        return None;
    }
    let line = c.line();
    c.bump();
    let concurrently = c.eat("CONCURRENTLY");
    c.eat_seq(&["IF", "NOT", "EXISTS"]);
    let name = if c.at("ON") { None } else { c.name() };
    // MySQL: `USING BTREE` may stand before ON.
    if c.eat("USING") {
        c.bump();
    }
    if !c.eat("ON") {
        return None;
    }
    let only = c.eat("ONLY");
    let table = c.name()?;
    let (algorithm, lock) = index_options(c.rest());
    Some(Stmt::CreateIndex(CreateIndex {
        line,
        unique,
        concurrently,
        special,
        name,
        table,
        only,
        algorithm,
        lock,
    }))
}

/// MySQL `ALGORITHM [=] x` and `LOCK [=] y` among the trailing options of CREATE / DROP INDEX.
fn index_options(toks: &[Tok]) -> (Option<String>, Option<String>) {
    let mut algorithm = None;
    let mut lock = None;
    let mut depth = 0i32;
    for (i, t) in toks.iter().enumerate() {
        if t.sym("(") {
            depth += 1;
        } else if t.sym(")") {
            depth -= 1;
        }
        if depth != 0 {
            continue;
        }
        let value = || {
            let mut j = i + 1;
            if toks.get(j).is_some_and(|t| t.sym("=")) {
                j += 1;
            }
            toks.get(j).map(|t| t.text.to_ascii_uppercase())
        };
        if t.is("ALGORITHM") {
            algorithm = value();
        } else if t.is("LOCK") {
            lock = value();
        }
    }
    (algorithm, lock)
}

fn parse_create_table<'a>(mut c: Cursor<'_, 'a>, dialect: Dialect) -> Option<Stmt<'a>> {
    c.eat_seq(&["IF", "NOT", "EXISTS"]);
    let name = c.name()?;
    let mut columns = Vec::new();
    let mut references = Vec::new();
    if let Some(body) = c.group() {
        for element in split_commas(body) {
            let mut e = Cursor::new(element, dialect);
            if e.at_any(&[
                "CONSTRAINT",
                "PRIMARY",
                "UNIQUE",
                "CHECK",
                "FOREIGN",
                "KEY",
                "INDEX",
                "FULLTEXT",
                "SPATIAL",
                "LIKE",
                "EXCLUDE",
                "PERIOD",
            ]) {
                if let Some(i) = element.iter().position(|t| t.is("REFERENCES")) {
                    let mut r = Cursor::new(&element[i + 1..], dialect);
                    references.extend(r.name());
                }
                continue;
            }
            if let Some(def) = column_def(&mut e, dialect) {
                references.extend(def.references.clone());
                columns.push(def);
            }
        }
    }
    Some(Stmt::CreateTable(CreateTable {
        name,
        columns,
        references,
    }))
}

/// `name type [options]` at the cursor.
pub fn column_def<'a>(c: &mut Cursor<'_, 'a>, dialect: Dialect) -> Option<ColumnDef<'a>> {
    let line = c.line();
    let name = c.ident()?;
    let ty = sql_type(c, dialect)?;
    let mut def = ColumnDef {
        name,
        line,
        ty,
        not_null: false,
        default: None,
        references: None,
        check: false,
        primary_key: false,
        unique: false,
        identity: false,
        stored_generated: false,
        position: None,
    };
    if def.ty.base.ends_with("serial") {
        def.identity = true;
    }
    while !c.done() {
        if c.eat_seq(&["NOT", "NULL"]) {
            def.not_null = true;
        } else if c.eat("DEFAULT") {
            let start = c.pos;
            // The expression (at least one token: `DEFAULT NULL`) runs to the next option word
            // at depth 0.
            if !c.done() {
                c.skip();
            }
            while !c.done()
                && !c.at_any(&[
                    "NOT",
                    "NULL",
                    "PRIMARY",
                    "UNIQUE",
                    "CHECK",
                    "REFERENCES",
                    "CONSTRAINT",
                    "COLLATE",
                    "GENERATED",
                    "AUTO_INCREMENT",
                    "COMMENT",
                    "ON",
                    "FIRST",
                    "AFTER",
                    "INVISIBLE",
                    "VISIBLE",
                ])
            {
                c.skip();
            }
            let end = c.pos;
            def.default = Some(c.toks[start..end].to_vec());
        } else if c.eat_seq(&["PRIMARY", "KEY"]) {
            def.primary_key = true;
            def.not_null = true;
        } else if c.eat("UNIQUE") {
            def.unique = true;
        } else if c.eat("CHECK") {
            def.check = true;
            c.group();
        } else if c.eat("REFERENCES") {
            def.references = c.name();
        } else if c.eat("GENERATED") {
            // GENERATED {ALWAYS | BY DEFAULT} AS {IDENTITY | (expr) STORED}
            while !c.done() && !c.at("AS") {
                c.bump();
            }
            c.eat("AS");
            if c.at("IDENTITY") {
                def.identity = true;
            } else if c.group().is_some() && c.at_any(&["STORED", "PERSISTENT"]) {
                def.stored_generated = true;
            }
        } else if c.eat("AS") {
            // MySQL generated column: AS (expr) [VIRTUAL | STORED | PERSISTENT]
            c.group();
            if c.at_any(&["STORED", "PERSISTENT"]) {
                def.stored_generated = true;
            }
        } else if c.eat("AUTO_INCREMENT") {
            def.identity = true;
        } else if c.eat("FIRST") {
            def.position = Some("FIRST".into());
        } else if c.eat("AFTER") {
            let after = c.ident().map(|i| i.text).unwrap_or_default();
            def.position = Some(format!("AFTER {after}"));
        } else {
            c.skip();
        }
    }
    if Grammar::of(dialect).mysql_ddl && def.ty.base == "serial" {
        def.not_null = true;
    }
    Some(def)
}

/// A column type at the cursor; stops at the first option word.
pub fn sql_type(c: &mut Cursor<'_, '_>, dialect: Dialect) -> Option<SqlType> {
    let mut words: Vec<String> = Vec::new();
    let mut args = Vec::new();
    let mut values = Vec::new();
    let mut modifiers = Vec::new();
    let mut charset = None;
    while let Some(t) = c.peek() {
        if t.sym("(") {
            let inner = c.group().unwrap_or(&[]);
            let strings: Vec<String> = inner.iter().filter_map(|t| t.string_value()).collect();
            if !strings.is_empty()
                && matches!(words.last().map(String::as_str), Some("enum" | "set"))
            {
                values = strings;
            } else if args.is_empty() {
                args = split_commas(inner)
                    .iter()
                    .map(|p| p.iter().map(|t| t.text).collect::<Vec<_>>().join(""))
                    .collect();
            }
            continue;
        }
        if t.sym("[") {
            c.bump();
            while !c.done() && !c.eat_sym("]") {
                c.bump();
            }
            modifiers.push("[]".to_string());
            continue;
        }
        if t.is("CHARACTER") && c.peek_at(1).is_some_and(|n| n.is("SET")) || t.is("CHARSET") {
            c.pos += if t.is("CHARSET") { 1 } else { 2 };
            charset = c.bump().map(|t| t.text.to_lowercase());
            continue;
        }
        // `timestamp with time zone`: WITH is part of the type there.
        let with_time_zone = t.is("WITH") && c.peek_at(1).is_some_and(|n| n.is("TIME"));
        if t.kind != TokKind::Word || (t.is_any(COLUMN_OPTION_WORDS) && !with_time_zone) {
            break;
        }
        let mut w = t.text.to_lowercase();
        c.bump();
        // A qualified type name: `public.mood`.
        while c.at_sym(".") && c.peek_at(1).is_some_and(|n| n.kind == TokKind::Word) {
            c.bump();
            w.push('.');
            w.push_str(&c.bump().expect("peeked").text.to_lowercase());
        }
        if matches!(w.as_str(), "unsigned" | "signed" | "zerofill" | "binary") && !words.is_empty()
        {
            modifiers.push(w);
        } else {
            words.push(w);
        }
    }
    if words.is_empty() {
        return None;
    }
    Some(SqlType {
        base: unify_type(&words.join(" "), dialect),
        args,
        values,
        modifiers,
        charset,
    })
}

fn parse_alter<'a>(mut c: Cursor<'_, 'a>, dialect: Dialect) -> Option<Stmt<'a>> {
    let mut lock = None;
    if Grammar::of(dialect).mysql_ddl {
        if c.at("ONLINE") {
            lock = Some(("NONE".to_string(), c.line()));
            c.bump();
        }
        c.eat("IGNORE");
    }
    if c.eat("TYPE") {
        let type_name = c.name()?;
        let line = c.line();
        if !c.eat_seq(&["ADD", "VALUE"]) {
            return None;
        }
        c.eat_seq(&["IF", "NOT", "EXISTS"]);
        let value = c.peek()?.string_value()?;
        return Some(Stmt::AddEnumValue {
            line,
            type_name,
            value,
        });
    }
    if !c.eat("TABLE") {
        return None;
    }
    c.eat_seq(&["IF", "EXISTS"]);
    c.eat("ONLY");
    let name = c.name()?;
    c.eat_sym("*");
    let mut wait = false;
    if Grammar::of(dialect).mysql_ddl {
        if c.eat("WAIT") {
            c.bump();
            wait = true;
        } else if c.eat("NOWAIT") {
            wait = true;
        }
    }
    let mut algorithm = None;
    let mut actions = Vec::new();
    for part in split_commas(c.rest()) {
        let mut a = Cursor::new(part, dialect);
        let line = a.line();
        for kind in parse_action(&mut a, dialect) {
            match &kind {
                ActionKind::Algorithm(v) => algorithm = Some((v.clone(), line)),
                ActionKind::Lock(v) => lock = Some((v.clone(), line)),
                _ => {}
            }
            actions.push(Action { line, kind });
        }
    }
    Some(Stmt::AlterTable(AlterTable {
        name,
        actions,
        algorithm,
        lock,
        wait,
    }))
}

/// One comma-separated part of an ALTER TABLE (a MySQL `ADD COLUMN (a …, b …)` gives several).
fn parse_action<'a>(c: &mut Cursor<'_, 'a>, dialect: Dialect) -> Vec<ActionKind<'a>> {
    let one = |k| vec![k];
    if c.at_any(&["ALGORITHM", "LOCK"]) {
        let is_algorithm = c.at("ALGORITHM");
        c.bump();
        c.eat_sym("=");
        let value = c
            .bump()
            .map(|t| t.text.to_ascii_uppercase())
            .unwrap_or_default();
        return one(if is_algorithm {
            ActionKind::Algorithm(value)
        } else {
            ActionKind::Lock(value)
        });
    }
    if c.eat("ADD") {
        if let Some(k) = constraint(c, dialect) {
            return one(ActionKind::AddConstraint(k));
        }
        let column_keyword = c.eat("COLUMN");
        c.eat_seq(&["IF", "NOT", "EXISTS"]);
        if column_keyword && Grammar::of(dialect).mysql_ddl && c.at_sym("(") {
            let inner = c.group().unwrap_or(&[]);
            return split_commas(inner)
                .into_iter()
                .filter_map(|p| column_def(&mut Cursor::new(p, dialect), dialect))
                .map(ActionKind::AddColumn)
                .collect();
        }
        return column_def(c, dialect)
            .map(ActionKind::AddColumn)
            .into_iter()
            .collect();
    }
    if c.eat("ALTER") {
        if c.at("CONSTRAINT") || c.at("INDEX") {
            return one(ActionKind::Other);
        }
        c.eat("COLUMN");
        let Some(column) = c.ident() else {
            return one(ActionKind::Other);
        };
        if c.eat_seq(&["SET", "NOT", "NULL"]) {
            return one(ActionKind::SetNotNull(column));
        }
        if c.eat_seq(&["DROP", "NOT", "NULL"]) {
            return one(ActionKind::DropNotNull(column));
        }
        if c.eat_seq(&["SET", "DATA", "TYPE"]) || c.eat("TYPE") {
            let Some(ty) = sql_type(c, dialect) else {
                return one(ActionKind::Other);
            };
            let using = c.rest().iter().any(|t| t.is("USING"));
            return one(ActionKind::AlterColumnType { column, ty, using });
        }
        return one(ActionKind::Other);
    }
    if c.eat("DROP") {
        if c.at_any(&[
            "CONSTRAINT",
            "INDEX",
            "KEY",
            "PRIMARY",
            "FOREIGN",
            "CHECK",
            "PARTITION",
            "DEFAULT",
        ]) {
            return one(ActionKind::Other);
        }
        c.eat("COLUMN");
        c.eat_seq(&["IF", "EXISTS"]);
        return match c.ident() {
            Some(col) => one(ActionKind::DropColumn(col)),
            None => one(ActionKind::Other),
        };
    }
    if c.eat("VALIDATE") && c.eat("CONSTRAINT") {
        return match c.ident() {
            Some(name) => one(ActionKind::ValidateConstraint(name)),
            None => one(ActionKind::Other),
        };
    }
    if c.eat("RENAME") {
        if c.at_any(&["CONSTRAINT", "INDEX", "KEY"]) {
            return one(ActionKind::Other);
        }
        if c.eat_any_of(&["TO", "AS"]) || (Grammar::of(dialect).mysql_ddl && !c.at("COLUMN")) {
            return match c.name() {
                Some(n) => one(ActionKind::RenameTable(n)),
                None => one(ActionKind::Other),
            };
        }
        c.eat("COLUMN");
        let from = c.ident();
        let to = if c.eat("TO") { c.ident() } else { None };
        return match (from, to) {
            (Some(from), Some(to)) => one(ActionKind::RenameColumn { from, to }),
            _ => one(ActionKind::Other),
        };
    }
    if Grammar::of(dialect).mysql_ddl {
        if c.eat("MODIFY") {
            c.eat("COLUMN");
            c.eat_seq(&["IF", "EXISTS"]);
            return column_def(c, dialect)
                .map(ActionKind::Modify)
                .into_iter()
                .collect();
        }
        if c.eat("CHANGE") {
            c.eat("COLUMN");
            c.eat_seq(&["IF", "EXISTS"]);
            let Some(old) = c.ident() else {
                return one(ActionKind::Other);
            };
            return column_def(c, dialect)
                .map(|def| ActionKind::Change { old, def })
                .into_iter()
                .collect();
        }
    }
    one(ActionKind::Other)
}

/// A table constraint or index after `ADD`; the cursor is left alone when there is none.
fn constraint<'a>(c: &mut Cursor<'_, 'a>, dialect: Dialect) -> Option<Constraint<'a>> {
    let save = c.pos;
    let line = c.line();
    let mut name = None;
    if c.eat("CONSTRAINT") {
        // MySQL allows `CONSTRAINT` without a name before the kind.
        if !c.at_any(&["PRIMARY", "UNIQUE", "CHECK", "FOREIGN", "EXCLUDE"]) {
            name = c.ident();
        }
    }
    let kind = if c.eat_seq(&["PRIMARY", "KEY"]) {
        ConstraintKind::PrimaryKey
    } else if c.eat("UNIQUE") {
        ConstraintKind::Unique
    } else if c.eat("CHECK") {
        ConstraintKind::Check(c.group().map(<[Tok]>::to_vec).unwrap_or_default())
    } else if c.eat_seq(&["FOREIGN", "KEY"]) {
        let references = c
            .rest()
            .iter()
            .position(|t| t.is("REFERENCES"))
            .and_then(|i| Cursor::new(&c.rest()[i + 1..], dialect).name());
        ConstraintKind::ForeignKey { references }
    } else if c.eat("EXCLUDE") {
        ConstraintKind::Exclude
    } else if name.is_none() && Grammar::of(dialect).mysql_ddl && c.eat_any_of(&["INDEX", "KEY"]) {
        ConstraintKind::Index
    } else if name.is_none() && Grammar::of(dialect).mysql_ddl && c.eat("FULLTEXT") {
        ConstraintKind::Fulltext
    } else if name.is_none() && Grammar::of(dialect).mysql_ddl && c.eat("SPATIAL") {
        ConstraintKind::Spatial
    } else {
        c.pos = save;
        return None;
    };
    let rest = c.rest();
    let mut depth = 0i32;
    let (mut not_valid, mut using_index) = (false, false);
    for (i, t) in rest.iter().enumerate() {
        if t.sym("(") {
            depth += 1;
        } else if t.sym(")") {
            depth -= 1;
        } else if depth == 0 && t.is("NOT") && rest.get(i + 1).is_some_and(|n| n.is("VALID")) {
            not_valid = true;
        } else if depth == 0 && t.is("USING") && rest.get(i + 1).is_some_and(|n| n.is("INDEX")) {
            using_index = true;
        }
    }
    Some(Constraint {
        name,
        line,
        kind,
        not_valid,
        using_index,
    })
}

fn parse_drop<'a>(mut c: Cursor<'_, 'a>, dialect: Dialect, line: usize) -> Option<Stmt<'a>> {
    c.eat_any_of(&["TEMPORARY"]);
    if c.eat("TABLE") {
        c.eat_seq(&["IF", "EXISTS"]);
        let mut names = Vec::new();
        while let Some(n) = c.name() {
            names.push(n);
            if !c.eat_sym(",") {
                break;
            }
        }
        return Some(Stmt::DropTable { line, names });
    }
    c.eat_any_of(&["ONLINE", "OFFLINE"]);
    if c.eat("INDEX") {
        let concurrently = c.eat("CONCURRENTLY");
        c.eat_seq(&["IF", "EXISTS"]);
        let mut names = Vec::new();
        while let Some(n) = c.name() {
            names.push(n);
            if !c.eat_sym(",") {
                break;
            }
        }
        let table = if Grammar::of(dialect).mysql_ddl && c.eat("ON") {
            c.name()
        } else {
            None
        };
        let (algorithm, lock) = index_options(c.rest());
        return Some(Stmt::DropIndex(DropIndex {
            line,
            concurrently,
            names,
            table,
            algorithm,
            lock,
        }));
    }
    None
}

fn parse_rename_table<'a>(mut c: Cursor<'_, 'a>, line: usize) -> Option<Stmt<'a>> {
    if !c.eat_any_of(&["TABLE", "TABLES"]) {
        return None;
    }
    let mut pairs = Vec::new();
    loop {
        let from = c.name()?;
        if c.eat("WAIT") {
            c.bump();
        }
        c.eat("NOWAIT");
        if !c.eat("TO") {
            return None;
        }
        pairs.push((from, c.name()?));
        if !c.eat_sym(",") {
            break;
        }
    }
    Some(Stmt::RenameTable { line, pairs })
}

fn parse_set(mut c: Cursor<'_, '_>) -> Stmt<'static> {
    let mut local = false;
    if c.eat("LOCAL") {
        local = true;
    } else {
        c.eat_any_of(&["SESSION"]);
    }
    let mut vars = Vec::new();
    for part in split_commas(c.rest()) {
        let mut p = Cursor::new(part, Dialect::Mysql);
        p.eat_any_of(&["SESSION", "LOCAL"]);
        // @@session.x, @@x
        let mut name = String::new();
        while let Some(t) = p.peek() {
            if t.sym("=") || t.is("TO") {
                break;
            }
            name.push_str(t.text);
            p.bump();
        }
        let name = name.to_lowercase();
        let name = name
            .trim_start_matches("@@")
            .trim_start_matches("session.")
            .trim_start_matches("local.")
            .to_string();
        if !(p.eat_sym("=") || p.eat("TO")) {
            continue;
        }
        let value: Vec<String> = p
            .rest()
            .iter()
            .map(|t| t.string_value().unwrap_or_else(|| t.text.to_string()))
            .collect();
        vars.push((name, value.join("").to_lowercase()));
    }
    Stmt::Set { local, vars }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::migrations::split;

    /// Parses one statement.
    pub fn stmt(sql: &str, dialect: Dialect) -> Stmt<'_> {
        let tokens = split::tokens("t.sql", sql, dialect).unwrap();
        let toks = significant(&tokens, dialect);
        parse(&toks, dialect)
    }

    #[test]
    fn create_index_forms() {
        let Stmt::CreateIndex(i) = stmt(
            "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON ONLY public.\"Orders\" USING btree (a)",
            Dialect::Postgres,
        ) else {
            panic!()
        };
        assert!(i.unique && i.concurrently);
        assert_eq!(i.table.quoted(), "\"public.Orders\"");
        assert_eq!(i.table.last().key, "Orders");
        let Stmt::CreateIndex(i) = stmt(
            "CREATE FULLTEXT INDEX ft ON `Docs` (body) ALGORITHM = INPLACE LOCK=SHARED",
            Dialect::Mysql,
        ) else {
            panic!()
        };
        assert_eq!(i.special.as_deref(), Some("FULLTEXT"));
        assert_eq!(i.table.last().key, "docs");
        assert_eq!(i.algorithm.as_deref(), Some("INPLACE"));
        assert_eq!(i.lock.as_deref(), Some("SHARED"));
    }

    #[test]
    fn alter_table_actions() {
        let Stmt::AlterTable(a) = stmt(
            "ALTER TABLE t ADD COLUMN c varchar(20) NOT NULL DEFAULT 'x', ALTER COLUMN d TYPE numeric(10, 2) USING d::numeric, ADD CONSTRAINT fk FOREIGN KEY (c) REFERENCES u (id) NOT VALID, VALIDATE CONSTRAINT k, RENAME COLUMN a TO b",
            Dialect::Postgres,
        ) else {
            panic!()
        };
        assert_eq!(a.actions.len(), 5);
        match &a.actions[0].kind {
            ActionKind::AddColumn(d) => {
                assert_eq!(d.ty.display(), "varchar(20)");
                assert!(d.not_null);
                assert_eq!(d.default.as_ref().unwrap().len(), 1);
            }
            other => panic!("{other:?}"),
        }
        match &a.actions[1].kind {
            ActionKind::AlterColumnType { column, ty, using } => {
                assert_eq!(column.key, "d");
                assert_eq!(ty.display(), "numeric(10,2)");
                assert!(*using);
            }
            other => panic!("{other:?}"),
        }
        match &a.actions[2].kind {
            ActionKind::AddConstraint(k) => {
                assert!(k.not_valid);
                assert!(
                    matches!(&k.kind, ConstraintKind::ForeignKey { references: Some(r) } if r.last().key == "u")
                );
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(&a.actions[3].kind, ActionKind::ValidateConstraint(k) if k.key == "k"));
        assert!(
            matches!(&a.actions[4].kind, ActionKind::RenameColumn { from, to } if from.key == "a" && to.key == "b")
        );
    }

    #[test]
    fn mysql_alter_options_and_columns() {
        let Stmt::AlterTable(a) = stmt(
            "ALTER TABLE t MODIFY COLUMN c ENUM('a','b') NOT NULL, CHANGE d e INT UNSIGNED, ADD COLUMN (x INT, y TEXT), ALGORITHM=INPLACE, LOCK = NONE",
            Dialect::Mysql,
        ) else {
            panic!()
        };
        assert_eq!(a.algorithm.as_ref().unwrap().0, "INPLACE");
        assert_eq!(a.lock.as_ref().unwrap().0, "NONE");
        match &a.actions[0].kind {
            ActionKind::Modify(d) => {
                assert_eq!(d.ty.values, vec!["a", "b"]);
                assert!(d.not_null);
            }
            other => panic!("{other:?}"),
        }
        match &a.actions[1].kind {
            ActionKind::Change { old, def } => {
                assert_eq!(old.key, "d");
                assert_eq!(def.name.key, "e");
                assert_eq!(def.ty.display(), "int unsigned");
            }
            other => panic!("{other:?}"),
        }
        assert_eq!(
            a.actions
                .iter()
                .filter(|a| matches!(a.kind, ActionKind::AddColumn(_)))
                .count(),
            2
        );
    }

    #[test]
    fn types_unify() {
        let Stmt::CreateTable(t) = stmt(
            "CREATE TABLE t (a character varying(10), b timestamp(3) with time zone NOT NULL, c int4[], d double precision, e VARCHAR(5) CHARACTER SET latin1 NOT NULL, PRIMARY KEY (a), FOREIGN KEY (a) REFERENCES other (x))",
            Dialect::Postgres,
        ) else {
            panic!()
        };
        let types: Vec<String> = t.columns.iter().map(|c| c.ty.display()).collect();
        assert_eq!(
            types,
            vec![
                "varchar(10)",
                "timestamptz(3)",
                "integer[]",
                "double precision",
                "varchar(5)"
            ]
        );
        assert_eq!(t.columns[4].ty.charset.as_deref(), Some("latin1"));
        assert!(t.columns[1].not_null);
        assert_eq!(t.references.len(), 1);
    }

    #[test]
    fn set_statements() {
        let Stmt::Set { vars, local } = stmt("SET LOCAL lock_timeout TO '2s'", Dialect::Postgres)
        else {
            panic!()
        };
        assert!(local);
        assert_eq!(vars, vec![("lock_timeout".into(), "2s".into())]);
        let Stmt::Set { vars, .. } = stmt(
            "SET @@session.foreign_key_checks = 0, SESSION lock_wait_timeout = 5",
            Dialect::Mysql,
        ) else {
            panic!()
        };
        assert_eq!(
            vars,
            vec![
                ("foreign_key_checks".into(), "0".into()),
                ("lock_wait_timeout".into(), "5".into())
            ]
        );
    }

    #[test]
    fn transactions_and_enum_values() {
        assert!(matches!(stmt("BEGIN", Dialect::Postgres), Stmt::Begin));
        assert!(matches!(
            stmt("BEGIN NOT ATOMIC SELECT 1; END", Dialect::Mysql),
            Stmt::Other
        ));
        assert!(matches!(
            stmt("START TRANSACTION", Dialect::Mysql),
            Stmt::Begin
        ));
        assert!(matches!(stmt("COMMIT", Dialect::Mysql), Stmt::End));
        assert!(matches!(
            stmt("ROLLBACK TO SAVEPOINT a", Dialect::Postgres),
            Stmt::Other
        ));
        let Stmt::AddEnumValue { value, .. } = stmt(
            "ALTER TYPE mood ADD VALUE IF NOT EXISTS 'it''s' BEFORE 'sad'",
            Dialect::Postgres,
        ) else {
            panic!()
        };
        assert_eq!(value, "it's");
    }

    #[test]
    fn strings_and_dollar_quotes() {
        let tokens = split::tokens("t", "$a$x'y$a$ E'it\\'s'", Dialect::Postgres).unwrap();
        let toks = significant(&tokens, Dialect::Postgres);
        assert_eq!(toks[0].string_value().unwrap(), "x'y");
        assert_eq!(toks[1].string_value().unwrap(), "it's");
    }
}
