//! `ctx.mcp_client()`: the agent's connections to remote MCP servers. Each
//! server is a row of `cf_agents_mcp_servers` (its session id and lists
//! too), so after hibernation or eviction it is listed at once and its
//! session taken up again on first use, with no new `add_server`.

use std::rc::Rc;

use serde_json::{json, Value};

use super::error::ClientError;
use super::inbound::client_capabilities;
use super::inbox::ServerInbox;
use super::link::{Link, Links, Via};
use super::options::{check_server_url, stored_list, McpServerOptions, McpServerStatus, McpTransport};
use super::servers::{normalize_server_id, ConnectionState};
use super::session::{extend_list, list_page, ServerHello, MAX_LISTED_BYTES, MAX_PAGES};
use super::store::{state_name, ListColumn, ServerRow, ServerStore};
use super::transport::{self, Endpoint, Ignore, Inbox};
use crate::mcp::session::now_ms;
use crate::mcp::{PromptResult, ResourceContents, ToolResult};
use crate::{Agent, Context, Error, Result};

/// The agent's MCP client: [`Context::mcp_client`].
pub struct McpClient<'a, A: Agent> {
    pub(super) ctx: &'a Context<A>,
}

impl<A: Agent> std::fmt::Debug for McpClient<'_, A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("McpClient").field("agent", &self.ctx.agent_class()).finish_non_exhaustive()
    }
}

impl<A: Agent> Context<A> {
    /// The agent's connections to remote MCP servers (feature `mcp`): add,
    /// list and remove servers, use their tools, resources and prompts.
    /// Servers are kept in the agent's SQLite (created on first use) and
    /// shown to its clients in the `cf_agent_mcp_servers` frame.
    pub fn mcp_client(&self) -> McpClient<'_, A> {
        McpClient { ctx: self }
    }
}

