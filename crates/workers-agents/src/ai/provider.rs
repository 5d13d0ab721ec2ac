//! One interface over the model providers: Workers AI through the `[ai]`
//! binding, and any OpenAI-compatible chat-completions endpoint over fetch.
//! Which one an agent uses is configuration (env vars), not code.

use std::collections::VecDeque;
use std::time::Duration;

use futures_util::future::{select, Either};
use futures_util::StreamExt;
use serde_json::Value;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{Array, Function, Promise, Reflect};
use worker::wasm_bindgen_futures::JsFuture;
use worker::{ByteStream, Env, Fetch, Headers, Method, Request, RequestInit};

use super::idle::IdleTimer;
use super::openai;
use super::types::{error_message, AiError, ChatRequest, ChatResponse, StreamEvent};
use super::workers_ai::{self, Gateway};
use crate::sse::parse::SseParser;

/// Where a chat model runs.
#[derive(Debug, Clone, PartialEq)]
pub enum Provider {
    /// Workers AI through an `[ai]` binding.
    WorkersAi {
        /// The binding's name (`AI`).
        binding: String,
        /// AI Gateway options, if any.
        gateway: Option<Gateway>,
    },
    /// An OpenAI-compatible `chat/completions` endpoint.
    OpenAi {
        /// e.g. `https://api.openai.com/v1`.
        base_url: String,
        /// The bearer token.
        api_key: String,
    },
}

/// A model at a provider: what agents call.
#[derive(Debug, Clone, PartialEq)]
pub struct ChatModel {
    /// Where it runs.
    pub provider: Provider,
    /// The model name (`@cf/meta/llama-3.1-8b-instruct`, `gpt-4o-mini`, ...).
    pub model: String,
    /// Longest wait for the next piece of a stream (default 60 s).
    pub idle_timeout: Duration,
}

fn var(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .ok()
        .map(|v| v.to_string())
        .or_else(|| env.secret(name).ok().map(|v| v.to_string()))
        .filter(|v| !v.is_empty())
}

impl ChatModel {
    /// A model on Workers AI through the binding `binding`.
    pub fn workers_ai(binding: &str, model: &str) -> Self {
        ChatModel {
            provider: Provider::WorkersAi { binding: binding.to_owned(), gateway: None },
            model: model.to_owned(),
            idle_timeout: Duration::from_secs(60),
        }
    }

    /// A model behind an OpenAI-compatible endpoint.
    pub fn openai(base_url: &str, api_key: &str, model: &str) -> Self {
        ChatModel {
            provider: Provider::OpenAi {
                base_url: base_url.trim_end_matches('/').to_owned(),
                api_key: api_key.to_owned(),
            },
            model: model.to_owned(),
            idle_timeout: Duration::from_secs(60),
        }
    }

    /// The model the worker's configuration names:
    /// - `AI_PROVIDER=workers-ai` (default): binding `AI_BINDING` (default `AI`), model `AI_MODEL`
    ///   (default `@cf/meta/llama-3.1-8b-instruct`), optional `AI_GATEWAY_ID`, `AI_GATEWAY_SKIP_CACHE`,
    ///   `AI_GATEWAY_CACHE_TTL`;
    /// - `AI_PROVIDER=openai`: `OPENAI_BASE_URL` (default `https://api.openai.com/v1`), secret
    ///   `OPENAI_API_KEY` (required), model `AI_MODEL` (required).
    ///
    /// `AI_IDLE_TIMEOUT_MS` sets [`ChatModel::idle_timeout`] for either.
    pub fn from_env(env: &Env) -> Result<Self, AiError> {
        let mut model = Self::provider_from_env(env)?;
        if let Some(ms) = var(env, "AI_IDLE_TIMEOUT_MS").and_then(|v| v.parse().ok()) {
            model.idle_timeout = Duration::from_millis(ms);
        }
        Ok(model)
    }

