//! The agent's own SQLite database, with bound parameters only and rows
//! decoded into Rust types.

use serde::de::DeserializeOwned;
use wasm_bindgen::closure::ScopedClosure;
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{self, JsString};
use worker::{SqlCursor, SqlStorage};

pub use worker::SqlStorageValue as SqlValue;

use super::js::{self, JsCursor, JsSql};
use super::{rows, statement};
use crate::{Error, Result};

/// Builds a parameter list for [`Sql`] methods: `params![name, 42, Some(1.5), done]`.
/// Each value is a [`SqlParam`](crate::SqlParam), whose documentation says
/// which Rust types bind as which SQLite values (`bool` as `0` / `1`).
#[macro_export]
macro_rules! params {
    () => { ::std::vec::Vec::<$crate::SqlValue>::new() };
    ($($value:expr),+ $(,)?) => { ::std::vec![$($crate::SqlParam::into_sql_value($value)),+] };
}

#[wasm_bindgen]
extern "C" {
    /// The Durable Object's storage, seen only for `transactionSync`.
    type TransactionalStorage;

    #[wasm_bindgen(method, catch, js_name = transactionSync)]
    fn transaction_sync(
        this: &TransactionalStorage,
        body: &ScopedClosure<'_, dyn FnMut() -> std::result::Result<JsValue, JsValue>>,
    ) -> std::result::Result<JsValue, JsValue>;
}

/// Handle to the agent's SQLite database (`ctx.storage.sql`).
///
/// Values only ever travel as bound parameters (`?`), never spliced into the
/// SQL text ([`params!`](crate::params) says what binds as what). Rows decode
/// into structs (columns by name), tuples (columns in order) or, for one
/// column, its value; the table of what each SQLite type decodes into is
/// below. Every error names the statement that failed.
///
/// | SQLite | decodes into |
/// |---|---|
/// | `NULL` | `Option::None`, `()` |
/// | `INTEGER` (within ±2^53) | any integer type that holds it, `f32` / `f64`, and `bool` from `0` / `1` |
/// | `REAL` | `f32`, `f64` (a whole number within ±2^53 also into integer types) |
/// | `TEXT` | `String`, `char`, a unit enum variant by its (serde) name; text holding JSON into a struct, map, `Vec` or tuple |
/// | `BLOB` | `Vec<u8>` |
///
/// A statement that may write (anything but one `SELECT`, `VALUES` or
/// `EXPLAIN`: `INSERT … RETURNING`, `UPDATE … RETURNING`, `WITH …`) runs
/// with its rows decoded inside one transaction in [`query`](Self::query)
/// and [`query_one`](Self::query_one): a row that does not decode rolls the
/// write back, and the error says which row and column. Across statements,
/// [`transaction`](Self::transaction) does the same for a whole block.
///
/// ```no_run
/// use serde::Deserialize;
/// use workers_agents::{params, Result, Sql};
///
/// #[derive(Deserialize)]
/// struct Todo { id: i64, title: String, done: bool } // `done` is 0 / 1 in SQLite
///
/// fn add(sql: &Sql, title: &str) -> Result<Todo> {
///     sql.execute_batch("CREATE TABLE IF NOT EXISTS todos (id INTEGER PRIMARY KEY, title TEXT NOT NULL, done INTEGER NOT NULL)")?;
///     // RETURNING hands back the stored row; had it not decoded, nothing would be stored.
///     let todo = sql.query_one::<Todo>(
///         "INSERT INTO todos (title, done) VALUES (?, ?) RETURNING id, title, done",
///         params![title, false],
///     )?;
///     Ok(todo.expect("INSERT … RETURNING returns the row"))
/// }
///
/// /// Titles containing `text` literally: `%` and `_` in it are not wildcards.
/// fn search(sql: &Sql, text: &str) -> Result<Vec<Todo>> {
///     let escaped = text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
///     sql.query(
///         "SELECT id, title, done FROM todos WHERE title LIKE ? ESCAPE '\\' ORDER BY id",
///         params![format!("%{escaped}%")],
///     )
/// }
///
/// fn open_count(sql: &Sql) -> Result<i64> {
///     // A one-column row decodes into that column's type.
///     Ok(sql.query_one::<i64>("SELECT count(*) FROM todos WHERE done = ?", params![false])?.unwrap_or(0))
/// }
/// ```
#[derive(Clone)]
pub struct Sql {
    inner: SqlStorage,
    js: JsSql,
    storage: JsValue,
    /// How many [`Sql::transaction`]s are open (they nest).
    transactions: std::rc::Rc<std::cell::Cell<u32>>,
}

