//! The sessions of this wake: one [`Link`] per server, speaking Streamable
//! HTTP (with the server's standalone `GET` stream read while a request
//! waits, so that what the server sends there reaches the agent) or the
//! legacy HTTP+SSE transport.

use std::cell::{Cell, RefCell};
use std::collections::{HashMap, HashSet};
use std::rc::Rc;

use futures_util::future::{select, Either};
use serde_json::Value;

use super::error::ClientError;
use super::event_reader::EventReader;
use super::legacy::{self, LegacySession};
use super::session::{initialize_request, initialized_notification, request, ClientInfo, ServerHello};
use super::transport::{self, Bearer, Endpoint, Ignore, Inbox};

/// The sessions open in this wake, by server id.
#[derive(Default)]
pub(crate) struct Links {
    open: RefCell<HashMap<String, Rc<Link>>>,
    /// How a server being added logs in, until its login stores it.
    pub(super) logins: RefCell<HashMap<String, LoginOptions>>,
    /// The servers a use of this wake is connecting.
    connecting: RefCell<HashSet<String>>,
}

/// What [`McpServerOptions`](super::McpServerOptions) says of a login.
#[derive(Clone, Default)]
#[cfg_attr(not(feature = "oauth"), allow(dead_code))]
pub(super) struct LoginOptions {
    /// The OAuth redirect URI.
    pub(super) redirect_uri: String,
    pub(super) client_metadata_url: Option<String>,
    pub(super) client: Option<(String, Option<String>)>,
}

impl Links {
    #[cfg_attr(not(feature = "oauth"), allow(dead_code))]
    pub(super) fn login(&self, id: &str) -> Option<LoginOptions> {
        self.logins.borrow().get(id).cloned()
    }

    pub(super) fn get(&self, id: &str) -> Option<Rc<Link>> {
        self.open.borrow().get(id).cloned()
    }

    pub(super) fn put(&self, id: &str, link: Rc<Link>) {
        self.open.borrow_mut().insert(id.to_owned(), link);
    }

    pub(super) fn forget(&self, id: &str) -> Option<Rc<Link>> {
        self.open.borrow_mut().remove(id)
    }

    pub(super) fn is_connecting(&self, id: &str) -> bool {
        self.connecting.borrow().contains(id)
    }

    /// Notes that server `id` is being connected, until the guard drops.
    pub(super) fn connecting(&self, id: &str) -> Connecting<'_> {
        self.connecting.borrow_mut().insert(id.to_owned());
        Connecting(self, id.to_owned())
    }
}

/// A connection being made ([`Links::connecting`]).
pub(super) struct Connecting<'a>(&'a Links, String);

impl Drop for Connecting<'_> {
    fn drop(&mut self) {
        self.0.connecting.borrow_mut().remove(&self.1);
    }
}

/// The transport a session was opened with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Via {
    StreamableHttp,
    Sse,
}

impl Via {
    /// The word stored (`streamable-http`, `sse`).
    pub(super) fn as_str(self) -> &'static str {
        match self {
            Via::StreamableHttp => "streamable-http",
            Via::Sse => "sse",
        }
    }
}

/// The standalone `GET` stream of a Streamable HTTP session.
enum Standalone {
    /// Not asked for yet in this wake.
    Untried,
    /// The server has none (or it ended).
    None,
    Open(Rc<EventReader>),
}

/// One session with a server.
pub(super) struct Link {
    endpoint: RefCell<Endpoint>,
    next_id: Cell<u64>,
    /// When its access token expires, if it has one that does.
    #[cfg_attr(not(feature = "oauth"), allow(dead_code))]
    pub(super) bearer_expires_ms: Cell<Option<i64>>,
    /// The legacy transport's session, when the link speaks it.
    legacy: RefCell<Option<Rc<LegacySession>>>,
    standalone: RefCell<Standalone>,
    /// What the client declares at `initialize`.
    capabilities: Value,
}

impl Link {
    pub(super) fn new(endpoint: Endpoint, capabilities: Value) -> Rc<Self> {
        Rc::new(Link {
            endpoint: RefCell::new(endpoint),
            next_id: Cell::new(1),
            bearer_expires_ms: Cell::new(None),
            legacy: RefCell::new(None),
            standalone: RefCell::new(Standalone::Untried),
            capabilities,
        })
    }

