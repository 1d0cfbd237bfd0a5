//! The rules, one file each. Adding a rule: write `rules/<name>.rs` with a type implementing
//! [`Rule`] (doc comment: what, why with the lock level and cost, the safe alternative; tests
//! with failing and passing examples), then add one line to the registry below.

use super::Rule;

macro_rules! registry {
    ($($module:ident :: $rule:ident,)*) => {
        $(mod $module;)*

        /// Every rule, in the order `--list-rules` and the README show them.
        pub fn all() -> &'static [&'static dyn Rule] {
            &[$(&$module::$rule,)*]
        }
    };
}

registry! {
    // Postgres
    require_concurrent_index::RequireConcurrentIndex,
    require_concurrent_drop_index::RequireConcurrentDropIndex,
    require_not_valid_foreign_key::RequireNotValidForeignKey,
    require_not_valid_check::RequireNotValidCheck,
    set_not_null_without_check::SetNotNullWithoutCheck,
    rewriting_type_change::RewritingTypeChange,
    rewriting_add_column::RewritingAddColumn,
    require_unique_using_index::RequireUniqueUsingIndex,
    concurrently_in_transaction::ConcurrentlyInTransaction,
    enum_value_in_transaction::EnumValueInTransaction,
    // Both dialects
    rename_column::RenameColumn,
    rename_table::RenameTable,
    drop_column::DropColumn,
    drop_table::DropTable,
    explicit_transaction::ExplicitTransaction,
    require_lock_timeout::RequireLockTimeout,
    // MySQL / MariaDB
    require_algorithm_lock::RequireAlgorithmLock,
    copying_type_change::CopyingTypeChange,
    not_null_rebuild::NotNullRebuild,
    foreign_key_with_checks::ForeignKeyWithChecks,
    fulltext_index::FulltextIndex,
    column_position::ColumnPosition,
}

/// The rule named `name`.
pub fn find(name: &str) -> Option<&'static dyn Rule> {
    all().iter().copied().find(|r| r.name() == name)
}
