//! The runtime's SQL API called directly, for the statements the framework
//! runs on every request and task: a statement's text crosses into the
//! runtime once per isolate (kept as a JS string), parameters are made JS
//! values without asking the runtime about each, and a value read back costs
//! one crossing for a number and two for a text.

use std::cell::RefCell;
use std::collections::HashMap;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{self, Array, JsString, Uint8Array};

use super::sql::SqlValue;

#[wasm_bindgen]
extern "C" {
    /// `ctx.storage.sql`.
    #[derive(Clone)]
    pub(crate) type JsSql;

    #[wasm_bindgen(method, catch, variadic, js_name = exec)]
    fn exec(this: &JsSql, query: &JsString, bindings: Array) -> Result<JsCursor, JsValue>;

    // The same method with its few parameters passed as they are: no array
    // to build (a crossing for it and one for each parameter) and no spread.
    #[wasm_bindgen(method, catch, js_name = exec)]
    fn exec0(this: &JsSql, query: &JsString) -> Result<JsCursor, JsValue>;
    #[wasm_bindgen(method, catch, js_name = exec)]
    fn exec1(this: &JsSql, query: &JsString, a: &JsValue) -> Result<JsCursor, JsValue>;
    #[wasm_bindgen(method, catch, js_name = exec)]
    fn exec2(this: &JsSql, query: &JsString, a: &JsValue, b: &JsValue) -> Result<JsCursor, JsValue>;
    #[wasm_bindgen(method, catch, js_name = exec)]
    fn exec3(this: &JsSql, query: &JsString, a: &JsValue, b: &JsValue, c: &JsValue) -> Result<JsCursor, JsValue>;
    #[wasm_bindgen(method, catch, js_name = exec)]
    fn exec4(
        this: &JsSql,
        query: &JsString,
        a: &JsValue,
        b: &JsValue,
        c: &JsValue,
        d: &JsValue,
    ) -> Result<JsCursor, JsValue>;

    /// What `exec` returns.
    pub(crate) type JsCursor;

    #[wasm_bindgen(method)]
    fn raw(this: &JsCursor) -> js_sys::Iterator;

    #[wasm_bindgen(method, getter, js_name = rowsWritten)]
    pub(crate) fn rows_written(this: &JsCursor) -> f64;

    #[wasm_bindgen(method, getter, js_name = columnNames)]
    fn column_names(this: &JsCursor) -> Array;
}

/// Statement texts kept as JS strings. Bounded: the framework's statements
/// are a few dozen; texts an application builds at run time could be many.
const KEPT_TEXTS: usize = 256;

thread_local! {
    static TEXTS: RefCell<HashMap<String, JsString>> = RefCell::default();
}

/// The largest integer a JS number holds exactly.
const MAX_SAFE: f64 = 9_007_199_254_740_991.0;

fn to_js(value: SqlValue) -> JsValue {
    match value {
        SqlValue::Null => JsValue::NULL,
        SqlValue::Boolean(b) => JsValue::from_f64(f64::from(u8::from(b))),
        SqlValue::Integer(n) => JsValue::from_f64(n as f64),
        SqlValue::Float(x) => JsValue::from_f64(x),
        SqlValue::String(text) => JsValue::from_str(&text),
        SqlValue::Blob(bytes) => Uint8Array::from(bytes.as_slice()).into(),
    }
}

/// Runs `query` with `params`; the runtime's error as it threw it.
pub(crate) fn exec(sql: &JsSql, query: &str, params: Vec<SqlValue>) -> Result<JsCursor, JsValue> {
    exec_values(sql, query, params.into_iter().map(to_js).collect())
}

/// Runs `query` with parameters that are JS values already.
pub(crate) fn exec_values(sql: &JsSql, query: &str, values: Vec<JsValue>) -> Result<JsCursor, JsValue> {
    with_text(query, |text| match values.as_slice() {
        [] => sql.exec0(text),
        [a] => sql.exec1(text, a),
        [a, b] => sql.exec2(text, a, b),
        [a, b, c] => sql.exec3(text, a, b, c),
        [a, b, c, d] => sql.exec4(text, a, b, c, d),
        more => sql.exec(text, more.iter().collect()),
    })
}

/// `run` with the statement's text as a JS string, made once.
fn with_text<R>(query: &str, run: impl FnOnce(&JsString) -> R) -> R {
    TEXTS.with(|texts| {
        let mut texts = texts.borrow_mut();
        if let Some(text) = texts.get(query) {
            return run(text);
        }
        if texts.len() >= KEPT_TEXTS {
            texts.clear();
        }
        let text = JsString::from(query);
        let outcome = run(&text);
        texts.insert(query.to_owned(), text);
        outcome
    })
}

/// A value the runtime returned, as a [`SqlValue`].
pub(crate) fn from_js(value: JsValue) -> Result<SqlValue, String> {
    if let Some(number) = value.as_f64() {
        return Ok(if number.fract() == 0.0 && number.abs() <= MAX_SAFE {
            SqlValue::Integer(number as i64)
        } else {
            SqlValue::Float(number)
        });
    }
    if let Some(text) = value.as_string() {
        return Ok(SqlValue::String(text));
    }
    if value.is_null() || value.is_undefined() {
        return Ok(SqlValue::Null);
    }
    match value.dyn_into::<Uint8Array>() {
        Ok(bytes) => Ok(SqlValue::Blob(bytes.to_vec())),
        Err(value) => match value.dyn_into::<js_sys::ArrayBuffer>() {
            Ok(buffer) => Ok(SqlValue::Blob(Uint8Array::new(&buffer).to_vec())),
            Err(_) => Err("a value of a type SQLite does not return".to_owned()),
        },
    }
}

impl JsCursor {
    /// The names of the result's columns.
    pub(crate) fn columns(&self) -> Vec<String> {
        self.column_names().iter().map(|name| name.as_string().unwrap_or_default()).collect()
    }

    /// Whether the result has columns (rows to read).
    pub(crate) fn has_columns(&self) -> bool {
        self.column_names().length() > 0
    }

    /// The rows, each as its runtime array (read lazily: the runtime steps
    /// the statement as rows are taken).
    pub(crate) fn rows(&self) -> impl Iterator<Item = Result<Array, JsValue>> {
        let raw = self.raw();
        std::iter::from_fn(move || match raw.next() {
            Ok(next) if next.done() => None,
            Ok(next) => Some(Ok(next.value().unchecked_into::<Array>())),
            Err(e) => Some(Err(e)),
        })
    }

    /// The first value of each row, if it is a text (read lazily, as [`rows`](Self::rows)).
    pub(crate) fn first_texts(&self) -> impl Iterator<Item = Result<Option<String>, String>> {
        self.rows().map(|row| Ok(row.map_err(|e| worker::Error::from(e).to_string())?.get(0).as_string()))
    }

    /// The rows, each as its values.
    pub(crate) fn values(&self) -> impl Iterator<Item = Result<Vec<SqlValue>, String>> {
        self.rows().map(|row| {
            let row = row.map_err(|e| worker::Error::from(e).to_string())?;
            (0..row.length()).map(|i| from_js(row.get(i))).collect()
        })
    }
}
