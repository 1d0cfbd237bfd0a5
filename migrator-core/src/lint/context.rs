//! What a rule sees: the statement, the file around it (directives, earlier and later
//! statements, transactions) and what earlier files told about column types.

use super::sql::{ActionKind, Ident, Name, SqlType, Stmt, Tok};
use super::{Finding, LintOptions, Rule, Severity};
use crate::migrations::{Directives, Phase};
use crate::Dialect;
use std::any::Any;
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

/// One statement of a linted file.
#[derive(Debug)]
pub struct ParsedStatement<'a> {
    /// The statement text, as the splitter cut it.
    pub sql: &'a str,
    /// Line of its first token.
    pub line: usize,
    /// Its significant tokens (lines are file lines).
    pub toks: Vec<Tok<'a>>,
    /// What it is, as far as the rules care.
    pub stmt: Stmt<'a>,
}

impl ParsedStatement<'_> {
    /// Whether the statement uses `word` as a keyword (outside strings and comments).
    pub fn has_word(&self, word: &str) -> bool {
        self.toks.iter().any(|t| t.is(word))
    }

    /// Whether the statement starts with these words.
    pub fn starts_with(&self, words: &[&str]) -> bool {
        words.len() <= self.toks.len() && words.iter().zip(&self.toks).all(|(w, t)| t.is(w))
    }
}

/// A linted file.
#[derive(Debug)]
pub struct FileContext<'a> {
    /// The file as named on the command line (or `dir/name`).
    pub name: &'a str,
    pub dialect: Dialect,
    pub options: &'a LintOptions,
    pub directives: Directives,
    /// A `.down.sql` file: it undoes its up file during a rollback.
    pub is_down: bool,
    pub statements: Vec<ParsedStatement<'a>>,
    /// Whether migrator runs the whole file in one transaction (Postgres, no `no-transaction`
    /// directive, no `CONCURRENTLY`; never with `--standalone`).
    pub runs_in_transaction: bool,
    /// Per statement: the transaction it runs in (`None`: autocommit). With
    /// [`runs_in_transaction`](Self::runs_in_transaction) all share one.
    pub(super) transactions: Vec<Option<usize>>,
    /// Per statement: the index of the explicit `BEGIN` whose block it is in.
    pub(super) explicit_begin: Vec<Option<usize>>,
    /// `(statement index, table)` of every CREATE TABLE, and `(index, index name)` of every
    /// CREATE INDEX: looked up for each statement, so kept apart from the statements.
    created_tables: Vec<(usize, Name)>,
    /// The `new-tables` directive's tables: created by an earlier file of the same plan.
    plan_tables: Vec<Name>,
    created_indexes: Vec<(usize, Name)>,
    enum_additions: OnceCell<Vec<usize>>,
    memo: RefCell<HashMap<&'static str, Rc<dyn Any>>>,
}

impl<'a> FileContext<'a> {
    pub(super) fn new(
        name: &'a str,
        options: &'a LintOptions,
        directives: Directives,
        statements: Vec<ParsedStatement<'a>>,
    ) -> Self {
        let dialect = options.dialect;
        let runs_in_transaction = !options.standalone
            && dialect.transactional_ddl()
            && !directives.no_transaction
            && !statements.iter().any(|s| s.has_word("CONCURRENTLY"));
        let plan_tables = directives
            .new_tables
            .iter()
            .filter_map(|t| super::sql::parse_name(t, dialect))
            .collect();
        // An explicit BEGIN … COMMIT block: the BEGIN and the COMMIT belong to it.
        let mut explicit_begin = Vec::with_capacity(statements.len());
        let mut open: Option<usize> = None;
        for (i, s) in statements.iter().enumerate() {
            if matches!(s.stmt, Stmt::Begin) {
                open = Some(i);
            }
            explicit_begin.push(open);
            if matches!(s.stmt, Stmt::End) {
                open = None;
            }
        }
        let transactions = explicit_begin
            .iter()
            .map(|begin| {
                if runs_in_transaction {
                    Some(0)
                } else {
                    begin.map(|b| b + 1)
                }
            })
            .collect();
        FileContext {
            name,
            dialect,
            options,
            is_down: name.ends_with(".down.sql"),
            directives,
            runs_in_transaction,
            transactions,
            explicit_begin,
            plan_tables,
            created_tables: created(&statements, |s| match s {
                Stmt::CreateTable(t) => Some(t.name.clone()),
                _ => None,
            }),
            created_indexes: created(&statements, |s| match s {
                Stmt::CreateIndex(i) => i.name.clone(),
                _ => None,
            }),
            statements,
            enum_additions: OnceCell::new(),
            memo: RefCell::new(HashMap::new()),
        }
    }