impl std::fmt::Debug for Sql {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Sql")
    }
}

fn failed(query: &str, message: impl std::fmt::Display) -> Error {
    Error::Sql { query: query.to_owned(), message: message.to_string() }
}

fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// `INSERT INTO t (a, b) SELECT json_extract(value, '$[0]'), … FROM json_each(?)`.
fn bulk_insert_sql(table: &str, columns: &[&str]) -> Result<String> {
    if let Some(bad) = std::iter::once(&table).chain(columns).find(|name| !is_identifier(name)) {
        return Err(failed(&format!("INSERT INTO {table}"), format!("\"{bad}\" is not a plain identifier")));
    }
    if columns.is_empty() {
        return Err(failed(&format!("INSERT INTO {table}"), "no columns"));
    }
    let picks: Vec<String> = (0..columns.len()).map(|i| format!("json_extract(value, '$[{i}]')")).collect();
    Ok(format!("INSERT INTO {table} ({}) SELECT {} FROM json_each(?)", columns.join(", "), picks.join(", ")))
}

/// Runs `cursor`'s statement to completion; the rows written. A statement
/// without result columns is complete once `exec` returns (the runtime
/// steps it once, and it has no row to stop at); one with them (a `SELECT`,
/// `… RETURNING`) is drained. Draining costs the runtime an iterator even
/// when there is nothing to take, about as much as a small `INSERT` itself.
///
/// A write whose text has no `RETURNING` has no result columns: the runtime
/// is not asked for them.
fn run_to_completion(query: &str, cursor: &JsCursor) -> Result<usize> {
    if !plain_write(query) && cursor.has_columns() {
        for row in cursor.rows() {
            row.map_err(|e| failed(query, worker::Error::from(e)))?;
        }
    }
    Ok(cursor.rows_written() as usize)
}

/// Whether `query` is one `INSERT`, `UPDATE`, `DELETE` or `REPLACE` with no
/// `RETURNING` anywhere in its text (so without result columns). Text with
/// a `;` before its end may hold more statements: it is not one.
fn plain_write(query: &str) -> bool {
    if query.trim_end().trim_end_matches(';').contains(';') {
        return false;
    }
    let start = query.trim_start().as_bytes();
    let writes = ["INSERT", "UPDATE", "DELETE", "REPLACE"]
        .iter()
        .any(|verb| start.get(..verb.len()).is_some_and(|head| head.eq_ignore_ascii_case(verb.as_bytes())));
    writes && !query.as_bytes().windows(9).any(|word| word.eq_ignore_ascii_case(b"returning"))
}

/// Counts an open transaction until dropped (a panic that unwinds out of it included).
struct OpenTransaction<'a>(&'a std::cell::Cell<u32>);

impl<'a> OpenTransaction<'a> {
    fn new(open: &'a std::cell::Cell<u32>) -> Self {
        open.set(open.get() + 1);
        OpenTransaction(open)
    }
}

impl Drop for OpenTransaction<'_> {
    fn drop(&mut self) {
        self.0.set(self.0.get().saturating_sub(1));
    }
}

impl Sql {
    pub(crate) fn new(durable: &worker::State) -> Self {
        let storage = durable.storage();
        let raw: &JsValue = storage.as_raw().as_ref();
        let inner = storage.sql();
        let js = AsRef::<JsValue>::as_ref(&inner).clone().unchecked_into();
        Sql { inner, js, storage: raw.clone(), transactions: Default::default() }
    }

    /// Runs one statement and returns the runtime cursor (a
    /// `SqlValue::Boolean` is bound as `0` / `1`).
    pub fn exec(&self, query: &str, params: Vec<SqlValue>) -> Result<SqlCursor> {
        let bindings = if params.is_empty() {
            None
        } else {
            Some(params.into_iter().map(crate::SqlParam::into_sql_value).collect())
        };
        self.inner.exec(query, bindings).map_err(|e| failed(query, e))
    }

