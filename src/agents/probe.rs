//! A fixture agent the test suites drive: every hook, error path and panic
//! path of the framework has a handle here.

use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use worker::{Env, Request, Response};
use workers_agents::{
    export_agent, params, Agent, Callables, Connection, Context, Message, StateSource, StreamingResponse,
};

/// The probe's state. `count` must stay non-negative and `items` short.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ProbeState {
    count: i64,
    items: Vec<String>,
    #[serde(default)]
    blob: String,
}

/// What each connection remembers across hibernation.
#[derive(Debug, Serialize, Deserialize)]
struct Visitor {
    agent: String,
    greeting: String,
    messages: u32,
}

#[derive(Deserialize)]
struct Count {
    n: i64,
}

#[derive(Debug, Serialize, Deserialize)]
struct Row {
    id: i64,
    label: String,
    score: f64,
}

pub(crate) struct Probe;

type Ctx = Context<Probe>;
type Res<T> = workers_agents::Result<T>;

const MAX_ITEMS: usize = 100;

/// The `n` of a `SELECT COUNT(*) AS n` query.
#[derive(Deserialize)]
struct Key {
    chunk: i64,
}

fn count(ctx: &Ctx, query: &str) -> Res<i64> {
    let count: Option<Count> = ctx.sql().query_one(query, params![])?;
    Ok(count.map_or(0, |c| c.n))
}

impl Probe {
    async fn echo(&self, _ctx: &Ctx, (value,): (Value,)) -> Res<Value> {
        Ok(value)
    }

    async fn fail(&self, _ctx: &Ctx, (message,): (String,)) -> Result<(), String> {
        Err(message)
    }

    async fn boom(&self, _ctx: &Ctx, (message,): (String,)) -> Res<()> {
        panic!("{message}")
    }

    /// The id of the connection this call works for, read after waiting
    /// `wait_ms` (other calls run meanwhile).
    async fn caller_after(&self, ctx: &Ctx, (wait_ms,): (u64,)) -> Res<Option<String>> {
        if wait_ms > 0 {
            worker::Delay::from(std::time::Duration::from_millis(wait_ms)).await;
        }
        Ok(ctx.current_connection().map(|c| c.id().to_string()))
    }

    async fn set_count(&self, ctx: &Ctx, (count,): (i64,)) -> Res<i64> {
        ctx.update_state(|s| s.count = count)?;
        Ok(ctx.state()?.count)
    }

    async fn set_blob(&self, ctx: &Ctx, (bytes,): (usize,)) -> Res<usize> {
        ctx.update_state(|s| s.blob = "x".repeat(bytes))?;
        Ok(ctx.state()?.blob.len())
    }

    async fn fill_blob(&self, ctx: &Ctx, (text, times): (String, usize)) -> Res<usize> {
        ctx.update_state(|s| s.blob = text.repeat(times))?;
        Ok(ctx.state()?.blob.len())
    }

    /// Overwrites the blob's characters from character `at` on with `text`.
    async fn edit_blob(&self, ctx: &Ctx, (at, text): (usize, String)) -> Res<usize> {
        ctx.update_state(|s| {
            let chars = text.chars().count();
            s.blob = s.blob.chars().take(at).chain(text.chars()).chain(s.blob.chars().skip(at + chars)).collect();
        })?;
        Ok(ctx.state()?.blob.len())
    }

    /// Makes writes of state chunk `chunk` (either slot; -1: the manifest)
    /// fail (a trigger raises), or none.
    async fn refuse_state_writes(&self, ctx: &Ctx, (chunk,): (Option<i64>,)) -> Res<()> {
        ctx.sql().execute("DELETE FROM refused_state_chunks", params![])?;
        if let Some(chunk) = chunk {
            ctx.sql().execute("INSERT INTO refused_state_chunks (chunk) VALUES (?)", params![chunk])?;
        }
        Ok(())
    }

    /// How many chunk rows the state has, how many chunk row writes it has
    /// had (a trigger counts them), and the keys of all its rows.
    async fn state_rows(&self, ctx: &Ctx, (): ()) -> Res<Value> {
        let rows = count(ctx, "SELECT COUNT(*) AS n FROM cf_agents_state WHERE chunk >= 0")?;
        let writes = count(ctx, "SELECT COUNT(*) AS n FROM state_row_writes")?;
        let keys: Vec<Key> = ctx.sql().query("SELECT chunk FROM cf_agents_state ORDER BY chunk", params![])?;
        Ok(json!({ "rows": rows, "writes": writes, "keys": keys.iter().map(|k| k.chunk).collect::<Vec<_>>() }))
    }

    /// Replaces the stored state's rows with `pieces` at keys 0, 1, …: the
    /// layout of earlier releases, which had no spare slots or manifest.
    async fn store_legacy_rows(&self, ctx: &Ctx, (pieces,): (Vec<String>,)) -> Res<usize> {
        ctx.sql().execute("DELETE FROM cf_agents_state", params![])?;
        for (i, piece) in pieces.iter().enumerate() {
            ctx.sql().execute(
                "INSERT INTO cf_agents_state (chunk, data) VALUES (?, ?)",
                params![i as i64, piece.as_str()],
            )?;
        }
        Ok(pieces.len())
    }