impl<A: Agent> McpClient<'_, A> {
    pub(super) fn store(&self) -> ServerStore<'_> {
        ServerStore { sql: self.ctx.sql(), schema: self.ctx.schema() }
    }

    pub(super) fn links(&self) -> &Links {
        &self.ctx.parts.mcp.client
    }

    /// Connects to the MCP server at `url` under `name` (its id is the name
    /// made safe, [`normalize_server_id`]): initializes a session and lists
    /// the server's tools, resources and prompts. Returns its status:
    /// [`ConnectionState::Ready`], or [`ConnectionState::Failed`] with the
    /// reason (the server is kept, and retried on its next use).
    ///
    /// Refused, with nothing stored: a URL that is not http(s), carries
    /// credentials, or names a loopback, private or reserved address unless
    /// [`Agent::allow_mcp_server_url`] allows it; a name whose id another
    /// server has (another name or URL). Adding a server again with the same name and URL
    /// reconnects it if it is not ready.
    pub async fn add_server(&self, name: &str, url: &str, transport: McpTransport) -> Result<McpServerStatus> {
        self.add_server_with(name, url, McpServerOptions::new().transport(transport)).await
    }

    /// [`add_server`](Self::add_server) with options: with a
    /// [`callback_host`](McpServerOptions::callback_host), a server that
    /// answers 401 gets an OAuth login (feature `oauth`): the status is
    /// [`ConnectionState::Authenticating`] with the
    /// [`auth_url`](McpServerStatus::auth_url) the person opens; the
    /// authorization server sends them back to the agent's callback, which
    /// stores the tokens (sealed under the secret
    /// [`MCP_CLIENT_TOKEN_KEY`](super::TOKEN_KEY_BINDING)) and connects.
    pub async fn add_server_with(&self, name: &str, url: &str, options: McpServerOptions) -> Result<McpServerStatus> {
        let transport = options.transport;
        let parsed = check_server_url(url, |u| self.ctx.agent().allow_mcp_server_url(self.ctx, u))?;
        let id = normalize_server_id(name);
        let store = self.store();
        if let Some(row) = store.get(&id)? {
            if row.url != parsed.as_str() || row.name != name {
                return Err(Error::msg(format!(
                    "an MCP server with id {id:?} already exists ({:?} at {}): remove it first",
                    row.name, row.url
                )));
            }
            if row.state() == ConnectionState::Ready {
                return self.status(&row);
            }
        }
        #[cfg(feature = "oauth")]
        if let Some(host) = &options.callback_host {
            let login = super::link::LoginOptions {
                redirect_uri: self.redirect_uri(host, options.callback_path.as_deref())?,
                client_metadata_url: options.client_metadata_url.clone(),
                client: options.client.clone(),
            };
            self.links().logins.borrow_mut().insert(id.clone(), login);
        }
        store.insert(&id, name, parsed.as_str(), transport.as_str(), now_ms())?;
        self.broadcast()?;
        let row = store.get(&id)?.ok_or_else(|| ClientError::UnknownServer(id.clone()))?;
        // A failure is recorded in the row (and shown); the status says it.
        let _ = self.connect(&row).await;
        let row = store.get(&id)?.ok_or_else(|| ClientError::UnknownServer(id.clone()))?;
        self.status(&row)
    }

    /// Ends the session with server `id` (a `DELETE` when it has a session
    /// id) and forgets it. Whether there was such a server.
    pub async fn remove_server(&self, id: &str) -> Result<bool> {
        let endpoint = match self.links().forget(id) {
            Some(link) => Some(link.endpoint()),
            None => self.store().get(id)?.map(|row| row.endpoint()),
        };
        let removed = self.store().delete(id)?;
        #[cfg(feature = "oauth")]
        super::oauth_store::OAuthStore { sql: self.ctx.sql(), schema: self.ctx.schema() }.delete(id)?;
        if removed {
            self.broadcast()?;
        }
        if let Some(endpoint) = endpoint {
            transport::delete(&endpoint).await;
        }
        Ok(removed)
    }

    /// Every server, in the order they were added (read from storage: no
    /// request is made).
    pub fn servers(&self) -> Result<Vec<McpServerStatus>> {
        self.store().all()?.iter().map(|row| self.status(row)).collect()
    }

    /// The server's tools (every page, at most
    /// [`MAX_LISTED`](super::session::MAX_LISTED)), asked for again; the
    /// stored list and the clients' frame are updated.
    pub async fn list_tools(&self, id: &str) -> Result<Vec<Value>> {
        self.refresh_list(id, ListColumn::Tools).await
    }

    /// The server's resources, as [`list_tools`](Self::list_tools) does.
    pub async fn list_resources(&self, id: &str) -> Result<Vec<Value>> {
        self.refresh_list(id, ListColumn::Resources).await
    }

    /// The server's prompts, as [`list_tools`](Self::list_tools) does.
    pub async fn list_prompts(&self, id: &str) -> Result<Vec<Value>> {
        self.refresh_list(id, ListColumn::Prompts).await
    }

    /// Calls tool `name` of server `id` with `arguments` (an object). A tool
    /// that fails answers `Ok` with [`ToolResult::is_error`]; a JSON-RPC
    /// error (unknown tool, bad arguments) is an `Err` with its message.
    pub async fn call_tool(&self, id: &str, name: &str, arguments: Value) -> Result<ToolResult> {
        let result = self.request(id, "tools/call", json!({ "name": name, "arguments": arguments })).await?;
        decode(result, "tools/call")
    }

    /// Calls tool `name` of server `id` and returns its result as the
    /// server sent it (content of any kind, `structuredContent`, `isError`).
    #[cfg(feature = "chat")]
    pub(crate) async fn call_tool_json(&self, id: &str, name: &str, arguments: Value) -> Result<Value> {
        self.request(id, "tools/call", json!({ "name": name, "arguments": arguments })).await
    }

    /// The stored tools of every ready server, in the order servers were
    /// added: (server id, its tools). No request is made.
    #[cfg(feature = "chat")]
    pub(crate) fn ready_tools(&self) -> Result<Vec<(String, Vec<Value>)>> {
        let rows = self.store().all()?;
        let ready = rows.into_iter().filter(|row| row.state() == ConnectionState::Ready);
        Ok(ready.map(|row| (row.id, serde_json::from_str(&row.tools).unwrap_or_default())).collect())
    }

    /// Reads resource `uri` of server `id`.
    pub async fn read_resource(&self, id: &str, uri: &str) -> Result<Vec<ResourceContents>> {
        let mut result = self.request(id, "resources/read", json!({ "uri": uri })).await?;
        decode(result["contents"].take(), "resources/read")
    }

    /// Gets prompt `name` of server `id` with `arguments` (an object of strings).
    pub async fn get_prompt(&self, id: &str, name: &str, arguments: Value) -> Result<PromptResult> {
        let result = self.request(id, "prompts/get", json!({ "name": name, "arguments": arguments })).await?;
        decode(result, "prompts/get")
    }

    /// Sends a request to server `id`, taking its session up again from
    /// storage after a wake; a session the server forgot (404) is opened
    /// again once. A server that cannot be reached is marked failed (and
    /// reconnected on its next use).
    /// What the server sends besides the response goes to the agent's hooks
    /// (see [`ServerInbox`]); lists it says changed are listed again after.
    async fn request(&self, id: &str, method: &str, params: Value) -> Result<Value> {
        let link = self.link(id).await?;
        let inbox = ServerInbox::new(self.ctx, id);
        let outcome = match link.send(method, params.clone(), &inbox).await {
            Err(error) if recoverable(&error) => {
                self.recover(id, link, error).await?.send(method, params, &inbox).await
            }
            other => other,
        };
        match outcome {
            Ok(result) => {
                for column in inbox.changed() {
                    if let Err(error) = self.refresh_list(id, column).await {
                        worker::console_log!(
                            "[{}/{}] MCP server {id}: listing a changed list again failed: {error}",
                            self.ctx.agent_class(),
                            self.ctx.name()
                        );
                    }
                }
                Ok(result)
            }
            Err(error) => {
                if breaks_connection(&error) {
                    self.links().forget(id);
                    self.failed(id, &error).await?;
                    self.broadcast()?;
                }
                Err(error.into())
            }
        }
    }

    /// After a forgotten session (404): a new one. After a 401: a
    /// refreshed token, else a new login (the server is left
    /// `authenticating`, the error says where to log in).
    async fn recover(&self, id: &str, link: Rc<Link>, error: ClientError) -> Result<Rc<Link>> {
        let row = self.store().get(id)?.ok_or_else(|| ClientError::UnknownServer(id.to_owned()))?;
        match error {
            #[cfg(feature = "oauth")]
            ClientError::Unauthorized { resource_metadata, scope } => {
                let asked = super::oauth_flow::Asked { resource_metadata, scope };
                let outcome = match self.reauthorize(&row, asked).await {
                    Ok(_) => self.attach_bearer(&link, id).await,
                    Err(error) => Err(error),
                };
                match outcome {
                    Ok(()) => Ok(link),
                    Err(error) => Err(self.lost(id, error).await?.into()),
                }
            }
            // Step-up: a new login for what the token has and what the
            // request needs; the server waits for it (`authenticating`).
            #[cfg(feature = "oauth")]
            ClientError::InsufficientScope { resource_metadata, scope } => {
                let asked = super::oauth_flow::Asked { resource_metadata, scope };
                let error = match self.step_up(&row, asked).await {
                    Ok(error) | Err(error) => error,
                };
                Err(self.lost(id, error).await?.into())
            }
            _ => {
                drop(link);
                self.connect(&row).await
            }
        }
    }

    /// A server that cannot be used until it is reconnected (or logged in
    /// to): forgotten for this wake; failed unless it waits for a login.
    #[cfg_attr(not(feature = "oauth"), allow(dead_code))]
    async fn lost(&self, id: &str, error: ClientError) -> Result<ClientError> {
        self.links().forget(id);
        if !matches!(error, ClientError::LoginRequired { .. }) {
            self.failed(id, &error).await?;
        }
        self.broadcast()?;
        Ok(error)
    }

    /// Marks server `id` failed, and schedules its next automatic try
    /// ([`retry`](super::retry)) unless one is pending or none is left.
    async fn failed(&self, id: &str, error: &ClientError) -> Result<()> {
        if let Some(delay) = self.store().set_failed(id, &error.to_string(), now_ms())? {
            let task = crate::schedule::Task::<A, String>::named(super::retry::RECONNECT_TASK);
            // The failure is what the caller is told; a try that cannot be
            // scheduled is logged (the next use connects again anyway).
            if let Err(e) = self.ctx.schedule(crate::schedule::When::Delay(delay), task, &id.to_owned()).await {
                worker::console_error!(
                    "[{}/{}] MCP server {id}: the next try could not be scheduled: {e}",
                    self.ctx.agent_class(),
                    self.ctx.name()
                );
            }
        }
        Ok(())
    }

    /// The scheduled try of a failed server: it connects again (a failure
    /// schedules the next try); a server removed, back or waiting for a
    /// login is left alone.
    pub(crate) async fn retry(&self, id: &str) -> Result<()> {
        let Some(row) = self.store().get(id)? else { return Ok(()) };
        self.store().clear_retry(id)?;
        if row.state() == ConnectionState::Failed {
            // The outcome is in the row, and shown.
            let _ = self.connect(&row).await;
        }
        Ok(())
    }

    /// Gives the link the server's current access token (refreshed when it
    /// is about to expire), if the server has tokens.
    #[cfg(feature = "oauth")]
    async fn attach_bearer(&self, link: &Link, id: &str) -> std::result::Result<(), ClientError> {
        link.set_bearer(self.bearer(id).await?);
        Ok(())
    }

    #[cfg(not(feature = "oauth"))]
    async fn attach_bearer(&self, _link: &Link, _id: &str) -> std::result::Result<(), ClientError> {
        Ok(())
    }

    /// The open session with server `id`: this wake's, else the stored one
    /// (no request made), else a new one. Its token is refreshed first if
    /// it is about to expire.
    async fn link(&self, id: &str) -> Result<Rc<Link>> {
        if let Some(link) = self.links().get(id) {
            #[cfg(feature = "oauth")]
            if link.bearer_expires_ms.get().is_some_and(|at| at - super::login::REFRESH_EARLY_MS <= now_ms()) {
                if let Err(error) = self.attach_bearer(&link, id).await {
                    return Err(self.lost(id, error).await?.into());
                }
            }
            return Ok(link);
        }
        let row = self.store().get(id)?.ok_or_else(|| ClientError::UnknownServer(id.to_owned()))?;
        if row.state() == ConnectionState::Ready && row.protocol_version.is_some() {
            let link = Link::new(row.endpoint(), client_capabilities(A::takes_mcp_sampling()));
            if let Err(error) = self.attach_bearer(&link, id).await {
                return Err(self.lost(id, error).await?.into());
            }
            // A legacy session does not outlive its stream: a new one, with
            // the lists kept (one at a time, as `connect` makes them).
            if row.via() == Some(Via::Sse) {
                if self.links().is_connecting(id) {
                    return self.joined(id).await;
                }
                let _connecting = self.links().connecting(id);
                if let Err(error) = link.handshake(Via::Sse).await {
                    return Err(self.lost(id, error).await?.into());
                }
                if self.store().get(id)?.is_none() {
                    return Err(ClientError::UnknownServer(id.to_owned()).into());
                }
            }
            self.links().put(id, link.clone());
            return Ok(link);
        }
        self.connect(&row).await
    }

    /// Opens a session with the server of `row` and lists what it offers;
    /// the outcome is stored (ready, or failed with the reason) and shown.
    ///
    /// One connection at a time per server: a use that comes while another
    /// connects waits for it and takes its session.
    pub(super) async fn connect(&self, row: &ServerRow) -> Result<Rc<Link>> {
        if self.links().is_connecting(&row.id) {
            return self.joined(&row.id).await;
        }
        let _connecting = self.links().connecting(&row.id);
        self.links().forget(&row.id);
        let store = self.store();
        let outcome = self.open(row).await;
        // A 401: a refreshed token and a second try, or a login to wait for.
        #[cfg(feature = "oauth")]
        let outcome = match outcome {
            Err(ClientError::Unauthorized { resource_metadata, scope }) => {
                match self.reauthorize(row, super::oauth_flow::Asked { resource_metadata, scope }).await {
                    Ok(_) => self.open(row).await,
                    Err(error) => Err(error),
                }
            }
            other => other,
        };
        match outcome {
            Err(error @ ClientError::LoginRequired { .. }) => {
                self.broadcast()?;
                Err(error.into())
            }
            // Removed while it connected: the new session is ended too.
            Ok(link) if store.get(&row.id)?.is_none() => {
                transport::delete(&link.endpoint()).await;
                Err(ClientError::UnknownServer(row.id.clone()).into())
            }
            Ok(link) => {
                store.set_state(&row.id, ConnectionState::Ready, None)?;
                self.links().put(&row.id, link.clone());
                self.broadcast()?;
                Ok(link)
            }
            Err(error) => {
                self.failed(&row.id, &error).await?;
                self.broadcast()?;
                Err(error.into())
            }
        }
    }

    /// Waits for the connection another use of this wake is making, then
    /// takes its session (or its failure, as stored).
    async fn joined(&self, id: &str) -> Result<Rc<Link>> {
        // A connection is a handful of requests, each within REQUEST_TIMEOUT.
        let deadline = now_ms() + transport::REQUEST_TIMEOUT.as_millis() as i64 * 20;
        while self.links().is_connecting(id) && now_ms() < deadline {
            worker::Delay::from(std::time::Duration::from_millis(10)).await;
        }
        if let Some(link) = self.links().get(id) {
            return Ok(link);
        }
        let row = self.store().get(id)?.ok_or_else(|| ClientError::UnknownServer(id.to_owned()))?;
        let state = state_name(row.state());
        let why = row.error.unwrap_or_else(|| format!("the server is {state}"));
        Err(Error::msg(format!("connecting to MCP server {id:?} failed: {why}")))
    }

    async fn open(&self, row: &ServerRow) -> std::result::Result<Rc<Link>, ClientError> {
        let link = Link::new(
            Endpoint { url: row.url.clone(), ..Endpoint::default() },
            client_capabilities(A::takes_mcp_sampling()),
        );
        self.attach_bearer(&link, &row.id).await?;
        let (hello, via) = handshake(&link, McpTransport::parse(&row.transport)).await?;
        let store = self.store();
        let endpoint = link.endpoint();
        let stored = store.set_session(&row.id, &endpoint, via, hello.instructions.as_deref(), &hello.capabilities);
        stored.map_err(|e| ClientError::Protocol(e.to_string()))?;
        for (capability, column) in
            [("tools", ListColumn::Tools), ("resources", ListColumn::Resources), ("prompts", ListColumn::Prompts)]
        {
            let items = match hello.offers(capability) {
                true => list_all(&link, column, &Ignore).await?,
                false => Vec::new(),
            };
            store.set_list(&row.id, column, &stored_list(&items)).map_err(|e| ClientError::Protocol(e.to_string()))?;
        }
        Ok(link)
    }

    async fn refresh_list(&self, id: &str, column: ListColumn) -> Result<Vec<Value>> {
        let link = self.link(id).await?;
        let inbox = ServerInbox::new(self.ctx, id);
        let items = match list_all(&link, column, &inbox).await {
            Err(error) if recoverable(&error) => {
                list_all(&self.recover(id, link, error).await?, column, &inbox).await?
            }
            other => other?,
        };
        self.store().set_list(id, column, &stored_list(&items))?;
        self.broadcast()?;
        Ok(items)
    }

    /// How a server is reported: its row, and where to log in while it
    /// waits for a login.
    fn status(&self, row: &ServerRow) -> Result<McpServerStatus> {
        #[cfg(feature = "oauth")]
        let auth_url = match row.state() {
            ConnectionState::Authenticating => {
                let store = super::oauth_store::OAuthStore { sql: self.ctx.sql(), schema: self.ctx.schema() };
                store.get(&row.id)?.and_then(|o| o.auth_url)
            }
            _ => None,
        };
        #[cfg(not(feature = "oauth"))]
        let auth_url = None;
        Ok(McpServerStatus {
            id: row.id.clone(),
            name: row.name.clone(),
            url: row.url.clone(),
            transport: McpTransport::parse(&row.transport),
            state: row.state(),
            error: row.error.clone(),
            auth_url,
        })
    }

    /// Sends every client the servers' state.
    pub(super) fn broadcast(&self) -> Result<()> {
        let frame = self.store().servers_state()?.frame();
        self.ctx.broadcast(&frame, &[]);
        Ok(())
    }
}