    /// Runs a query and decodes every row into `T` (see [`Sql`] for what
    /// decodes into what). A statement that may write decodes its rows
    /// inside its transaction: a row that does not decode undoes the write.
    pub fn query<T: DeserializeOwned>(&self, query: &str, params: Vec<SqlValue>) -> Result<Vec<T>> {
        if statement::may_write(query) {
            return self.transaction(|sql| sql.decode_rows(query, params, usize::MAX));
        }
        self.decode_rows(query, params, usize::MAX)
    }

    /// Runs a query and decodes its first row, if any (as [`query`](Self::query) does).
    pub fn query_one<T: DeserializeOwned>(&self, query: &str, params: Vec<SqlValue>) -> Result<Option<T>> {
        let first = if statement::may_write(query) {
            self.transaction(|sql| sql.decode_rows(query, params, 1))?
        } else {
            self.decode_rows(query, params, 1)?
        };
        Ok(first.into_iter().next())
    }

    /// Runs `query` and decodes its rows, at most `limit` of them.
    fn decode_rows<T: DeserializeOwned>(&self, query: &str, params: Vec<SqlValue>, limit: usize) -> Result<Vec<T>> {
        let cursor = self.run(query, params)?;
        let columns = cursor.columns();
        let mut rows = Vec::new();
        for (index, values) in cursor.values().enumerate().take(limit) {
            let values = values.map_err(|e| failed(query, e))?;
            let row = rows::decode_row(&columns, values);
            rows.push(row.map_err(|e| failed(query, format!("row decoding: row {index}: {e}")))?);
        }
        Ok(rows)
    }

    /// Runs `body` as one transaction (the runtime's `transactionSync`):
    /// what it wrote is kept when it returns `Ok`, and undone when it returns
    /// `Err` — a failed statement, a row that did not decode, or an error of
    /// your own. It is synchronous (no `.await` inside), so nothing else runs
    /// in the agent meanwhile; transactions nest.
    ///
    /// ```no_run
    /// use workers_agents::{params, Error, Result, Sql};
    ///
    /// fn transfer(sql: &Sql, from: i64, to: i64, amount: i64) -> Result<()> {
    ///     sql.transaction(|sql| {
    ///         sql.execute("UPDATE accounts SET balance = balance - ? WHERE id = ?", params![amount, from])?;
    ///         let left = sql.query_one::<i64>("SELECT balance FROM accounts WHERE id = ?", params![from])?;
    ///         if left.unwrap_or(0) < 0 {
    ///             return Err(Error::msg("not enough money")); // the UPDATE above is undone
    ///         }
    ///         sql.execute("UPDATE accounts SET balance = balance + ? WHERE id = ?", params![amount, to])?;
    ///         Ok(())
    ///     })
    /// }
    /// ```
    pub fn transaction<R>(&self, body: impl FnOnce(&Sql) -> Result<R>) -> Result<R> {
        let mut body = Some(body);
        let mut outcome: Option<Result<R>> = None;
        let mut run = || -> std::result::Result<JsValue, JsValue> {
            let Some(body) = body.take() else { return Err(JsValue::from_str("the transaction ran twice")) };
            let result = body(self);
            let undo = result.is_err();
            outcome = Some(result);
            // A throw is what makes the runtime roll the transaction back.
            if undo {
                Err(JsValue::from_str("rolled back"))
            } else {
                Ok(JsValue::UNDEFINED)
            }
        };
        let closure = ScopedClosure::borrow_mut_assert_unwind_safe(&mut run);
        let open = OpenTransaction::new(&self.transactions);
        let ran = self.storage.unchecked_ref::<TransactionalStorage>().transaction_sync(&closure);
        drop(open);
        drop(closure);
        match (ran, outcome) {
            (Ok(_), Some(result)) => result,
            (Err(_), Some(Err(e))) => Err(e),
            (Err(e), _) => Err(failed("(transaction)", worker::Error::from(e))),
            (Ok(_), None) => Err(failed("(transaction)", "the transaction did not run")),
        }
    }