    async fn state_size(&self, ctx: &Ctx, (): ()) -> Res<usize> {
        Ok(ctx.state()?.json()?.len())
    }

    async fn insert_rows(&self, ctx: &Ctx, (labels,): (Vec<String>,)) -> Res<usize> {
        for (i, label) in labels.iter().enumerate() {
            ctx.sql()
                .execute("INSERT INTO rows (label, score) VALUES (?, ?)", params![label.as_str(), i as f64 * 0.5])?;
        }
        self.row_count(ctx)
    }

    fn row_count(&self, ctx: &Ctx) -> Res<usize> {
        Ok(count(ctx, "SELECT COUNT(*) AS n FROM rows")? as usize)
    }

    async fn rows(&self, ctx: &Ctx, (label,): (String,)) -> Res<Vec<Row>> {
        ctx.sql().query("SELECT id, label, score FROM rows WHERE label = ? ORDER BY id", params![label.as_str()])
    }

    async fn bad_sql(&self, ctx: &Ctx, (): ()) -> Res<usize> {
        ctx.sql().execute("INSERT INTO no_such_table (x) VALUES (?)", params![1])
    }

    async fn wrong_row_type(&self, ctx: &Ctx, (): ()) -> Res<Vec<Row>> {
        ctx.sql().query("SELECT 'not a number' AS id, 1 AS label, 'x' AS score", params![])
    }

    async fn numbers(&self, _ctx: &Ctx, stream: StreamingResponse, (n,): (u32,)) -> Res<u32> {
        for i in 0..n {
            stream.send(&i)?;
        }
        Ok(n)
    }

    async fn numbers_then_fail(&self, _ctx: &Ctx, stream: StreamingResponse, (n,): (u32,)) -> Result<u32, String> {
        for i in 0..n {
            stream.send(&i).map_err(|e| e.to_string())?;
        }
        Err(format!("failed after {n} chunks"))
    }

    async fn broadcast(&self, ctx: &Ctx, (text, exclude): (String, Vec<String>)) -> Res<usize> {
        let exclude: Vec<&str> = exclude.iter().map(String::as_str).collect();
        ctx.broadcast(&json!({"type": "broadcast", "text": text}).to_string(), &exclude);
        Ok(ctx.connections().len())
    }

    async fn close_all(&self, ctx: &Ctx, (code, reason): (u16, String)) -> Res<usize> {
        let connections = ctx.connections();
        for connection in &connections {
            connection.close(code, &reason)?;
        }
        Ok(connections.len())
    }
}

impl Agent for Probe {
    type State = ProbeState;

    const MAX_MESSAGE_BYTES: usize = 8 * 1024 * 1024;

    fn new(_env: &Env) -> Self {
        Probe
    }

    fn initial_state(&self) -> ProbeState {
        ProbeState::default()
    }

    fn callables() -> Callables<Self> {
        Callables::new()
            .method("echo", Self::echo)
            .method("fail", Self::fail)
            .method("boom", Self::boom)
            .method("setCount", Self::set_count)
            .method("callerAfter", Self::caller_after)
            .method("setBlob", Self::set_blob)
            .method("stateSize", Self::state_size)
            .method("fillBlob", Self::fill_blob)
            .method("editBlob", Self::edit_blob)
            .method("stateRows", Self::state_rows)
            .method("refuseStateWrites", Self::refuse_state_writes)
            .method("storeLegacyRows", Self::store_legacy_rows)
            .method("insertRows", Self::insert_rows)
            .method("rows", Self::rows)
            .method("badSql", Self::bad_sql)
            .method("wrongRowType", Self::wrong_row_type)
            .method("broadcast", Self::broadcast)
            .method("closeAll", Self::close_all)
            .streaming("numbers", Self::numbers)
            .streaming("numbersThenFail", Self::numbers_then_fail)
            .not_callable("onStart")
    }

    async fn on_start(&self, ctx: &Ctx) -> Res<()> {
        ctx.sql().execute_batch(
            "CREATE TABLE IF NOT EXISTS rows (id INTEGER PRIMARY KEY, label TEXT NOT NULL, score REAL NOT NULL);
             CREATE TABLE IF NOT EXISTS state_log (id INTEGER PRIMARY KEY, source TEXT NOT NULL, count INTEGER NOT NULL);
             CREATE TABLE IF NOT EXISTS wakes (id INTEGER PRIMARY KEY);
             CREATE TABLE IF NOT EXISTS state_row_writes (chunk INTEGER NOT NULL);
             CREATE TRIGGER IF NOT EXISTS count_state_row_writes AFTER INSERT ON cf_agents_state
               WHEN NEW.chunk >= 0 BEGIN INSERT INTO state_row_writes (chunk) VALUES (NEW.chunk); END;
             CREATE TRIGGER IF NOT EXISTS count_state_row_updates AFTER UPDATE ON cf_agents_state
               WHEN NEW.chunk >= 0 BEGIN INSERT INTO state_row_writes (chunk) VALUES (NEW.chunk); END;
             CREATE TABLE IF NOT EXISTS refused_state_chunks (chunk INTEGER NOT NULL);
             CREATE TRIGGER IF NOT EXISTS refuse_state_chunk_writes BEFORE INSERT ON cf_agents_state
               WHEN (CASE WHEN NEW.chunk < 0 THEN NEW.chunk ELSE NEW.chunk & 4294967295 END)
                 IN (SELECT chunk FROM refused_state_chunks)
               BEGIN SELECT RAISE(ABORT, 'state write refused by the test trigger'); END",
        )?;
        ctx.sql().execute("INSERT INTO wakes DEFAULT VALUES", params![])?;
        Ok(())
    }

