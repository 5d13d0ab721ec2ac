//! A reminder agent: clients schedule reminders over RPC; when one fires,
//! every connected client gets a message and the synced state records it.

use serde::{Deserialize, Serialize};
use worker::Env;
use workers_agents::{export_agent, Agent, Callables, Context, Schedule, ScheduleFilter, Tasks, When};

/// Synced to clients: the reminders that have fired.
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

impl Reminders {
    /// `remind(text, seconds)`: once, after a delay.
    async fn remind(&self, ctx: &Ctx, (text, seconds): (String, f64)) -> Res<Schedule> {
        ctx.schedule(When::delay_seconds(seconds), "fire", &Reminder { text }).await
    }

    /// `remindCron(text, expression, zone?)`: repeatedly, on a cron expression.
    async fn remind_cron(
        &self,
        ctx: &Ctx,
        (text, expression, zone): (String, String, Option<String>),
    ) -> Res<Schedule> {
        let when = When::Cron { expression, zone };
        ctx.schedule(when, "fire", &Reminder { text }).await
    }

    async fn list(&self, ctx: &Ctx, (): ()) -> Res<Vec<Schedule>> {
        ctx.get_schedules(&ScheduleFilter::default())
    }

    async fn cancel(&self, ctx: &Ctx, (id,): (String,)) -> Res<()> {
        ctx.cancel_schedule(&id).await
    }

    async fn fire(&self, ctx: &Ctx, reminder: Reminder) -> Res<()> {
        let frame = serde_json::json!({ "type": "reminder", "text": reminder.text });
        ctx.broadcast(&frame.to_string(), &[]);
        ctx.update_state(|s| s.fired.push(reminder.text))
    }
}

impl Agent for Reminders {
    type State = RemindersState;

    fn new(_env: &Env) -> Self {
        Reminders
    }

    fn initial_state(&self) -> RemindersState {
        RemindersState::default()
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
