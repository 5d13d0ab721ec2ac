//! The agent's typed state: loaded lazily from SQLite, cached for the wake,
//! stored as ordered chunks so it may exceed the 2 MB row limit.
//!
//! A change is serialized once, into a buffer kept between changes: that
//! text is stored and becomes the `cf_agent_state` frame, held as a JS
//! string that every socket is sent as is (on change and on connect).
//! Chunks are cut from that JS string, and a change rewrites only the
//! chunk rows whose text differs from what is stored.

use std::cell::RefCell;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;
use worker::js_sys::{JsString, Object};

use crate::chunks::{cuts, is_high_surrogate, CHUNK_UNITS};
use crate::js_text::text_of;
use crate::json_writer::write_json;
use crate::protocol::STATE_FRAME_HEAD;
use crate::sql::Sql;
use crate::{params, Error, Result};

/// The encoding buffer keeps its capacity up to this size between changes.
const KEPT_BUFFER_BYTES: usize = 8 << 20;

thread_local! {
    static BUFFER: RefCell<String> = const { RefCell::new(String::new()) };
}

/// A state value with the frame that carries it to clients.
#[derive(Debug)]
pub(crate) struct Snapshot<S> {
    pub(crate) value: S,
    /// `{"type":"cf_agent_state","state":…}` as a JS string, made once per change.
    pub(crate) frame: JsValue,
    /// The state is JSON `null`: such an agent sends no state frame.
    pub(crate) is_null: bool,
}

/// Where a state change came from.
#[derive(Debug, Clone, Copy)]
pub enum StateSource<'a> {
    /// The agent itself (`ctx.set_state`).
    Server,
    /// A client's `cf_agent_state` frame, on this connection.
    Connection(&'a crate::Connection),
}

impl StateSource<'_> {
    /// The id of the connection that sent the change, if a client did.
    pub fn connection_id(&self) -> Option<&str> {
        match self {
            StateSource::Server => None,
            StateSource::Connection(c) => Some(c.id()),
        }
    }
}

pub(crate) struct StateStore<S> {
    cache: RefCell<Option<Rc<Snapshot<S>>>>,
    /// The text of each stored chunk row, in order, once known in this wake
    /// (slices of the current frame, so they hold no extra memory).
    stored_rows: RefCell<Option<Vec<JsString>>>,
}

impl<S: Serialize + DeserializeOwned> StateStore<S> {
    pub(crate) fn new() -> Self {
        StateStore { cache: RefCell::new(None), stored_rows: RefCell::new(None) }
    }

    /// The current state, read from SQLite on first use in this wake; an
    /// agent with no stored state stores `initial()` first.
    pub(crate) fn load(&self, sql: &Sql, initial: impl FnOnce() -> S) -> Result<Rc<Snapshot<S>>> {
        if let Some(snapshot) = self.cache.borrow().as_ref() {
            return Ok(snapshot.clone());
        }
        let rows = sql.query_js_texts("SELECT data FROM cf_agents_state ORDER BY chunk", "data", params![])?;
        if rows.is_empty() {
            *self.stored_rows.borrow_mut() = Some(Vec::new());
            return self.save(sql, initial());
        }
        let frame = rows.iter().fold(JsString::from(STATE_FRAME_HEAD), |frame, row| frame.concat(row));
        let frame = frame.concat(&JsString::from("}"));
        let text = text_of(&frame);
        let json = &text[STATE_FRAME_HEAD.len()..text.len() - 1];
        let value = serde_json::from_str(json).map_err(|e| Error::json("stored state", e))?;
        // The rows as slices of the frame (one copy of the text in memory).
        let mut start = STATE_FRAME_HEAD.len() as u32;
        let slices = rows.iter().map(|row| {
            let end = start + row.length();
            let slice = frame.substring(start, end);
            start = end;
            slice
        });
        *self.stored_rows.borrow_mut() = Some(slices.collect());
        let snapshot = Rc::new(Snapshot { value, is_null: json == "null", frame: frame.into() });
        *self.cache.borrow_mut() = Some(snapshot.clone());
        Ok(snapshot)
    }

    /// The current value, to be changed and saved: moved out of the cache
    /// when nothing else holds it (no copy of a large state; the cache stays
    /// empty until the save, or reloads from storage if the change is not
    /// saved), else a copy.
    pub(crate) fn take_for_change(&self, sql: &Sql, initial: impl FnOnce() -> S) -> Result<S>
    where
        S: Clone,
    {
        let snapshot = self.load(sql, initial)?;
        drop(self.cache.borrow_mut().take());
        match Rc::try_unwrap(snapshot) {
            Ok(snapshot) => Ok(snapshot.value),
            Err(shared) => {
                let value = shared.value.clone();
                *self.cache.borrow_mut() = Some(shared);
                Ok(value)
            }
        }
    }