    fn should_connection_be_readonly(&self, _ctx: &Ctx, _connection: &Connection, req: &Request) -> bool {
        req.url().is_ok_and(|url| url.query_pairs().any(|(k, v)| k == "readonly" && v == "1"))
    }

    fn connection_tags(&self, _ctx: &Ctx, _connection: &Connection, req: &Request) -> Vec<String> {
        req.url()
            .map(|url| url.query_pairs().filter(|(k, _)| k == "tag").map(|(_, v)| v.into_owned()).collect())
            .unwrap_or_default()
    }

    async fn on_connect(&self, ctx: &Ctx, connection: &Connection, req: &Request) -> Res<()> {
        let agent = req.headers().get("user-agent")?.unwrap_or_default();
        connection.set_state(&Visitor { agent, greeting: format!("hello {}", connection.id()), messages: 0 })?;
        if req.url()?.query_pairs().any(|(k, _)| k == "panic-on-connect") {
            panic!("on_connect asked to panic");
        }
        let _ = ctx;
        Ok(())
    }

    async fn on_message(&self, ctx: &Ctx, connection: &Connection, message: Message) -> Res<()> {
        let text = match message {
            Message::Text(text) => text,
            Message::Binary(bytes) => {
                return connection.send(&json!({"type": "binary", "len": bytes.len()}).to_string())
            }
        };
        let mut visitor: Visitor =
            connection.state()?.unwrap_or(Visitor { agent: String::new(), greeting: String::new(), messages: 0 });
        visitor.messages += 1;
        connection.set_state(&visitor)?;
        let reply = match text.as_str() {
            "whoami" => json!({
                "type": "whoami",
                "id": connection.id(),
                "visitor": visitor,
                "tags": ctx.tags(connection),
                "readonly": connection.is_readonly(),
            }),
            "panic" => panic!("on_message asked to panic"),
            other => json!({"type": "echo", "text": other}),
        };
        connection.send(&reply.to_string())
    }

    async fn on_request(&self, ctx: &Ctx, req: Request) -> worker::Result<Response> {
        let path = req.path();
        let last = path.rsplit('/').next().unwrap_or_default();
        match last {
            "state" => Response::from_json(&json!({ "state": &*ctx.state()? })),
            "state-log" => {
                #[derive(Serialize, Deserialize)]
                struct Entry {
                    source: String,
                    count: i64,
                }
                let log: Vec<Entry> = ctx.sql().query("SELECT source, count FROM state_log ORDER BY id", params![])?;
                Response::from_json(&log)
            }
            "wakes" => {
                #[derive(Serialize, Deserialize)]
                struct N {
                    n: i64,
                }
                let n: Option<N> = ctx.sql().query_one("SELECT COUNT(*) AS n FROM wakes", params![])?;
                Response::from_json(&json!({ "wakes": n.map_or(0, |n| n.n) }))
            }
            "connections" => Response::from_json(&json!({ "count": ctx.connections().len() })),
            "user" => Response::from_json(&json!({ "user": req.headers().get("x-demo-user")? })),
            "name" => Response::from_json(&json!({ "name": ctx.name(), "agent": ctx.agent_class() })),
            "panic" => panic!("on_request asked to panic"),
            "fail" => Err(worker::Error::RustError("on_request failed on purpose".into())),
            "sql-error" => match ctx.sql().execute("SELECT * FROM missing_table WHERE x = ?", params![1]) {
                Ok(_) => Response::ok("unexpected success"),
                Err(e) => Response::error(e.to_string(), 500),
            },
            _ => Response::error("Not found", 404),
        }
    }

    fn validate_state_change(&self, _ctx: &Ctx, next: &ProbeState, _source: StateSource<'_>) -> Result<(), String> {
        if next.count < 0 {
            return Err(format!("count must not be negative (got {})", next.count));
        }
        if next.items.len() > MAX_ITEMS {
            return Err(format!("at most {MAX_ITEMS} items"));
        }
        Ok(())
    }

    fn on_state_update(&self, ctx: &Ctx, state: &ProbeState, source: StateSource<'_>) {
        let source = source.connection_id().unwrap_or("server").to_owned();
        if let Err(e) =
            ctx.sql().execute("INSERT INTO state_log (source, count) VALUES (?, ?)", params![source, state.count])
        {
            worker::console_error!("state log: {e}");
        }
    }
}

export_agent!(Probe);