/// The framework's own task, added to the agent's: the automatic try of a
/// failed server ([`retry`](super::retry)).
pub(crate) fn with_reconnect_task<A: Agent>(tasks: crate::schedule::Tasks<A>) -> crate::schedule::Tasks<A> {
    tasks.task(super::retry::RECONNECT_TASK, reconnect_task::<A>)
}

async fn reconnect_task<A: Agent>(_agent: &A, ctx: &Context<A>, id: String) -> Result<()> {
    ctx.mcp_client().retry(&id).await
}

/// The `cf_agent_mcp_servers` frame a new connection gets: the stored
/// servers (none when the agent never added one: no table is created).
pub(crate) fn connect_frame<A: Agent>(ctx: &Context<A>) -> Result<Option<String>> {
    let store = ServerStore { sql: ctx.sql(), schema: ctx.schema() };
    match store.exists() {
        true => Ok(Some(store.servers_state()?.frame())),
        false => Ok(None),
    }
}

/// Every page of a list, bounded by [`MAX_PAGES`], `MAX_LISTED` and [`MAX_LISTED_BYTES`].
async fn list_all(
    link: &Rc<Link>,
    column: ListColumn,
    inbox: &dyn Inbox,
) -> std::result::Result<Vec<Value>, ClientError> {
    let (method, key) = match column {
        ListColumn::Tools => ("tools/list", "tools"),
        ListColumn::Resources => ("resources/list", "resources"),
        ListColumn::Prompts => ("prompts/list", "prompts"),
    };
    let mut items = Vec::new();
    let mut bytes = 0;
    let mut cursor: Option<String> = None;
    for _ in 0..MAX_PAGES {
        let params = match &cursor {
            Some(cursor) => json!({ "cursor": cursor }),
            None => json!({}),
        };
        let result = link.send(method, params, inbox).await?;
        let (page, next) = list_page(&result, key).map_err(ClientError::Protocol)?;
        bytes += page.iter().map(|item| item.to_string().len()).sum::<usize>();
        if extend_list(&mut items, page) || bytes > MAX_LISTED_BYTES || next.is_none() || next == cursor {
            break;
        }
        cursor = next;
    }
    Ok(items)
}