    /// Stores `value` (all chunks in one transaction: all or none) and makes
    /// it the cached state.
    pub(crate) fn save(&self, sql: &Sql, value: S) -> Result<Rc<Snapshot<S>>> {
        self.save_inspecting(sql, value, |_| ()).map(|(snapshot, ())| snapshot)
    }

    /// Like [`StateStore::save`]; `inspect` sees the state's JSON text.
    pub(crate) fn save_inspecting<R>(
        &self,
        sql: &Sql,
        value: S,
        inspect: impl FnOnce(&str) -> R,
    ) -> Result<(Rc<Snapshot<S>>, R)> {
        BUFFER.with(|buffer| {
            let mut buffer = buffer.borrow_mut();
            let saved = self.encode_and_store(sql, value, inspect, &mut buffer);
            if buffer.capacity() > KEPT_BUFFER_BYTES {
                *buffer = String::new();
            }
            saved
        })
    }

    fn encode_and_store<R>(
        &self,
        sql: &Sql,
        value: S,
        inspect: impl FnOnce(&str) -> R,
        buffer: &mut String,
    ) -> Result<(Rc<Snapshot<S>>, R)> {
        buffer.clear();
        buffer.push_str(STATE_FRAME_HEAD);
        write_json(buffer, &value).map_err(|e| Error::json("state", e))?;
        buffer.push('}');
        let text = buffer.as_str();
        let json = &text[STATE_FRAME_HEAD.len()..text.len() - 1];
        let inspected = inspect(json);
        let frame = JsString::from(text);
        // Unknown until the rows are written: a failed write leaves them unknown
        // (and the stored state as it was: the rows are written in one transaction).
        let stored = self.stored_rows.borrow_mut().take();
        *self.stored_rows.borrow_mut() = Some(write_rows(sql, &frame, stored)?);
        let snapshot = Rc::new(Snapshot { value, is_null: json == "null", frame: frame.into() });
        *self.cache.borrow_mut() = Some(snapshot.clone());
        Ok((snapshot, inspected))
    }
}

/// Writes one chunk row. An upsert, not `INSERT OR REPLACE`: a replace
/// deletes the old row (freeing its overflow pages) and inserts a new one,
/// while an update of a row whose text keeps its length overwrites its
/// pages in place. Measured in workerd, 20 rows of 250 KB in a transaction:
/// about a fifth less CPU.
const UPSERT_ROW: &str =
    "INSERT INTO cf_agents_state (chunk, data) VALUES (?, ?) ON CONFLICT (chunk) DO UPDATE SET data = excluded.data";

/// Stores the frame's JSON as chunk rows cut from it (slices: no copy, no
/// conversion) and returns their texts. Only rows whose text differs from
/// the stored row at that position are written (a change to one part of a
/// large state rewrites that part), in place; rows past the new end are
/// deleted only when there may be some (`stored` unknown or longer).
/// Emptying the table on every change would cost the runtime several times
/// the write itself. More than one statement runs in a transaction, so a
/// failure leaves the stored state as it was; one statement is atomic
/// alone, and a small state pays no transaction.
fn write_rows(sql: &Sql, frame: &JsString, stored: Option<Vec<JsString>>) -> Result<Vec<JsString>> {
    let high_surrogate_at = |at| is_high_surrogate(frame.char_code_at(at) as u16);
    let pieces = cuts(STATE_FRAME_HEAD.len() as u32, frame.length() - 1, CHUNK_UNITS, high_surrogate_at);
    let rows: Vec<JsString> = pieces.into_iter().map(|(start, end)| frame.substring(start, end)).collect();
    let old = |index: usize| stored.as_ref().and_then(|stored| stored.get(index));
    let changed: Vec<usize> =
        (0..rows.len()).filter(|&i| !old(i).is_some_and(|old| Object::is(old, &rows[i]))).collect();
    let delete = stored.as_ref().is_none_or(|stored| stored.len() > rows.len());
    let write = || {
        for &index in &changed {
            let row = vec![JsValue::from(index as u32), JsValue::from(rows[index].clone())];
            sql.execute_js(UPSERT_ROW, row)?;
        }
        if delete {
            sql.execute("DELETE FROM cf_agents_state WHERE chunk >= ?", params![rows.len() as i64])?;
        }
        Ok(())
    };
    if changed.len() + usize::from(delete) > 1 {
        sql.atomically(write)?;
    } else {
        write()?;
    }
    Ok(rows)
}
