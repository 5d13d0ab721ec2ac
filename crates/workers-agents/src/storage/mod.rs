//! The agent's SQLite: bound-parameter queries with typed rows, and the
//! framework's own tables with their migrations.

pub(crate) mod js;
pub(crate) mod param;
pub(crate) mod rows;
pub(crate) mod schema;
pub(crate) mod sql;
pub(crate) mod statement;
