//! One client WebSocket, accepted with the hibernation API. Its id, flags and
//! per-connection state live in the socket's attachment, so they survive
//! hibernation and eviction.

use std::cell::{OnceCell, RefCell};
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use wasm_bindgen::JsValue;
use worker::worker_sys::ext::WebSocketExt;
use worker::worker_sys::web_sys;
use worker::WebSocket;

use crate::host::js_text::send_js_text;
use crate::{Error, Result};

/// Longest accepted connection id (the client's `_pk`), in bytes.
pub(crate) const MAX_CONNECTION_ID_BYTES: usize = 128;

/// What the framework keeps in a socket's attachment.
#[derive(Debug, Clone, Default)]
pub(crate) struct Attachment {
    /// The connection id.
    pub(crate) id: String,
    /// Whether client state pushes are refused.
    pub(crate) readonly: bool,
    /// The user's per-connection state, as JSON text.
    pub(crate) state: Option<String>,
    /// Who the connection speaks for (the token it was opened with), as
    /// the JSON the router passed on: decoded only when asked for, so an
    /// agent that never asks carries no code for it.
    pub(crate) auth: Option<String>,
}

/// [`Attachment`] as its text: the state and the `Auth`, JSON already, go in
/// as they are (not escaped again), so the text is no larger than the
/// strings of the object form.
#[derive(Deserialize)]
struct AttachmentText<'a> {
    #[serde(borrow)]
    id: std::borrow::Cow<'a, str>,
    #[serde(default)]
    readonly: bool,
    #[serde(default, borrow)]
    state: Option<&'a RawValue>,
    #[serde(default, borrow)]
    auth: Option<&'a RawValue>,
}

