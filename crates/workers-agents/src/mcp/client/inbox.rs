//! What a server sends an agent besides its responses, at runtime: while a
//! reply streams, `ping` is answered, `elicitation/create` goes to
//! [`Agent::on_mcp_elicitation`] and its answer is POSTed back,
//! `sampling/createMessage` to [`Agent::on_mcp_sampling`] when the agent
//! [takes it](Agent::takes_mcp_sampling), log
//! messages go to [`Agent::on_mcp_log`], and the lists a server says
//! changed are listed again once the response is in. An accepted
//! elicitation gets the defaults of its schema for what it leaves out. Other requests are
//! refused with "method not found". Bounded: at most
//! [`MAX_SERVER_REQUESTS`] requests answered per reply.

use std::cell::{Cell, RefCell};

use futures_util::future::LocalBoxFuture;
use serde_json::{json, Value};

use super::inbound::{
    classify, error_response, result_response, unsupported, with_schema_defaults, Ask, Inbound, Listed, INTERNAL_ERROR,
    MAX_SERVER_REQUESTS,
};
use super::store::ListColumn;
use super::transport::Inbox;
use crate::mcp::jsonrpc::{Message, RpcError};
use crate::{Agent, Context};

/// The inbox of one request to server `server`.
pub(super) struct ServerInbox<'a, A: Agent> {
    ctx: &'a Context<A>,
    server: &'a str,
    changed: RefCell<Vec<ListColumn>>,
    answered: Cell<usize>,
}

impl<'a, A: Agent> ServerInbox<'a, A> {
    pub(super) fn new(ctx: &'a Context<A>, server: &'a str) -> Self {
        ServerInbox { ctx, server, changed: RefCell::default(), answered: Cell::new(0) }
    }

    /// The lists the server said changed, each once.
    pub(super) fn changed(&self) -> Vec<ListColumn> {
        self.changed.take()
    }

    async fn answer(&self, message: Message) -> Option<Value> {
        let inbound = classify(message);
        let request_id = match &inbound {
            Inbound::Ping(id) | Inbound::Ask(_, id, _) | Inbound::Unsupported(id, _) => Some(id.clone()),
            _ => None,
        };
        if let Some(id) = request_id {
            let count = self.answered.get() + 1;
            self.answered.set(count);
            if count > MAX_SERVER_REQUESTS {
                let error = RpcError::new(INTERNAL_ERROR, format!("over {MAX_SERVER_REQUESTS} requests in one reply"));
                return Some(error_response(&id, &error));
            }
        }
        match inbound {
            Inbound::Changed(listed) => {
                let column = match listed {
                    Listed::Tools => ListColumn::Tools,
                    Listed::Resources => ListColumn::Resources,
                    Listed::Prompts => ListColumn::Prompts,
                };
                let mut changed = self.changed.borrow_mut();
                if !changed.contains(&column) {
                    changed.push(column);
                }
                None
            }
            Inbound::Log(params) => {
                self.ctx.agent().on_mcp_log(self.ctx, self.server, params).await;
                None
            }
            Inbound::Ping(id) => Some(result_response(&id, json!({}))),
            Inbound::Ask(Ask::Elicitation, id, params) => {
                match self.ctx.agent().on_mcp_elicitation(self.ctx, self.server, params.clone()).await {
                    Ok(result) => Some(result_response(&id, with_schema_defaults(&params, result))),
                    Err(error) => Some(error_response(&id, &RpcError::new(INTERNAL_ERROR, error.to_string()))),
                }
            }
            Inbound::Ask(Ask::Sampling, id, params) if A::takes_mcp_sampling() => {
                match self.ctx.agent().on_mcp_sampling(self.ctx, self.server, params).await {
                    Ok(result) => Some(result_response(&id, result)),
                    Err(error) => Some(error_response(&id, &RpcError::new(INTERNAL_ERROR, error.to_string()))),
                }
            }
            Inbound::Ask(ask, id, _) => Some(error_response(&id, &unsupported(ask.method()))),
            Inbound::Unsupported(id, method) => Some(error_response(&id, &unsupported(&method))),
            Inbound::Skipped => None,
        }
    }
}

impl<A: Agent> Inbox for ServerInbox<'_, A> {
    fn take(&self, message: Message) -> LocalBoxFuture<'_, Option<Value>> {
        Box::pin(self.answer(message))
    }
}