    /// Runs a query and returns, for every row, an integer column and a text
    /// column, the text as a JS string (not moved into Rust); the state store
    /// reads its chunk rows this way.
    pub(crate) fn query_keyed_js_texts(
        &self,
        query: &str,
        key: &str,
        text: &str,
        params: Vec<SqlValue>,
    ) -> Result<Vec<(i64, JsString)>> {
        let (key, text) = (JsValue::from_str(key), JsValue::from_str(text));
        let column = |row: &JsValue, name: &JsValue| {
            js_sys::Reflect::get(row, name).map_err(|e| failed(query, format!("{e:?}")))
        };
        let mut rows = Vec::new();
        for row in self.exec(query, params)? {
            let row = row.map_err(|e| failed(query, e))?;
            let number = column(&row, &key)?.as_f64().filter(|n| n.fract() == 0.0);
            let number = number.ok_or_else(|| failed(query, "row decoding: expected an integer key"))?;
            let value = column(&row, &text)?;
            let value = value.dyn_into::<JsString>().map_err(|_| failed(query, "row decoding: expected text"))?;
            rows.push((number as i64, value));
        }
        Ok(rows)
    }

    /// Runs a statement with runtime values as parameters (a large string
    /// passed as a JS string is not copied into a Rust `String` first).
    pub(crate) fn execute_js(&self, query: &str, params: Vec<JsValue>) -> Result<usize> {
        let cursor = js::exec_values(&self.js, query, params).map_err(|e| failed(query, worker::Error::from(e)))?;
        run_to_completion(query, &cursor)
    }

    /// Whether a [`Sql::transaction`] is open.
    pub(crate) fn in_transaction(&self) -> bool {
        self.transactions.get() > 0
    }

    /// Runs one statement on the runtime's API directly (see `storage::js`).
    pub(crate) fn run(&self, query: &str, params: Vec<SqlValue>) -> Result<JsCursor> {
        let params = params.into_iter().map(crate::SqlParam::into_sql_value).collect();
        js::exec(&self.js, query, params).map_err(|e| failed(query, worker::Error::from(e)))
    }

    /// Runs a statement for its effect and returns how many rows it wrote.
    pub fn execute(&self, query: &str, params: Vec<SqlValue>) -> Result<usize> {
        run_to_completion(query, &self.run(query, params)?)
    }

    /// Inserts many rows in one statement, crossing into the runtime once:
    /// the rows travel as one JSON parameter read back with `json_each`.
    /// `table` and `columns` must be plain identifiers (letters, digits, `_`);
    /// each row holds one JSON value per column (numbers, strings, booleans,
    /// null; arrays and objects are stored as JSON text). Returns rows written.
    pub fn insert_many(&self, table: &str, columns: &[&str], rows: &[Vec<serde_json::Value>]) -> Result<usize> {
        let query = bulk_insert_sql(table, columns)?;
        if let Some((index, row)) = rows.iter().enumerate().find(|(_, row)| row.len() != columns.len()) {
            return Err(failed(&query, format!("row {index} has {} values for {} columns", row.len(), columns.len())));
        }
        if rows.is_empty() {
            return Ok(0);
        }
        let json = serde_json::to_string(rows).map_err(|e| failed(&query, e))?;
        self.execute(&query, vec![SqlValue::from(json)])
    }

    /// Runs several `;`-separated statements without parameters (schema setup).
    pub fn execute_batch(&self, statements: &str) -> Result<()> {
        self.execute(statements, Vec::new()).map(|_| ())
    }

    /// The database's size in bytes.
    pub fn database_size(&self) -> usize {
        self.inner.database_size()
    }

    /// The runtime handle, for what this wrapper does not cover.
    pub fn raw(&self) -> &SqlStorage {
        &self.inner
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tells_plain_writes() {
        for query in
            ["INSERT INTO t VALUES (1)", "  update t SET a = 1", "\nDelete FROM t", "REPLACE INTO t VALUES (1); "]
        {
            assert!(plain_write(query), "{query}");
        }
        for query in [
            "INSERT INTO t VALUES (1) RETURNING id",
            "INSERT INTO t VALUES (1); SELECT * FROM t",
            "delete from t returning *",
            "SELECT 1",
            "WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x",
            "CREATE TABLE t (a)",
            "INS",
            "",
        ] {
            assert!(!plain_write(query), "{query}");
        }
    }

    #[test]
    fn builds_bulk_inserts_from_identifiers_only() {
        assert_eq!(
            bulk_insert_sql("rows", &["a", "b_2"]).unwrap(),
            "INSERT INTO rows (a, b_2) SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]') FROM json_each(?)"
        );
        for (table, columns) in
            [("rows; DROP TABLE x", vec!["a"]), ("rows", vec!["a)"]), ("1rows", vec!["a"]), ("rows", vec![])]
        {
            assert!(bulk_insert_sql(table, &columns).is_err(), "{table} {columns:?}");
        }
    }
}
