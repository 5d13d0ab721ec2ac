//! The agent's typed state: loaded lazily from SQLite, cached for the wake,
//! stored as ordered chunks so it may exceed the 2 MB row limit.
//!
//! A change is serialized once, into a buffer kept between changes: that
//! text is stored and becomes the `cf_agent_state` frame, held as a JS
//! string that every socket is sent as is (on change and on connect).
//! Chunks are cut from that JS string, and a change rewrites only the
//! chunk rows whose text differs from what is stored; where those rows go,
//! and how a change of several rows is stored whole or not at all, is
//! [`crate::state::chunk_slots`].
//!
//! The stored state's version is recorded beside the rows; a state stored
//! at another version, or that no longer decodes, goes through the agent's
//! `migrate_state` ([`crate::state::migration`]). One that still does not
//! decode is left as stored, and every read of it fails with
//! [`Error::StateUndecodable`] until a new state is stored.

pub(crate) mod chunk_slots;
pub(crate) mod chunks;
pub(crate) mod json_writer;
pub(crate) mod migration;

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::JsValue;
use worker::js_sys::{JsString, Object};

use crate::host::js_text::text_of;
use crate::protocol::frames::STATE_FRAME_HEAD;
use crate::state::chunk_slots::{layout_of, plan, Layout, MANIFEST_KEY, SPARE};
use crate::state::chunks::{cuts, is_high_surrogate, CHUNK_UNITS};
use crate::state::json_writer::write_json;
use crate::state::migration::{decode, stored_version, Decoded, STATE_VERSION_KEY};
use crate::storage::schema::Schema;
use crate::storage::sql::Sql;
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

/// The stored chunk rows, as last read or written in this wake.
struct Stored {
    layout: Layout,
    /// The text of each live row, in order, when known (slices of the
    /// current frame, so they hold no extra memory).
    texts: Option<Vec<JsString>>,
}

/// What a state is stored with: the database, its recorded versions, and
/// the agent's state version.
pub(crate) struct Storage<'a> {
    pub(crate) sql: &'a Sql,
    pub(crate) schema: &'a Schema,
    /// `Agent::STATE_VERSION`.
    pub(crate) version: u32,
}

pub(crate) struct StateStore<S> {
    cache: RefCell<Option<Rc<Snapshot<S>>>>,
    /// Unknown until the state is first read or written in this wake.
    stored: RefCell<Option<Stored>>,
    /// Why the stored state does not decode, once known in this wake (it is
    /// read, migrated and reported once, until a new state is stored).
    undecodable: RefCell<Option<String>>,
    /// Set while `migrate_state` runs, which must not read the state.
    migrating: Cell<bool>,
    /// `class/name`, for errors.
    owner: String,
}

impl<S: Serialize + DeserializeOwned> StateStore<S> {
    pub(crate) fn new(owner: String) -> Self {
        StateStore {
            cache: RefCell::new(None),
            stored: RefCell::new(None),
            undecodable: RefCell::new(None),
            migrating: Cell::new(false),
            owner,
        }
    }

    /// Forgets everything read or written: the database was emptied.
    #[cfg_attr(not(feature = "mcp"), allow(dead_code))]
    pub(crate) fn forget(&self) {
        self.cache.borrow_mut().take();
        self.stored.borrow_mut().take();
        self.undecodable.borrow_mut().take();
    }