impl Attachment {
    /// `{"id":…,"readonly":…,"state":<state>,"auth":<auth>}`; a state or
    /// `Auth` that is not JSON (never written so) goes in as a JSON string.
    fn to_text(&self) -> String {
        let id = serde_json::to_string(&self.id).unwrap_or_default();
        let mut text = format!(r#"{{"id":{id},"readonly":{}"#, self.readonly);
        for (name, value) in [("state", &self.state), ("auth", &self.auth)] {
            if let Some(value) = value {
                let raw = serde_json::from_str::<&RawValue>(value).is_ok();
                let value = if raw { value.clone() } else { serde_json::to_string(value).unwrap_or_default() };
                text.push_str(&format!(r#","{name}":{value}"#));
            }
        }
        text.push('}');
        text
    }

    fn from_text(text: &str) -> Option<Attachment> {
        let read: AttachmentText<'_> = serde_json::from_str(text).ok()?;
        Some(Attachment {
            id: read.id.into_owned(),
            readonly: read.readonly,
            state: read.state.map(|raw| raw.get().to_owned()),
            auth: read.auth.map(|raw| raw.get().to_owned()),
        })
    }

    /// An attachment written as an object (by earlier versions).
    fn from_object(value: &JsValue) -> Self {
        let field = |name: &str| worker::js_sys::Reflect::get(value, &JsValue::from_str(name)).ok();
        let text = |name: &str| field(name).and_then(|v| v.as_string());
        Attachment {
            id: text("id").unwrap_or_default(),
            readonly: field("readonly").and_then(|v| v.as_bool()).unwrap_or(false),
            state: text("state"),
            auth: text("auth"),
        }
    }
}

/// A client connected over WebSocket.
#[derive(Debug)]
pub struct Connection {
    /// Shared, so that handing the connection on (the caller of a call's
    /// polls, a stream's recipients) costs no call into the runtime.
    ws: Rc<WebSocket>,
    /// The id and the attachment, read from the socket on first use (an RPC
    /// frame, say, never needs them).
    loaded: OnceCell<(String, RefCell<Attachment>)>,
}

impl Connection {
    /// A connection for a socket about to be accepted, opened for `auth`;
    /// its attachment is written by [`Connection::store`] once the socket
    /// is accepted.
    pub(crate) fn new(ws: WebSocket, id: String, auth: Option<String>) -> Self {
        let attachment = RefCell::new(Attachment { id: id.clone(), auth, ..Attachment::default() });
        Connection { ws: Rc::new(ws), loaded: OnceCell::from((id, attachment)) }
    }

    /// Rebuilds the connection of a socket the runtime hands back (after
    /// hibernation, or from `getWebSockets`).
    pub(crate) fn from_socket(ws: WebSocket) -> Self {
        Self::from_shared(Rc::new(ws))
    }

    pub(crate) fn from_shared(ws: Rc<WebSocket>) -> Self {
        Connection { ws, loaded: OnceCell::new() }
    }

    /// The socket, shared.
    pub(crate) fn shared_socket(&self) -> &Rc<WebSocket> {
        &self.ws
    }

    /// Another handle on the same socket (a stream keeps its recipients).
    #[cfg(feature = "chat")]
    pub(crate) fn handle(&self) -> Connection {
        Connection { ws: self.ws.clone(), loaded: self.loaded.clone() }
    }

    fn attachment(&self) -> &RefCell<Attachment> {
        &self.loaded().1
    }

    fn loaded(&self) -> &(String, RefCell<Attachment>) {
        self.loaded.get_or_init(|| {
            let attachment = self.read_attachment().unwrap_or_default();
            (attachment.id.clone(), RefCell::new(attachment))
        })
    }

    /// The attachment is kept as its JSON text: the runtime copies a string
    /// in and out far more cheaply than an object of four fields, and it
    /// decodes in Rust at once. An object is an attachment written before
    /// that; it is still read.
    fn read_attachment(&self) -> Option<Attachment> {
        let raw: &web_sys::WebSocket = (*self.ws).as_ref();
        let value = raw.deserialize_attachment().ok()?;
        match value.as_string() {
            Some(json) => Attachment::from_text(&json),
            None if value.is_null() || value.is_undefined() => None,
            None => Some(Attachment::from_object(&value)),
        }
    }

    pub(crate) fn store(&self) -> Result<()> {
        let json = self.attachment().borrow().to_text();
        let raw: &web_sys::WebSocket = (*self.ws).as_ref();
        raw.serialize_attachment(JsValue::from_str(&json))
            .map_err(|e| Error::Attachment(worker::Error::from(e).to_string()))
    }

    /// The connection's id: the `_pk` the client chose, or a generated one.
    /// Ids are not guaranteed unique (a client may reuse its `_pk`).
    pub fn id(&self) -> &str {
        &self.loaded().0
    }

    /// Whether this connection may push state.
    pub fn is_readonly(&self) -> bool {
        self.attachment().borrow().readonly
    }

    /// Marks the connection readonly (client state pushes refused) or writable.
    pub fn set_readonly(&self, readonly: bool) -> Result<()> {
        self.attachment().borrow_mut().readonly = readonly;
        self.store()
    }

    pub(crate) fn mark_readonly(&self) {
        self.attachment().borrow_mut().readonly = true;
    }

    /// Who the connection speaks for: the [`Auth`](crate::Auth) of the token
    /// it was opened with (behind [`AgentRouter::handle_authorized`](crate::AgentRouter::handle_authorized),
    /// e.g. the OAuth provider), kept for the connection's life, hibernation
    /// included. `None` for a connection opened without one. It lives in the
    /// socket's attachment, which the runtime holds to 16 KiB together with
    /// [`Connection::set_state`]'s state: props larger than that refuse the
    /// connection (500), they are not cut.
    pub fn auth(&self) -> Option<crate::Auth> {
        self.attachment().borrow().auth.as_deref().and_then(crate::Auth::from_header)
    }

    /// The connection's own state, if any was set.
    pub fn state<T: DeserializeOwned>(&self) -> Result<Option<T>> {
        match &self.attachment().borrow().state {
            None => Ok(None),
            Some(json) => serde_json::from_str(json).map(Some).map_err(|e| Error::json("connection state", e)),
        }
    }

    /// Replaces the connection's own state; it survives hibernation. With
    /// the connection's id, flags and [`Auth`](crate::Auth) it must fit the
    /// socket's attachment (16 KiB); a larger one is an error and the
    /// previous state stays.
    pub fn set_state<T: Serialize>(&self, state: &T) -> Result<()> {
        let json = serde_json::to_string(state).map_err(|e| Error::json("connection state", e))?;
        let previous = self.attachment().borrow_mut().state.replace(json);
        self.store().inspect_err(|_| self.attachment().borrow_mut().state = previous)
    }

    /// Sends a text frame.
    pub fn send(&self, text: &str) -> Result<()> {
        self.ws.send_with_str(text).map_err(Error::from)
    }

    /// Sends a text frame the runtime already holds as a JS string (a state
    /// frame made once for every socket).
    pub(crate) fn send_js(&self, text: &JsValue) -> Result<()> {
        send_js_text(&self.ws, text)
    }

    /// Sends a value as a JSON text frame.
    pub fn send_json<T: Serialize>(&self, value: &T) -> Result<()> {
        let text = serde_json::to_string(value).map_err(|e| Error::json("message", e))?;
        self.send(&text)
    }

    /// Sends a binary frame.
    pub fn send_bytes(&self, bytes: &[u8]) -> Result<()> {
        self.ws.send_with_bytes(bytes).map_err(Error::from)
    }

    /// Closes the connection with a code and reason.
    pub fn close(&self, code: u16, reason: &str) -> Result<()> {
        self.ws.close(Some(code), Some(reason)).map_err(Error::from)
    }

    /// The runtime socket, for what this type does not cover.
    pub fn socket(&self) -> &WebSocket {
        &self.ws
    }
}

#[cfg(test)]
mod tests {
    use super::Attachment;

    #[test]
    fn attachment_text_keeps_json_as_it_is_and_round_trips() {
        let attachment = Attachment {
            id: "a\"b".into(),
            readonly: true,
            state: Some(r#"{"n":1,"s":"zoë \"q\""}"#.into()),
            auth: Some(r#"{"user_id":"u"}"#.into()),
        };
        let text = attachment.to_text();
        assert_eq!(text, r#"{"id":"a\"b","readonly":true,"state":{"n":1,"s":"zoë \"q\""},"auth":{"user_id":"u"}}"#);
        let back = Attachment::from_text(&text).unwrap();
        assert_eq!((back.id.as_str(), back.readonly), ("a\"b", true));
        assert_eq!(back.state, attachment.state);
        assert_eq!(back.auth, attachment.auth);
    }

    #[test]
    fn attachment_text_without_state_or_auth_and_with_text_that_is_not_json() {
        let plain = Attachment { id: "c".into(), ..Attachment::default() };
        assert_eq!(plain.to_text(), r#"{"id":"c","readonly":false}"#);
        let back = Attachment::from_text(&plain.to_text()).unwrap();
        assert_eq!((back.state, back.auth), (None, None));
        let odd = Attachment { id: "d".into(), state: Some("not json".into()), ..Attachment::default() };
        let back = Attachment::from_text(&odd.to_text()).unwrap();
        assert_eq!(back.state.as_deref(), Some(r#""not json""#));
        assert!(Attachment::from_text("{").is_none());
    }
}