    /// A per-file fact computed once, under `key` (use the rule's name): keeps a rule that
    /// needs a whole-file view linear on big files.
    pub fn memo<T: 'static>(&self, key: &'static str, compute: impl FnOnce() -> T) -> Rc<T> {
        if let Some(v) = self.memo.borrow().get(key) {
            return Rc::clone(v).downcast::<T>().expect("one type per memo key");
        }
        let v: Rc<T> = Rc::new(compute());
        self.memo.borrow_mut().insert(key, v.clone() as Rc<dyn Any>);
        v
    }

    /// The indexes of the `ALTER TYPE … ADD VALUE` statements (computed once per file, so a
    /// rule asking at every statement of a big file stays linear).
    pub fn enum_additions(&self) -> &[usize] {
        self.enum_additions.get_or_init(|| {
            self.statements
                .iter()
                .enumerate()
                .filter(|(_, s)| matches!(s.stmt, Stmt::AddEnumValue { .. }))
                .map(|(i, _)| i)
                .collect()
        })
    }

    pub fn phase(&self) -> Phase {
        self.directives.phase()
    }

    /// Whether a statement before statement `index` created `table`, or the file's `new-tables`
    /// directive names it.
    pub fn table_created_before(&self, index: usize, table: &Name) -> bool {
        self.plan_tables.iter().any(|n| n.same(table))
            || self
                .created_tables
                .iter()
                .any(|(i, n)| *i < index && n.same(table))
    }
}

fn created<'a>(
    statements: &[ParsedStatement<'a>],
    name: impl Fn(&Stmt<'a>) -> Option<Name>,
) -> Vec<(usize, Name)> {
    statements
        .iter()
        .enumerate()
        .filter_map(|(i, s)| name(&s.stmt).map(|n| (i, n)))
        .collect()
}

/// A column as earlier statements (of this file or of earlier files) declared it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownColumn {
    pub ty: SqlType,
    pub not_null: bool,
}

/// Column types and nullability learnt from the statements linted so far, in order (up files
/// only: a down file undoes, it does not build). Tables are keyed by their own name, without
/// schema.
#[derive(Debug, Default, Clone)]
pub struct Knowledge {
    tables: HashMap<String, HashMap<String, KnownColumn>>,
}

impl Knowledge {
    pub fn column(&self, table: &Name, column: &Ident) -> Option<&KnownColumn> {
        self.tables.get(&table.last().key)?.get(&column.key)
    }

