//! The agent's typed state: loaded lazily from SQLite, cached for the wake,
//! stored as ordered chunks so it may exceed the 2 MB row limit.
//!
//! A change is serialized once, into a buffer kept between changes: that
//! text is stored and becomes the `cf_agent_state` frame, held as a JS
//! string that every socket is sent as is (on change and on connect).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::JsString;

use crate::chunks::{split_utf8, CHUNK_BYTES};
use crate::protocol::STATE_FRAME_HEAD;
use crate::sql::Sql;
use crate::{params, Error, Result};

/// The encoding buffer keeps its capacity up to this size between changes.
const KEPT_BUFFER_BYTES: usize = 8 << 20;

thread_local! {
    static BUFFER: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
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
    /// How many chunk rows are stored, once known in this wake.
    stored_chunks: Cell<Option<usize>>,
}

impl<S: Serialize + DeserializeOwned> StateStore<S> {
    pub(crate) fn new() -> Self {
        StateStore { cache: RefCell::new(None), stored_chunks: Cell::new(None) }
    }

    /// The current state, read from SQLite on first use in this wake; an
    /// agent with no stored state stores `initial()` first.
    pub(crate) fn load(&self, sql: &Sql, initial: impl FnOnce() -> S) -> Result<Rc<Snapshot<S>>> {
        if let Some(snapshot) = self.cache.borrow().as_ref() {
            return Ok(snapshot.clone());
        }
        let chunks = sql.query_texts("SELECT data FROM cf_agents_state ORDER BY chunk", "data", params![])?;
        self.stored_chunks.set(Some(chunks.len()));
        if chunks.is_empty() {
            return self.save(sql, initial());
        }
        let length = chunks.iter().map(String::len).sum::<usize>();
        let mut frame = String::with_capacity(STATE_FRAME_HEAD.len() + length + 1);
        frame.push_str(STATE_FRAME_HEAD);
        chunks.iter().for_each(|chunk| frame.push_str(chunk));
        frame.push('}');
        let json = &frame[STATE_FRAME_HEAD.len()..frame.len() - 1];
        let value = serde_json::from_str(json).map_err(|e| Error::json("stored state", e))?;
        let snapshot = Rc::new(Snapshot { value, is_null: json == "null", frame: JsValue::from_str(&frame) });
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

    /// Stores `value` (all chunks in one synchronous run, so the write is
    /// atomic) and makes it the cached state.
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
                *buffer = Vec::new();
            }
            saved
        })
    }

    fn encode_and_store<R>(
        &self,
        sql: &Sql,
        value: S,
        inspect: impl FnOnce(&str) -> R,
        buffer: &mut Vec<u8>,
    ) -> Result<(Rc<Snapshot<S>>, R)> {
        buffer.clear();
        buffer.extend_from_slice(STATE_FRAME_HEAD.as_bytes());
        serde_json::to_writer(&mut *buffer, &value).map_err(|e| Error::json("state", e))?;
        buffer.push(b'}');
        let frame = std::str::from_utf8(buffer).map_err(|e| Error::json("state", serde::ser::Error::custom(e)))?;
        let json = &frame[STATE_FRAME_HEAD.len()..frame.len() - 1];
        let inspected = inspect(json);
        let js_frame = JsValue::from_str(frame);
        let chunks = write_rows(sql, json, &js_frame, self.stored_chunks.get())?;
        self.stored_chunks.set(Some(chunks));
        let snapshot = Rc::new(Snapshot { value, is_null: json == "null", frame: js_frame });
        *self.cache.borrow_mut() = Some(snapshot.clone());
        Ok((snapshot, inspected))
    }
}

/// Replaces the stored chunks with `json` and returns how many there are.
/// Rows are overwritten in place, and rows past the new end deleted only
/// when there may be some (`stored` unknown or larger): emptying the table
/// on every change costs the runtime several times the write itself.
/// ASCII text (the usual case) is cut from the frame's JS string, so it is
/// not converted a second time.
fn write_rows(sql: &Sql, json: &str, frame: &JsValue, stored: Option<usize>) -> Result<usize> {
    let frame: &JsString = frame.unchecked_ref();
    let ascii = json.is_ascii();
    let mut start = STATE_FRAME_HEAD.len() as u32;
    let mut count = 0;
    for (index, piece) in split_utf8(json, CHUNK_BYTES).into_iter().enumerate() {
        let text = if ascii {
            let end = start + piece.len() as u32;
            JsValue::from(frame.substring(start, end))
        } else {
            JsValue::from_str(piece)
        };
        start += piece.len() as u32;
        let row = vec![JsValue::from(index as u32), text];
        sql.execute_js("INSERT OR REPLACE INTO cf_agents_state (chunk, data) VALUES (?, ?)", row)?;
        count = index + 1;
    }
    if stored.is_none_or(|stored| stored > count) {
        sql.execute("DELETE FROM cf_agents_state WHERE chunk >= ?", params![count as i64])?;
    }
    Ok(count)
}
