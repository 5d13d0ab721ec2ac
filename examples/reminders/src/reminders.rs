//! A reminder agent: clients schedule reminders over RPC; when one fires,
//! every connected client gets a message and the synced state records it.

use serde::{Deserialize, Serialize};
use worker::Env;
use workers_agents::{
    export_agent, Agent, Callables, Context, Error, Schedule, ScheduleFilter, StateSource, Tasks, When,
};

/// Synced to clients: the last [`MAX_FIRED`] reminders that have fired.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
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

type Ctx = Context<Reminders>;
type Res<T> = workers_agents::Result<T>;

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
fn bounded(what: &str, value: &str, max: usize) -> Res<()> {
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
    fn check_new(&self, ctx: &Ctx, text: &str) -> Res<()> {
        bounded("text", text, MAX_TEXT_BYTES)?;
        if ctx.get_schedules(&ScheduleFilter::default())?.len() >= MAX_PENDING {
            return Err(Error::BadRequest(format!("at most {MAX_PENDING} pending reminders: cancel one first")));
        }
        Ok(())
    }

    /// `remind(text, seconds)`: once, after a delay.
    async fn remind(&self, ctx: &Ctx, (text, seconds): (String, f64)) -> Res<Schedule> {
        if !(0.0..=MAX_DELAY_SECONDS).contains(&seconds) {
            return Err(Error::BadRequest(format!(
                "the delay must be at most {MAX_DELAY_SECONDS} seconds (a year), and not negative (got {seconds})"
            )));
        }
        self.check_new(ctx, &text)?;
        ctx.schedule(When::delay_seconds(seconds), "fire", &Reminder { text }).await
    }

    /// `remindCron(text, expression, zone?)`: repeatedly, on a cron expression.
    async fn remind_cron(
        &self,
        ctx: &Ctx,
        (text, expression, zone): (String, String, Option<String>),
    ) -> Res<Schedule> {
        bounded("expression", &expression, MAX_CRON_BYTES)?;
        if let Some(zone) = &zone {
            bounded("zone", zone, MAX_NAME_BYTES)?;
        }
        self.check_new(ctx, &text)?;
        let when = When::Cron { expression, zone };
        ctx.schedule(when, "fire", &Reminder { text }).await
    }

    async fn list(&self, ctx: &Ctx, (): ()) -> Res<Vec<Schedule>> {
        ctx.get_schedules(&ScheduleFilter::default())
    }

    async fn cancel(&self, ctx: &Ctx, (id,): (String,)) -> Res<()> {
        bounded("id", &id, MAX_NAME_BYTES)?;
        ctx.cancel_schedule(&id).await
    }

    async fn fire(&self, ctx: &Ctx, reminder: Reminder) -> Res<()> {
        let frame = serde_json::json!({ "type": "reminder", "text": reminder.text });
        ctx.broadcast(&frame.to_string(), &[]);
        ctx.update_state(|s| {
            s.fired.push(reminder.text);
            let excess = s.fired.len().saturating_sub(MAX_FIRED);
            s.fired.drain(..excess);
        })
    }
}

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
    fn validate_state_change(&self, _ctx: &Ctx, _next: &RemindersState, source: StateSource<'_>) -> Result<(), String> {
        match source {
            StateSource::Server => Ok(()),
            StateSource::Connection(_) => Err("only the agent records fired reminders".into()),
        }
    }

    fn callables() -> Callables<Self> {
        Callables::new()
            .method("remind", Self::remind)
            .method("remindCron", Self::remind_cron)
            .method("list", Self::list)
            .method("cancel", Self::cancel)
    }

    fn tasks() -> Tasks<Self> {
        Tasks::new().task("fire", Self::fire)
    }
}

export_agent!(Reminders);
