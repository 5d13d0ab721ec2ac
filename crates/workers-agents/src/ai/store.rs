//! Durable model replies: every conversation message lives in the agent's
//! SQLite (`cf_agents_ai_messages`); a streamed reply is appended to as it
//! arrives, so a client that reconnects reads what it missed and follows
//! the rest, and the history is the model's context for the next call.

use std::cell::RefCell;
use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context as TaskContext, Poll, Waker};

use serde::{Deserialize, Serialize};

use self::MessageStatus::{Complete, Incomplete, Streaming};
use super::part::MIGRATIONS;
use super::types::{ChatMessage, Role};
use crate::storage::schema::Schema;
use crate::storage::sql::Sql;
use crate::Result;

/// Where a stored message stands; stored, and sent to clients, as the
/// lower-case names (`"incomplete"`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, crate::Schema)]
#[serde(rename_all = "lowercase")]
pub enum MessageStatus {
    /// A reply is still being written.
    Streaming,
    /// The message is complete.
    Complete,
    /// A reply stopped early (provider error, timeout, eviction); the
    /// message's `error` says why.
    Incomplete,
}

impl MessageStatus {
    /// The stored name: `"streaming"`, `"complete"` or `"incomplete"`.
    pub fn as_str(self) -> &'static str {
        match self {
            MessageStatus::Streaming => "streaming",
            MessageStatus::Complete => "complete",
            MessageStatus::Incomplete => "incomplete",
        }
    }
}

impl std::fmt::Display for MessageStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One stored message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, crate::Schema)]
pub struct StoredMessage {
    /// Its id.
    pub id: String,
    /// The conversation it belongs to.
    pub conversation: String,
    /// Who speaks it.
    pub role: Role,
    /// The text so far.
    pub content: String,
    /// Whether it is complete, or still streaming, or stopped early.
    pub status: MessageStatus,
    /// Why an incomplete reply stopped.
    pub error: Option<String>,
    /// When it was created (ms since the epoch).
    pub created_ms: i64,
}

/// What followers of a streaming reply receive.
#[derive(Debug, Clone, PartialEq)]
pub enum ReplyEvent {
    /// More text.
    Delta(String),
    /// The reply ended (complete or incomplete); the stored message.
    End(StoredMessage),
}

#[derive(Default)]
struct FeedState {
    queue: VecDeque<ReplyEvent>,
    waker: Option<Waker>,
}

/// The live events of one streaming reply, for one follower.
#[derive(Clone, Default)]
pub struct ReplyFeed(Rc<RefCell<FeedState>>);

impl ReplyFeed {
    fn push(&self, event: ReplyEvent) {
        let mut state = self.0.borrow_mut();
        state.queue.push_back(event);
        if let Some(waker) = state.waker.take() {
            waker.wake();
        }
    }

    /// The next event (waits for it).
    pub fn next(&self) -> impl Future<Output = ReplyEvent> + '_ {
        NextEvent(self)
    }
}

struct NextEvent<'a>(&'a ReplyFeed);