    fn provider_from_env(env: &Env) -> Result<Self, AiError> {
        match var(env, "AI_PROVIDER").as_deref().unwrap_or("workers-ai") {
            "workers-ai" => {
                let binding = var(env, "AI_BINDING").unwrap_or_else(|| "AI".into());
                let model = var(env, "AI_MODEL").unwrap_or_else(|| "@cf/meta/llama-3.1-8b-instruct".into());
                let mut chat = Self::workers_ai(&binding, &model);
                if let Some(id) = var(env, "AI_GATEWAY_ID") {
                    let gateway = Gateway {
                        id,
                        skip_cache: var(env, "AI_GATEWAY_SKIP_CACHE").map(|v| v == "true"),
                        cache_ttl: var(env, "AI_GATEWAY_CACHE_TTL").and_then(|v| v.parse().ok()),
                    };
                    chat.provider = Provider::WorkersAi { binding, gateway: Some(gateway) };
                }
                Ok(chat)
            }
            "openai" => {
                let base_url = var(env, "OPENAI_BASE_URL").unwrap_or_else(|| "https://api.openai.com/v1".into());
                let api_key = var(env, "OPENAI_API_KEY").ok_or_else(|| {
                    AiError::Config("OPENAI_API_KEY is not set (wrangler secret put OPENAI_API_KEY)".into())
                })?;
                let model = var(env, "AI_MODEL").ok_or_else(|| AiError::Config("AI_MODEL is not set".into()))?;
                Ok(Self::openai(&base_url, &api_key, &model))
            }
            other => Err(AiError::Config(format!("AI_PROVIDER {other:?} is unknown (use workers-ai or openai)"))),
        }
    }

    /// Asks for a complete answer.
    pub async fn complete(&self, env: &Env, request: &ChatRequest) -> Result<ChatResponse, AiError> {
        match &self.provider {
            Provider::OpenAi { .. } => {
                let mut response = self.post(request, false).await?;
                let body: Value = response.json().await.map_err(|e| AiError::Malformed(e.to_string()))?;
                openai::parse_response(&body)
            }
            Provider::WorkersAi { binding, gateway } => {
                let output =
                    run_binding(env, binding, &self.model, &workers_ai::input(request, false), gateway.as_ref())
                        .await?;
                let output: Value = js_to_json(&output)?;
                workers_ai::parse_output(&output)
            }
        }
    }

    /// Asks for a streamed answer.
    pub async fn stream(&self, env: &Env, request: &ChatRequest) -> Result<ChatStream, AiError> {
        let (bytes, decoder) = match &self.provider {
            Provider::OpenAi { .. } => {
                let mut response = self.post(request, true).await?;
                let bytes = response.stream().map_err(|e| AiError::Transport(e.to_string()))?;
                (bytes, Decoder::OpenAi(openai::StreamDecoder::new()))
            }
            Provider::WorkersAi { binding, gateway } => {
                let output =
                    run_binding(env, binding, &self.model, &workers_ai::input(request, true), gateway.as_ref()).await?;
                let stream = output
                    .dyn_into::<worker::web_sys::ReadableStream>()
                    .map_err(|_| AiError::Malformed("the binding did not return a stream".into()))?;
                (ByteStream::from(stream), Decoder::WorkersAi(workers_ai::StreamDecoder::new()))
            }
        };
        Ok(ChatStream {
            bytes,
            decoder,
            parser: SseParser::new(),
            queue: VecDeque::new(),
            ended: false,
            idle: IdleTimer::new(self.idle_timeout),
        })
    }

    async fn post(&self, request: &ChatRequest, stream: bool) -> Result<worker::Response, AiError> {
        let Provider::OpenAi { base_url, api_key } = &self.provider else {
            return Err(AiError::Config("not an OpenAI-compatible provider".into()));
        };
        let body = openai::request_body(&self.model, request, stream).to_string();
        let headers = Headers::new();
        let set = |k: &str, v: &str| headers.set(k, v).map_err(|e| AiError::Config(e.to_string()));
        set("content-type", "application/json")?;
        set("authorization", &format!("Bearer {api_key}"))?;
        if stream {
            set("accept", "text/event-stream")?;
        }
        let mut init = RequestInit::new();
        init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
        let url = format!("{base_url}/chat/completions");
        let req = Request::new_with_init(&url, &init).map_err(|e| AiError::Config(format!("{url}: {e}")))?;
        let timeout = Box::pin(worker::Delay::from(self.idle_timeout));
        let mut response = match select(Box::pin(Fetch::Request(req).send()), timeout).await {
            Either::Left((response, _)) => response.map_err(|e| AiError::Transport(e.to_string()))?,
            Either::Right(_) => {
                return Err(AiError::Transport(format!("no answer from {url} within {:?}", self.idle_timeout)))
            }
        };
        let status = response.status_code();
        if !(200..300).contains(&status) {
            let text = response.text().await.unwrap_or_default();
            return Err(AiError::Provider { status, message: error_message(&text) });
        }
        Ok(response)
    }
}

fn js_to_json(value: &JsValue) -> Result<Value, AiError> {
    let text = worker::js_sys::JSON::stringify(value).map_err(|_| AiError::Malformed("output is not JSON".into()))?;
    serde_json::from_str(&String::from(text)).map_err(|e| AiError::Malformed(e.to_string()))
}