/// Opens a session over the transport asked for; `auto` tries Streamable
/// HTTP, and the legacy HTTP+SSE transport when the server answers the
/// `initialize` POST with a 4xx other than 401 and 403 (as the MCP
/// specification's backwards compatibility says).
async fn handshake(link: &Link, asked: McpTransport) -> std::result::Result<(ServerHello, Via), ClientError> {
    match asked {
        McpTransport::StreamableHttp => Ok((link.handshake(Via::StreamableHttp).await?, Via::StreamableHttp)),
        McpTransport::Sse => Ok((link.handshake(Via::Sse).await?, Via::Sse)),
        McpTransport::Auto => match link.handshake(Via::StreamableHttp).await {
            Err(ClientError::Http { status, message }) if (400..500).contains(&status) && status != 403 => {
                match link.handshake(Via::Sse).await {
                    Ok(hello) => Ok((hello, Via::Sse)),
                    // Both failed: the first answer says most.
                    Err(ClientError::Http { .. } | ClientError::Protocol(_)) => {
                        Err(ClientError::Http { status, message })
                    }
                    Err(other) => Err(other),
                }
            }
            other => Ok((other?, Via::StreamableHttp)),
        },
    }
}

/// Failures [`McpClient::recover`] may get past: a forgotten session, a
/// 401, a 403 asking for more scope.
fn recoverable(error: &ClientError) -> bool {
    match error {
        ClientError::SessionGone => true,
        #[cfg(feature = "oauth")]
        ClientError::Unauthorized { .. } | ClientError::InsufficientScope { .. } => true,
        _ => false,
    }
}

/// Failures after which the session is not used again until reconnected.
fn breaks_connection(error: &ClientError) -> bool {
    match error {
        ClientError::Transport(_) | ClientError::Unauthorized { .. } | ClientError::SessionGone => true,
        ClientError::Http { status, .. } => *status >= 500 || *status == 403,
        _ => false,
    }
}

fn decode<T: serde::de::DeserializeOwned>(value: Value, method: &str) -> Result<T> {
    serde_json::from_value(value)
        .map_err(|e| ClientError::Protocol(format!("the {method} result does not decode: {e}")).into())
}