    /// The current state, read from SQLite on first use in this wake; an
    /// agent with no stored state stores `initial()` first. A state stored
    /// at another version, or that does not decode, goes through `migrate`
    /// and is stored again; if that fails, it is left as stored, the error
    /// is logged, and this and every later read in the wake fail with
    /// [`Error::StateUndecodable`].
    pub(crate) fn load(
        &self,
        storage: &Storage<'_>,
        initial: impl FnOnce() -> S,
        migrate: impl FnOnce(Value, u32) -> std::result::Result<S, String>,
    ) -> Result<Rc<Snapshot<S>>> {
        if let Some(snapshot) = self.cache.borrow().as_ref() {
            return Ok(snapshot.clone());
        }
        if let Some(why) = self.undecodable.borrow().as_ref() {
            return Err(Error::StateUndecodable(why.clone()));
        }
        if self.migrating.get() {
            let why = format!("the state of {} was read by migrate_state, which is making it", self.owner);
            return Err(Error::StateUndecodable(why));
        }
        let sql = storage.sql;
        let (layout, rows) = read_live_rows(sql, true)?;
        if rows.is_empty() {
            *self.stored.borrow_mut() = Some(Stored { layout, texts: Some(Vec::new()) });
            return self.save(storage, initial());
        }
        let frame = rows.iter().fold(JsString::from(STATE_FRAME_HEAD), |frame, row| frame.concat(row));
        let frame = frame.concat(&JsString::from("}"));
        let text = text_of(&frame);
        let json = &text[STATE_FRAME_HEAD.len()..text.len() - 1];
        // The rows as slices of the frame (one copy of the text in memory).
        let mut start = STATE_FRAME_HEAD.len() as u32;
        let slices = rows.iter().map(|row| {
            let end = start + row.length();
            let slice = frame.substring(start, end);
            start = end;
            slice
        });
        *self.stored.borrow_mut() = Some(Stored { layout, texts: Some(slices.collect()) });
        let version = stored_version(storage.schema.recorded(STATE_VERSION_KEY));
        let decoded = {
            let _migrating = Raised::new(&self.migrating);
            decode(json, version, storage.version, migrate)
        };
        match decoded {
            Ok(Decoded::AsStored(value)) => {
                let snapshot = Rc::new(Snapshot { value, is_null: json == "null", frame: frame.into() });
                *self.cache.borrow_mut() = Some(snapshot.clone());
                Ok(snapshot)
            }
            Ok(Decoded::Migrated(value)) => {
                worker::console_log!("[{}] state migrated from version {version} to {}", self.owner, storage.version);
                self.save(storage, value)
            }
            Err(why) => {
                let why = format!(
                    "the stored state of {} does not decode ({why}); it is kept as stored until set_state replaces it",
                    self.owner
                );
                worker::console_error!("{why}");
                *self.undecodable.borrow_mut() = Some(why.clone());
                Err(Error::StateUndecodable(why))
            }
        }
    }

    /// The current value, to be changed and saved: moved out of the cache
    /// when nothing else holds it (no copy of a large state; the cache stays
    /// empty until the save, or reloads from storage if the change is not
    /// saved), else a copy.
    pub(crate) fn take_for_change(
        &self,
        storage: &Storage<'_>,
        initial: impl FnOnce() -> S,
        migrate: impl FnOnce(Value, u32) -> std::result::Result<S, String>,
    ) -> Result<S>
    where
        S: Clone,
    {
        let snapshot = self.load(storage, initial, migrate)?;
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

    /// Stores `value` (whole or not at all, with the agent's state version)
    /// and makes it the cached state.
    pub(crate) fn save(&self, storage: &Storage<'_>, value: S) -> Result<Rc<Snapshot<S>>> {
        self.save_inspecting(storage, value, |_| ()).map(|(snapshot, ())| snapshot)
    }

    /// Like [`StateStore::save`]; `inspect` sees the state's JSON text.
    pub(crate) fn save_inspecting<R>(
        &self,
        storage: &Storage<'_>,
        value: S,
        inspect: impl FnOnce(&str) -> R,
    ) -> Result<(Rc<Snapshot<S>>, R)> {
        BUFFER.with(|buffer| {
            let mut buffer = buffer.borrow_mut();
            let saved = self.encode_and_store(storage, value, inspect, &mut buffer);
            if buffer.capacity() > KEPT_BUFFER_BYTES {
                *buffer = String::new();
            }
            saved
        })
    }

    fn encode_and_store<R>(
        &self,
        storage: &Storage<'_>,
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
        let sql = storage.sql;
        {
            let mut stored = self.stored.borrow_mut();
            if stored.is_none() {
                *stored = Some(Stored { layout: read_live_rows(sql, false)?.0, texts: None });
            }
            // A failed write leaves the stored state, and so what is known of it, as it was.
            if let Some(stored) = stored.as_mut() {
                *stored = write_rows(sql, &frame, stored)?;
            }
        }
        self.undecodable.borrow_mut().take();
        record_version(storage);
        let snapshot = Rc::new(Snapshot { value, is_null: json == "null", frame: frame.into() });
        *self.cache.borrow_mut() = Some(snapshot.clone());
        Ok((snapshot, inspected))
    }
}

/// A flag raised while it lives (lowered on a panic too).
struct Raised<'a>(&'a Cell<bool>);

impl<'a> Raised<'a> {
    fn new(flag: &'a Cell<bool>) -> Self {
        flag.set(true);
        Raised(flag)
    }
}

impl Drop for Raised<'_> {
    fn drop(&mut self) {
        self.0.set(false);
    }
}

/// Records the agent's state version beside the rows just written, unless
/// it is what is recorded (an agent left at version 1 never writes it).
/// After the rows: a failure leaves the new state stored under the older
/// version (reported, not returned: the state is stored).
fn record_version(storage: &Storage<'_>) {
    let recorded = storage.schema.recorded(STATE_VERSION_KEY);
    if stored_version(recorded) == storage.version {
        return;
    }
    if let Err(e) = storage.schema.record(storage.sql, STATE_VERSION_KEY, i64::from(storage.version)) {
        worker::console_error!("state stored; its version {} was not recorded: {e}", storage.version);
    }
}

