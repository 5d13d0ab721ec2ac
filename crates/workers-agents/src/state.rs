//! The agent's typed state: loaded lazily from SQLite, cached for the wake,
//! stored as ordered chunks so it may exceed the 2 MB row limit.

use std::cell::RefCell;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use wasm_bindgen::JsValue;

use crate::chunks::{split_utf8, CHUNK_BYTES};
use crate::sql::Sql;
use crate::{params, Error, Result};

/// A state value with its JSON text, serialized once and shared by every
/// frame that carries it.
#[derive(Debug)]
pub(crate) struct Snapshot<S> {
    pub(crate) value: S,
    pub(crate) json: String,
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
}

impl<S: Serialize + DeserializeOwned> StateStore<S> {
    pub(crate) fn new() -> Self {
        StateStore { cache: RefCell::new(None) }
    }

    /// The current state, read from SQLite on first use in this wake; an
    /// agent with no stored state stores `initial()` first.
    pub(crate) fn load(&self, sql: &Sql, initial: impl FnOnce() -> S) -> Result<Rc<Snapshot<S>>> {
        if let Some(snapshot) = self.cache.borrow().as_ref() {
            return Ok(snapshot.clone());
        }
        let chunks = sql.query_texts("SELECT data FROM cf_agents_state ORDER BY chunk", "data", params![])?;
        if chunks.is_empty() {
            return self.save(sql, initial());
        }
        let json = if chunks.len() == 1 { chunks.into_iter().next().unwrap_or_default() } else { chunks.concat() };
        let value = serde_json::from_str(&json).map_err(|e| Error::json("stored state", e))?;
        let snapshot = Rc::new(Snapshot { value, json });
        *self.cache.borrow_mut() = Some(snapshot.clone());
        Ok(snapshot)
    }

    /// Stores `value` (all chunks in one synchronous run, so the write is
    /// atomic) and makes it the cached state.
    pub(crate) fn save(&self, sql: &Sql, value: S) -> Result<Rc<Snapshot<S>>> {
        // Sized like the current state's text: no regrowing while writing.
        let capacity = self.cache.borrow().as_ref().map_or(128, |s| s.json.len() + s.json.len() / 8 + 64);
        let mut bytes = Vec::with_capacity(capacity);
        serde_json::to_writer(&mut bytes, &value).map_err(|e| Error::json("state", e))?;
        let json = String::from_utf8(bytes).map_err(|e| Error::json("state", serde::ser::Error::custom(e)))?;
        self.save_encoded(sql, value, json)
    }

    /// Like [`StateStore::save`] for a value whose JSON is already known.
    pub(crate) fn save_encoded(&self, sql: &Sql, value: S, json: String) -> Result<Rc<Snapshot<S>>> {
        sql.execute("DELETE FROM cf_agents_state", params![])?;
        for (index, piece) in split_utf8(&json, CHUNK_BYTES).into_iter().enumerate() {
            let row = vec![JsValue::from(index as u32), JsValue::from_str(piece)];
            sql.execute_js("INSERT INTO cf_agents_state (chunk, data) VALUES (?, ?)", row)?;
        }
        let snapshot = Rc::new(Snapshot { value, json });
        *self.cache.borrow_mut() = Some(snapshot.clone());
        Ok(snapshot)
    }
}
