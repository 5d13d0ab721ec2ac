//! The framework's own tables, one schema per part.
//!
//! Every framework table is prefixed `cf_agents_`. Each part (state sync,
//! schedules, MCP, AI) lists its migrations in a [`Migrations`] and records
//! how many have run under its own key in `cf_agents_meta`
//! (`schema.state`, `schema.schedule`, …), so a part that an agent never
//! uses creates no tables. The keys are read once per wake.
//!
//! A new database is not written when the instance wakes: the meta table
//! is created with the first part's tables. An instance that stores nothing
//! (an MCP session id nobody was issued) leaves no storage behind.
//!
//! Releases before parts kept one `schema_version` (1 to 5) for all tables;
//! [`Migrations::legacy`] tells what each part had at that version, and the
//! part's own key is written the first time such a database is opened.

use std::cell::{Cell, RefCell};

use crate::storage::sql::Sql;
use crate::Result;

/// The key under which releases before parts kept one version for all tables.
const LEGACY_KEY: &str = "schema_version";

/// One part's tables: its migrations, applied in order, each once.
pub(crate) struct Migrations {
    /// Its version key in `cf_agents_meta`.
    pub(crate) key: &'static str,
    /// SQL batches; the version is the number applied.
    pub(crate) steps: &'static [&'static str],
    /// How many of `steps` a database at the single legacy version had.
    pub(crate) legacy: fn(i64) -> usize,
}

#[derive(serde::Deserialize)]
struct MetaRow {
    key: String,
    value: i64,
}

/// The schema versions this database records, read when the instance wakes.
#[derive(Debug)]
pub(crate) struct Schema {
    versions: RefCell<Vec<(String, i64)>>,
    /// Whether `cf_agents_meta` exists.
    has_meta: Cell<bool>,
}

#[derive(serde::Deserialize)]
struct TableRow {}

impl Schema {
    /// Reads the recorded versions, without writing anything.
    pub(crate) fn open(sql: &Sql) -> Result<Schema> {
        let meta = "SELECT 1 AS one FROM sqlite_master WHERE type = 'table' AND name = 'cf_agents_meta'";
        let has_meta = sql.query_one::<TableRow>(meta, crate::params![])?.is_some();
        let rows: Vec<MetaRow> = match has_meta {
            true => sql.query("SELECT key, value FROM cf_agents_meta", crate::params![])?,
            false => Vec::new(),
        };
        Ok(Schema {
            versions: RefCell::new(rows.into_iter().map(|r| (r.key, r.value)).collect()),
            has_meta: Cell::new(has_meta),
        })
    }

    /// Whether the database holds no framework table yet.
    pub(crate) fn is_new(&self) -> bool {
        !self.has_meta.get()
    }

    /// Forgets every recorded version: the database was emptied.
    #[cfg_attr(not(feature = "mcp"), allow(dead_code))]
    pub(crate) fn forget(&self) {
        self.versions.borrow_mut().clear();
        self.has_meta.set(false);
    }

    /// The value recorded under `key` (a part's version, or the state's: see
    /// [`crate::state::migration`]).
    pub(crate) fn recorded(&self, key: &str) -> Option<i64> {
        self.versions.borrow().iter().find(|(k, _)| k == key).map(|(_, v)| *v)
    }

    /// How many of the part's migrations this database has, and whether
    /// that figure is recorded under the part's own key.
    fn version(&self, part: &Migrations) -> (usize, bool) {
        match self.recorded(part.key) {
            Some(version) => (usize::try_from(version).unwrap_or(0), true),
            None => (self.recorded(LEGACY_KEY).map_or(0, part.legacy), false),
        }
    }

    /// Whether the part's tables exist (some of its migrations ran).
    #[cfg_attr(not(feature = "ai"), allow(dead_code))]
    pub(crate) fn has(&self, part: &Migrations) -> bool {
        self.version(part).0 > 0
    }

    /// Applies the part's migrations that have not run yet and records its
    /// version. Cheap once applied: nothing but a look-up in memory.
    pub(crate) fn ensure(&self, sql: &Sql, part: &Migrations) -> Result<()> {
        let (have, recorded) = self.version(part);
        let target = part.steps.len();
        if have >= target && recorded {
            return Ok(());
        }
        self.create_meta(sql)?;
        for step in part.steps.iter().skip(have) {
            sql.execute_batch(step)?;
        }
        self.record(sql, part.key, have.max(target) as i64)
    }

    /// Records `value` under `key`, in storage and in memory.
    pub(crate) fn record(&self, sql: &Sql, key: &str, value: i64) -> Result<()> {
        self.create_meta(sql)?;
        sql.execute("INSERT OR REPLACE INTO cf_agents_meta (key, value) VALUES (?, ?)", crate::params![key, value])?;
        let mut versions = self.versions.borrow_mut();
        versions.retain(|(k, _)| k != key);
        versions.push((key.to_owned(), value));
        Ok(())
    }

    fn create_meta(&self, sql: &Sql) -> Result<()> {
        if !self.has_meta.get() {
            sql.execute_batch(
                "CREATE TABLE IF NOT EXISTS cf_agents_meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL)",
            )?;
            self.has_meta.set(true);
        }
        Ok(())
    }
}
