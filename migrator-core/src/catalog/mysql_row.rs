//! Reading a MySQL / MariaDB result row as text: the one helper the inspector's files
//! (`mysql.rs`, `mysql_event.rs`, `mysql_partition.rs`) share.

use mysql_async::{Row, Value};

/// Column `i` of `row` as text (`None` for NULL or a missing column); numbers as digits.
pub(super) fn text(row: &Row, i: usize) -> Option<String> {
    match row.as_ref(i)? {
        Value::NULL => None,
        Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::Int(v) => Some(v.to_string()),
        Value::UInt(v) => Some(v.to_string()),
        Value::Float(v) => Some(v.to_string()),
        Value::Double(v) => Some(v.to_string()),
        other => Some(format!("{other:?}")),
    }
}