/// Writes one chunk row. An upsert, not `INSERT OR REPLACE`: a replace
/// deletes the old row (freeing its overflow pages) and inserts a new one,
/// while an update of a row whose text keeps its length overwrites its
/// pages in place. Measured in workerd, 20 rows of 250 KB in a transaction:
/// about a fifth less CPU.
const UPSERT_ROW: &str =
    "INSERT INTO cf_agents_state (chunk, data) VALUES (?, ?) ON CONFLICT (chunk) DO UPDATE SET data = excluded.data";

/// The rows the state is read from: the manifest row first if there is one,
/// then the rows it names, or without it every row keyed below `SPARE`; in
/// chunk order (a key's low 32 bits are its chunk index). `{data}` is
/// replaced by the text column to return.
const LIVE_ROWS: &str = "SELECT chunk, {data} AS data FROM cf_agents_state WHERE chunk = -1
    OR chunk IN (SELECT value FROM json_each((SELECT data FROM cf_agents_state WHERE chunk = -1)))
    OR (chunk BETWEEN 0 AND 4294967295 AND NOT EXISTS (SELECT 1 FROM cf_agents_state WHERE chunk = -1))
    ORDER BY chunk >= 0, chunk & 4294967295";

/// Drops the rows of chunks from index `?1` on, in both slots.
const DROP_ROWS: &str = "DELETE FROM cf_agents_state WHERE chunk BETWEEN ?1 AND 4294967295 OR chunk >= ?2";

/// Reads the live layout and, when `with_text`, the text of each live row
/// (else empty strings), as JS strings.
fn read_live_rows(sql: &Sql, with_text: bool) -> Result<(Layout, Vec<JsString>)> {
    debug_assert_eq!(SPARE - 1, 4294967295);
    let data = if with_text { "data" } else { "CASE WHEN chunk = -1 THEN data ELSE '' END" };
    let query = LIVE_ROWS.replace("{data}", data);
    let mut rows = sql.query_keyed_js_texts(&query, "chunk", "data", params![])?;
    let manifest = match rows.first() {
        Some((MANIFEST_KEY, text)) => Some(text_of(text)),
        _ => None,
    };
    if manifest.is_some() {
        rows.remove(0);
    }
    let (keys, texts) = rows.into_iter().unzip();
    let layout = layout_of(keys, manifest.as_deref()).map_err(|message| Error::Sql { query, message })?;
    Ok((layout, texts))
}

/// Stores the frame's JSON as chunk rows cut from it (slices: no copy, no
/// conversion) and returns what is then stored. Only rows whose text
/// differs from the stored row at that position are written (a change to
/// one part of a large state rewrites that part), in place when that takes
/// one statement, else into the chunks' other slots, committed by the
/// manifest ([`crate::state::chunk_slots`]): a failure leaves the stored state as
/// it was, without the cost of a transaction. Rows past a shrunk state's
/// end are dropped once the change is committed.
fn write_rows(sql: &Sql, frame: &JsString, before: &Stored) -> Result<Stored> {
    let high_surrogate_at = |at| is_high_surrogate(frame.char_code_at(at) as u16);
    let pieces = cuts(STATE_FRAME_HEAD.len() as u32, frame.length() - 1, CHUNK_UNITS, high_surrogate_at);
    let texts: Vec<JsString> = pieces.into_iter().map(|(start, end)| frame.substring(start, end)).collect();
    let old = |index: usize| before.texts.as_ref().and_then(|texts| texts.get(index));
    let changed: Vec<usize> =
        (0..texts.len()).filter(|&i| !old(i).is_some_and(|old| Object::is(old, &texts[i]))).collect();
    let plan = plan(&before.layout, texts.len(), &changed);
    for &(index, key) in &plan.writes {
        sql.execute_js(UPSERT_ROW, vec![JsValue::from(key as f64), JsValue::from(texts[index].clone())])?;
    }
    if let Some(keys) = &plan.manifest {
        let manifest = serde_json::to_string(keys).map_err(|e| Error::json("state row manifest", e))?;
        sql.execute(UPSERT_ROW, params![MANIFEST_KEY, manifest])?;
    }
    if let Some(from) = plan.drop_from {
        // Committed already: rows left behind are never read, and a later
        // shrink drops them too.
        if let Err(e) = sql.execute(DROP_ROWS, params![from as i64, SPARE + from as i64]) {
            worker::console_warn!("state stored; rows past its end were not dropped: {e}");
        }
    }
    Ok(Stored { layout: plan.after, texts: Some(texts) })
}