/// Calls `env[binding].run(model, input, options)`.
async fn run_binding(
    env: &Env,
    binding: &str,
    model: &str,
    input: &Value,
    gateway: Option<&Gateway>,
) -> Result<JsValue, AiError> {
    // Any binding with a `run` method: the real `[ai]` binding, or a stand-in service.
    let target =
        Reflect::get(env, &binding.into()).ok().filter(|b| !b.is_undefined() && !b.is_null()).ok_or_else(|| {
            AiError::Config(format!(
                "no AI binding named {binding:?} (add [ai] binding = \"{binding}\" to wrangler.toml)"
            ))
        })?;
    let run = Reflect::get(&target, &"run".into())
        .ok()
        .and_then(|f| f.dyn_into::<Function>().ok())
        .ok_or_else(|| AiError::Config(format!("binding {binding:?} has no run method")))?;
    let to_js =
        |v: &Value| worker::js_sys::JSON::parse(&v.to_string()).map_err(|_| AiError::Malformed("bad input".into()));
    let options = match workers_ai::run_options(gateway) {
        Some(options) => to_js(&options)?,
        None => JsValue::UNDEFINED,
    };
    // `Reflect.apply`, not `run.call(..)`: on an RPC stub `call` would be a remote method.
    let args = Array::of3(&model.into(), &to_js(input)?, &options);
    let promise =
        Reflect::apply(&run, &target, &args).map_err(|e| AiError::Provider { status: 0, message: js_message(&e) })?;
    JsFuture::from(Promise::from(promise)).await.map_err(|e| AiError::Provider { status: 0, message: js_message(&e) })
}

fn js_message(error: &JsValue) -> String {
    Reflect::get(error, &"message".into()).ok().and_then(|m| m.as_string()).unwrap_or_else(|| format!("{error:?}"))
}

enum Decoder {
    OpenAi(openai::StreamDecoder),
    WorkersAi(workers_ai::StreamDecoder),
}

/// A streamed answer: call [`ChatStream::next`] until it returns `None`.
pub struct ChatStream {
    bytes: ByteStream,
    decoder: Decoder,
    parser: SseParser,
    queue: VecDeque<StreamEvent>,
    ended: bool,
    idle: IdleTimer,
}

impl ChatStream {
    /// The next event; `None` after [`StreamEvent::Done`] or an error.
    /// Errors: the provider's error event, a malformed chunk, a stream that
    /// ends without its end marker, or no data within the idle timeout.
    pub async fn next(&mut self) -> Option<Result<StreamEvent, AiError>> {
        loop {
            if let Some(event) = self.queue.pop_front() {
                if matches!(event, StreamEvent::Done(_)) {
                    self.ended = true;
                }
                return Some(Ok(event));
            }
            if self.ended {
                return None;
            }
            // The events completed before an oversized one have been handed out.
            if self.parser.overflowed() {
                let limit = crate::sse::parse::MAX_EVENT_BYTES;
                return self.fail(AiError::Transport(format!("an event of the stream is larger than {limit} bytes")));
            }
            let read = match select(self.bytes.next(), Box::pin(self.idle.expired())).await {
                Either::Left((read, _)) => Either::Left(read),
                Either::Right(_) => Either::Right(()),
            };
            let events = match read {
                Either::Left(Some(Ok(chunk))) => {
                    self.idle.data();
                    self.parser.push(&chunk)
                }
                Either::Left(Some(Err(e))) => return self.fail(AiError::Transport(e.to_string())),
                Either::Left(None) => {
                    let tail = self.parser.finish();
                    if tail.is_empty() {
                        return self.fail(AiError::Transport("the stream ended before it was complete".into()));
                    }
                    tail
                }
                Either::Right(_) => {
                    let limit = self.idle.limit();
                    return self.fail(AiError::Transport(format!("no data for {limit:?}")));
                }
            };
            for event in &events {
                let decoded = match &mut self.decoder {
                    Decoder::OpenAi(d) => d.decode(event),
                    Decoder::WorkersAi(d) => d.decode(event),
                };
                match decoded {
                    Ok(decoded) => self.queue.extend(decoded),
                    Err(e) => return self.fail(e),
                }
            }
        }
    }

    fn fail(&mut self, error: AiError) -> Option<Result<StreamEvent, AiError>> {
        self.ended = true;
        self.queue.clear();
        Some(Err(error))
    }
}

impl std::fmt::Debug for ChatStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChatStream").finish_non_exhaustive()
    }
}
