//! A reminder agent: clients schedule reminders over RPC; when one fires,
//! every connected client gets a message and the synced state records it.

use serde::{Deserialize, Serialize};
use worker::Env;
use workers_agents::prelude::*;
use workers_agents::{Schedule, ScheduleFilter};

/// Synced to clients: the last [`MAX_FIRED`] reminders that have fired.
#[derive(Debug, Clone, Default, Serialize, Deserialize, Schema)]
pub struct RemindersState {
    fired: Vec<String>,
}

#[derive(Debug, Serialize, Deserialize)]
struct Reminder {
    text: String,
}

/// The reminders agent: `remind`, `remindCron`, `list`, `cancel`.
#[derive(Debug)]
pub struct Reminders;

/// Longest delay of `remind`: a year, in seconds.
const MAX_DELAY_SECONDS: f64 = 365.0 * 24.0 * 3600.0;
/// Longest reminder text, in bytes.
const MAX_TEXT_BYTES: usize = 1000;
/// Longest cron expression, in bytes.
const MAX_CRON_BYTES: usize = 100;
/// Longest time zone name, and longest schedule id `cancel` takes, in bytes.
const MAX_NAME_BYTES: usize = 64;
/// Most reminders one instance keeps pending (each holds a stored row).
const MAX_PENDING: usize = 100;
/// How many fired reminders the synced state keeps (the oldest are dropped),
/// so a cron reminder does not grow it without end.
const MAX_FIRED: usize = 50;
/// Largest frame a client may send: a reminder at its longest, even with
/// every character escaped in the JSON (6 bytes each), fits.
const MAX_FRAME_BYTES: usize = 16 * 1024;

/// `what` must be 1 to `max` bytes.
fn bounded(what: &str, value: &str, max: usize) -> Result<()> {
    if value.is_empty() {
        return Err(Error::BadRequest(format!("{what} must be at least 1 byte")));
    }
    if value.len() > max {
        return Err(Error::BadRequest(format!("{what} must be at most {max} bytes (got {})", value.len())));
    }
    Ok(())
}

impl Reminders {
    /// Refuses a text out of bounds, or a new reminder past [`MAX_PENDING`].
    fn check_new(&self, ctx: &Context<Self>, text: &str) -> Result<()> {
        bounded("text", text, MAX_TEXT_BYTES)?;
        if ctx.get_schedules(&ScheduleFilter::default())?.len() >= MAX_PENDING {
            return Err(Error::BadRequest(format!("at most {MAX_PENDING} pending reminders: cancel one first")));
        }
        Ok(())
    }
}

/// Reminders that fire once or on a cron expression, to every client.
#[agent]
impl Agent for Reminders {
    type State = RemindersState;

    const MAX_MESSAGE_BYTES: usize = MAX_FRAME_BYTES;

    fn new(_env: &Env) -> Self {
        Reminders
    }

    fn initial_state(&self) -> RemindersState {
        RemindersState::default()
    }

    /// Only the agent records fired reminders: clients may not push a state.
    fn validate_state_change(
        &self,
        _ctx: &Context<Self>,
        _next: &RemindersState,
        source: StateSource<'_>,
    ) -> Result<(), String> {
        match source {
            StateSource::Server => Ok(()),
            StateSource::Connection(_) => Err("only the agent records fired reminders".into()),
        }
    }

    /// Reminds everyone of `text` once, after `seconds`.
    #[callable]
    async fn remind(&self, ctx: &Context<Self>, text: String, seconds: f64) -> Result<Schedule> {
        if !(0.0..=MAX_DELAY_SECONDS).contains(&seconds) {
            return Err(Error::BadRequest(format!(
                "the delay must be at most {MAX_DELAY_SECONDS} seconds (a year), and not negative (got {seconds})"
            )));
        }
        self.check_new(ctx, &text)?;
        ctx.schedule(When::delay_seconds(seconds), Self::FIRE, &Reminder { text }).await
    }

    /// Reminds everyone of `text` on a cron expression, in UTC or the IANA `zone`.
    #[callable]
    async fn remind_cron(
        &self,
        ctx: &Context<Self>,
        text: String,
        expression: String,
        zone: Option<String>,
    ) -> Result<Schedule> {
        bounded("expression", &expression, MAX_CRON_BYTES)?;
        if let Some(zone) = &zone {
            bounded("zone", zone, MAX_NAME_BYTES)?;
        }
        self.check_new(ctx, &text)?;
        let when = When::Cron { expression, zone };
        ctx.schedule(when, Self::FIRE, &Reminder { text }).await
    }

    /// The pending reminders.
    #[callable]
    async fn list(&self, ctx: &Context<Self>) -> Result<Vec<Schedule>> {
        ctx.get_schedules(&ScheduleFilter::default())
    }

    /// Cancels the reminder `id`.
    #[callable]
    async fn cancel(&self, ctx: &Context<Self>, id: String) -> Result<()> {
        bounded("id", &id, MAX_NAME_BYTES)?;
        ctx.cancel_schedule(&id).await
    }

    #[task]
    async fn fire(&self, ctx: &Context<Self>, reminder: Reminder) -> Result<()> {
        let frame = serde_json::json!({ "type": "reminder", "text": reminder.text });
        ctx.broadcast(&frame.to_string(), &[]);
        ctx.update_state(|s| {
            s.fired.push(reminder.text);
            let excess = s.fired.len().saturating_sub(MAX_FIRED);
            s.fired.drain(..excess);
        })
    }
}
