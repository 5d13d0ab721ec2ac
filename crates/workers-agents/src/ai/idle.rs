//! The idle timeout of a streamed answer: one runtime timer per quiet
//! period, not one per read. A read that brings data only notes the time;
//! when the timer fires after data came, it is set again for what is left
//! of the period since that data.

use std::pin::Pin;
use std::time::Duration;

use worker::js_sys::Date;
use worker::Delay;

pub(crate) struct IdleTimer {
    limit: Duration,
    timer: Option<Pin<Box<Delay>>>,
    /// When data last came (ms since the epoch).
    last_data_ms: f64,
}

impl IdleTimer {
    pub(crate) fn new(limit: Duration) -> Self {
        IdleTimer { limit, timer: None, last_data_ms: Date::now() }
    }

    /// The longest quiet period allowed.
    pub(crate) fn limit(&self) -> Duration {
        self.limit
    }

    /// Data came now.
    pub(crate) fn data(&mut self) {
        self.last_data_ms = Date::now();
    }

    /// Resolves once no data came for the limit. Dropping it (data came
    /// first) keeps the timer running for the next wait.
    pub(crate) async fn expired(&mut self) {
        let limit_ms = self.limit.as_secs_f64() * 1000.0;
        let mut wait = self.limit;
        loop {
            let timer = self.timer.get_or_insert_with(|| Box::pin(Delay::from(wait)));
            timer.as_mut().await;
            self.timer = None;
            let quiet_ms = Date::now() - self.last_data_ms;
            if quiet_ms >= limit_ms {
                return;
            }
            wait = Duration::from_secs_f64(((limit_ms - quiet_ms) / 1000.0).max(0.001));
        }
    }
}