    #[cfg_attr(not(feature = "oauth"), allow(dead_code))]
    pub(super) fn set_bearer(&self, bearer: Option<(String, Option<i64>)>) {
        let (token, expires) = bearer.map_or((None, None), |(t, e)| (Some(Bearer(t)), e));
        self.endpoint.borrow_mut().bearer = token;
        self.bearer_expires_ms.set(expires);
    }

    pub(super) fn endpoint(&self) -> Endpoint {
        self.endpoint.borrow().clone()
    }

    fn take_id(&self) -> u64 {
        self.next_id.replace(self.next_id.get() + 1)
    }

    /// Sends request `method` and waits for its result; what else the
    /// server sends meanwhile (on the reply, or on its standalone stream)
    /// goes to `inbox`.
    pub(super) async fn send(
        &self,
        method: &str,
        params: Value,
        inbox: &dyn Inbox,
    ) -> std::result::Result<Value, ClientError> {
        let id = self.take_id();
        let message = request(id, method, params);
        let endpoint = self.endpoint();
        let legacy = self.legacy.borrow().clone();
        if let Some(legacy) = legacy {
            let result = legacy.send(&endpoint, &message, Some(id), inbox).await?;
            return result.ok_or_else(|| ClientError::Protocol("no result".into()));
        }
        let post = Box::pin(transport::post(&endpoint, &message, Some(id), inbox));
        let reply = match self.standalone(&endpoint).await {
            None => post.await?,
            Some(stream) => match select(post, Box::pin(transport::listen(&stream, &endpoint, inbox))).await {
                Either::Left((reply, _)) => reply?,
                Either::Right(((), post)) => {
                    *self.standalone.borrow_mut() = Standalone::None;
                    post.await?
                }
            },
        };
        reply.result.ok_or_else(|| ClientError::Protocol("no result".into()))
    }

    /// The session's standalone stream, opened on the first request of
    /// this wake (a server without one answers 405: none).
    async fn standalone(&self, endpoint: &Endpoint) -> Option<Rc<EventReader>> {
        // A session without an id has no stream of its own.
        endpoint.session_id.as_ref()?;
        if let Standalone::Open(stream) = &*self.standalone.borrow() {
            return Some(stream.clone());
        }
        if !matches!(*self.standalone.borrow(), Standalone::Untried) {
            return None;
        }
        *self.standalone.borrow_mut() = Standalone::None;
        let stream = transport::open_standalone(endpoint).await.map(Rc::new);
        if let Some(stream) = &stream {
            *self.standalone.borrow_mut() = Standalone::Open(stream.clone());
        }
        stream
    }

    /// `initialize`, then `notifications/initialized`, on a fresh session
    /// over `via`, declaring the link's capabilities.
    pub(super) async fn handshake(&self, via: Via) -> std::result::Result<ServerHello, ClientError> {
        let client = ClientInfo { name: "workers-agents".into(), version: env!("CARGO_PKG_VERSION").into() };
        let id = self.take_id();
        let fresh = Endpoint {
            url: self.endpoint.borrow().url.clone(),
            bearer: self.endpoint.borrow().bearer.clone(),
            ..Endpoint::default()
        };
        let hello = initialize_request(id, &client, self.capabilities.clone());
        let (result, session_id, legacy) = match via {
            Via::StreamableHttp => {
                let reply = transport::post(&fresh, &hello, Some(id), &Ignore).await?;
                (reply.result, reply.session_id, None)
            }
            Via::Sse => {
                let legacy = Rc::new(legacy::open(&fresh).await?);
                (legacy.send(&fresh, &hello, Some(id), &Ignore).await?, None, Some(legacy))
            }
        };
        let hello = ServerHello::from_result(&result.unwrap_or_default()).map_err(ClientError::Protocol)?;
        let endpoint = Endpoint {
            url: fresh.url,
            session_id,
            protocol_version: Some(hello.protocol_version.clone()),
            bearer: fresh.bearer,
        };
        match &legacy {
            Some(legacy) => legacy.send(&endpoint, &initialized_notification(), None, &Ignore).await.map(drop)?,
            None => transport::post(&endpoint, &initialized_notification(), None, &Ignore).await.map(drop)?,
        }
        *self.endpoint.borrow_mut() = endpoint;
        *self.legacy.borrow_mut() = legacy;
        *self.standalone.borrow_mut() = Standalone::Untried;
        Ok(hello)
    }
}
