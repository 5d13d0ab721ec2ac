//! The agent's SQLite: bound-parameter queries with typed rows, and the
//! framework's own tables with their migrations.

pub(crate) mod schema;
pub(crate) mod sql;