impl Future for NextEvent<'_> {
    type Output = ReplyEvent;

    fn poll(self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<ReplyEvent> {
        let mut state = self.0 .0.borrow_mut();
        match state.queue.pop_front() {
            Some(event) => Poll::Ready(event),
            None => {
                state.waker = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    }
}

/// Followers of the replies streaming in this instance, by message id.
#[derive(Default)]
pub(crate) struct LiveReplies(RefCell<HashMap<String, Vec<ReplyFeed>>>);

impl LiveReplies {
    fn publish(&self, id: &str, event: &ReplyEvent) {
        let ended = matches!(event, ReplyEvent::End(_));
        let followers = if ended { self.0.borrow_mut().remove(id) } else { self.0.borrow().get(id).cloned() };
        for feed in followers.into_iter().flatten() {
            feed.push(event.clone());
        }
    }
}

/// The conversation store of an agent (`ctx.conversations()`).
pub struct Conversations<'a> {
    sql: &'a Sql,
    schema: &'a Schema,
    live: &'a LiveReplies,
}

const COLUMNS: &str = "id, conversation, role, content, status, error, created_ms";

impl<'a> Conversations<'a> {
    pub(crate) fn new(sql: &'a Sql, schema: &'a Schema, live: &'a LiveReplies) -> Self {
        Conversations { sql, schema, live }
    }

    /// The table, created on first use.
    fn table(&self) -> Result<&'a Sql> {
        self.schema.ensure(self.sql, &MIGRATIONS)?;
        Ok(self.sql)
    }

    /// The messages of a conversation, oldest first.
    pub fn history(&self, conversation: &str) -> Result<Vec<StoredMessage>> {
        self.table()?.query(
            &format!("SELECT {COLUMNS} FROM cf_agents_ai_messages WHERE conversation = ? ORDER BY seq"),
            crate::params![conversation],
        )
    }

    /// One message.
    pub fn message(&self, id: &str) -> Result<Option<StoredMessage>> {
        self.table()?
            .query_one(&format!("SELECT {COLUMNS} FROM cf_agents_ai_messages WHERE id = ?"), crate::params![id])
    }

    /// The conversation as model context: complete messages, and the text
    /// of incomplete replies (so the model sees what it already said).
    pub fn context(&self, conversation: &str) -> Result<Vec<ChatMessage>> {
        Ok(self
            .history(conversation)?
            .into_iter()
            .filter(|m| m.status != Streaming && !(m.status == Incomplete && m.content.is_empty()))
            .map(|m| ChatMessage::new(m.role, m.content))
            .collect())
    }

    /// Stores a complete message.
    pub fn append(&self, conversation: &str, role: Role, content: &str) -> Result<StoredMessage> {
        self.insert(conversation, role, content, Complete)
    }

    /// Starts an assistant reply (empty, streaming).
    pub fn start_reply(&self, conversation: &str) -> Result<StoredMessage> {
        self.insert(conversation, Role::Assistant, "", Streaming)
    }

    fn insert(&self, conversation: &str, role: Role, content: &str, status: MessageStatus) -> Result<StoredMessage> {
        let id = crate::ids::uuid_v4();
        let now = worker::Date::now().as_millis() as i64;
        self.table()?.execute(
            "INSERT INTO cf_agents_ai_messages (id, conversation, role, content, status, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
            crate::params![id.as_str(), conversation, role.as_str(), content, status.as_str(), now],
        )?;
        Ok(StoredMessage {
            id,
            conversation: conversation.to_owned(),
            role,
            content: content.to_owned(),
            status,
            error: None,
            created_ms: now,
        })
    }

    /// Appends text to a streaming reply and tells its followers.
    pub fn append_text(&self, id: &str, delta: &str) -> Result<()> {
        self.table()?.execute(
            "UPDATE cf_agents_ai_messages SET content = content || ? WHERE id = ? AND status = ?",
            crate::params![delta, id, Streaming.as_str()],
        )?;
        self.live.publish(id, &ReplyEvent::Delta(delta.to_owned()));
        Ok(())
    }

    /// Ends a reply: complete (`error: None`) or incomplete with the reason.
    pub fn finish(&self, id: &str, error: Option<&str>) -> Result<Option<StoredMessage>> {
        let status = if error.is_some() { Incomplete } else { Complete };
        self.table()?.execute(
            "UPDATE cf_agents_ai_messages SET status = ?, error = ? WHERE id = ? AND status = ?",
            crate::params![status.as_str(), error, id, Streaming.as_str()],
        )?;
        let message = self.message(id)?;
        if let Some(message) = &message {
            self.live.publish(id, &ReplyEvent::End(message.clone()));
        }
        Ok(message)
    }

    /// Follows a reply: what is stored now, and (while it still streams)
    /// a feed of what comes next. No `await` between the read and the
    /// subscription, so nothing falls in between.
    pub fn follow(&self, id: &str) -> Result<Option<(StoredMessage, Option<ReplyFeed>)>> {
        let Some(message) = self.message(id)? else { return Ok(None) };
        if message.status != Streaming {
            return Ok(Some((message, None)));
        }
        let feed = ReplyFeed::default();
        self.live.0.borrow_mut().entry(id.to_owned()).or_default().push(feed.clone());
        Ok(Some((message, Some(feed))))
    }

    /// Marks replies left streaming by an earlier wake (the instance was
    /// evicted mid-stream) as incomplete. Runs at every wake.
    pub(crate) fn interrupt_stale(&self) -> Result<()> {
        self.table()?.execute(
            "UPDATE cf_agents_ai_messages SET status = ?, error = ? WHERE status = ?",
            crate::params![
                Incomplete.as_str(),
                "interrupted: the agent restarted while the reply streamed",
                Streaming.as_str()
            ],
        )?;
        Ok(())
    }
}

impl std::fmt::Debug for ReplyFeed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReplyFeed").finish_non_exhaustive()
    }
}

impl std::fmt::Debug for Conversations<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conversations").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::{MessageStatus, Role};

    #[test]
    fn roles_and_statuses_keep_their_wire_names() {
        for (role, name) in
            [(Role::System, "system"), (Role::User, "user"), (Role::Assistant, "assistant"), (Role::Tool, "tool")]
        {
            assert_eq!((role.as_str(), serde_json::to_value(role).unwrap()), (name, name.into()));
            assert_eq!(serde_json::from_value::<Role>(name.into()).unwrap(), role);
        }
        let statuses = [
            (MessageStatus::Streaming, "streaming"),
            (MessageStatus::Complete, "complete"),
            (MessageStatus::Incomplete, "incomplete"),
        ];
        for (status, name) in statuses {
            assert_eq!((status.as_str(), serde_json::to_value(status).unwrap()), (name, name.into()));
            assert_eq!(serde_json::from_value::<MessageStatus>(name.into()).unwrap(), status);
        }
    }
}