    /// Learns from a statement that ran.
    pub fn apply(&mut self, stmt: &Stmt) {
        match stmt {
            Stmt::CreateTable(t) => {
                let columns = t
                    .columns
                    .iter()
                    .map(|c| {
                        (
                            c.name.key.clone(),
                            KnownColumn {
                                ty: c.ty.clone(),
                                not_null: c.not_null,
                            },
                        )
                    })
                    .collect();
                self.tables.insert(t.name.last().key.clone(), columns);
            }
            Stmt::AlterTable(a) => {
                let mut table_key = a.name.last().key.clone();
                for action in &a.actions {
                    let table = self.tables.entry(table_key.clone()).or_default();
                    match &action.kind {
                        ActionKind::AddColumn(c) | ActionKind::Modify(c) => {
                            table.insert(
                                c.name.key.clone(),
                                KnownColumn {
                                    ty: c.ty.clone(),
                                    not_null: c.not_null,
                                },
                            );
                        }
                        ActionKind::Change { old, def } => {
                            table.remove(&old.key);
                            table.insert(
                                def.name.key.clone(),
                                KnownColumn {
                                    ty: def.ty.clone(),
                                    not_null: def.not_null,
                                },
                            );
                        }
                        ActionKind::AlterColumnType { column, ty, .. } => {
                            if let Some(c) = table.get_mut(&column.key) {
                                c.ty = ty.clone();
                            }
                        }
                        ActionKind::SetNotNull(column) | ActionKind::DropNotNull(column) => {
                            let not_null = matches!(action.kind, ActionKind::SetNotNull(_));
                            if let Some(c) = table.get_mut(&column.key) {
                                c.not_null = not_null;
                            }
                        }
                        ActionKind::DropColumn(column) => {
                            table.remove(&column.key);
                        }
                        ActionKind::RenameColumn { from, to } => {
                            if let Some(c) = table.remove(&from.key) {
                                table.insert(to.key.clone(), c);
                            }
                        }
                        ActionKind::RenameTable(to) => {
                            if let Some(t) = self.tables.remove(&table_key) {
                                self.tables.insert(to.last().key.clone(), t);
                            }
                            table_key = to.last().key.clone();
                        }
                        _ => {}
                    }
                }
            }
            Stmt::DropTable { names, .. } => {
                for n in names {
                    self.tables.remove(&n.last().key);
                }
            }
            Stmt::RenameTable { pairs, .. } => {
                for (from, to) in pairs {
                    if let Some(t) = self.tables.remove(&from.last().key) {
                        self.tables.insert(to.last().key.clone(), t);
                    }
                }
            }
            _ => {}
        }
    }
}

/// What [`Rule::check`] gets: one statement in its file.
pub struct StatementContext<'c, 'a> {
    pub file: &'c FileContext<'a>,
    /// The statement's index in [`FileContext::statements`].
    pub index: usize,
    /// What the statements before this one (earlier files included) declared.
    pub knowledge: &'c Knowledge,
}

impl<'c, 'a> StatementContext<'c, 'a> {
    pub fn statement(&self) -> &'c ParsedStatement<'a> {
        &self.file.statements[self.index]
    }

    pub fn stmt(&self) -> &'c Stmt<'a> {
        &self.statement().stmt
    }

    pub fn dialect(&self) -> Dialect {
        self.file.dialect
    }

    pub fn options(&self) -> &'c LintOptions {
        self.file.options
    }

    /// The statements before this one in the file.
    pub fn earlier(&self) -> &'c [ParsedStatement<'a>] {
        &self.file.statements[..self.index]
    }

    /// The statements after this one in the file.
    pub fn later(&self) -> &'c [ParsedStatement<'a>] {
        &self.file.statements[self.index + 1..]
    }

    /// Whether an earlier statement of this file created `table`: then nobody else uses it yet,
    /// and locks or rewrites on it cost nothing.
    pub fn created_in_file(&self, table: &Name) -> bool {
        self.file.table_created_before(self.index, table)
    }

    /// Whether an earlier statement of this file created the index `name`.
    pub fn index_created_in_file(&self, name: &Name) -> bool {
        self.file
            .created_indexes
            .iter()
            .any(|(i, n)| *i < self.index && n.same(name))
    }

    /// Whether this statement runs inside a transaction (migrator's, or an explicit block).
    pub fn in_transaction(&self) -> bool {
        self.file.transactions[self.index].is_some()
    }

    /// Whether statements `a` and `b` of the file run in the same transaction.
    pub fn same_transaction(&self, a: usize, b: usize) -> bool {
        let t = &self.file.transactions;
        t[a].is_some() && t[a] == t[b]
    }

    /// The line of the explicit `BEGIN` whose block this statement is in.
    pub fn explicit_begin_line(&self) -> Option<usize> {
        let begin = self.file.explicit_begin[self.index]?;
        (begin != self.index).then(|| self.file.statements[begin].line)
    }

    /// A finding of `rule` at `line`, with the rule's severity.
    pub fn finding(
        &self,
        rule: &dyn Rule,
        line: usize,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Finding {
        self.finding_with(rule, rule.severity(), line, message, help)
    }

    pub fn finding_with(
        &self,
        rule: &dyn Rule,
        severity: Severity,
        line: usize,
        message: impl Into<String>,
        help: impl Into<String>,
    ) -> Finding {
        Finding {
            file: self.file.name.to_string(),
            line,
            rule: rule.name(),
            severity,
            message: message.into(),
            help: help.into(),
        }
    }
}
