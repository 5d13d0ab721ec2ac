//! Running an event's future at once.
//!
//! An async wasm-bindgen export turns every event into a `Promise` and runs
//! its future from a microtask, even when nothing in it waits. Most frames
//! (a state push, a callable that returns without awaiting) finish in their
//! first poll; [`run_at_once`] polls there and then, and hands the runtime a
//! promise only for work that is still pending.

use std::future::{poll_fn, Future};
use std::panic::AssertUnwindSafe;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

use wasm_bindgen::JsValue;
use worker::wasm_bindgen_futures::future_to_promise;

use crate::host::panic::catch_panic_sync;

/// The waker the work is always polled with: it wakes the task that polled
/// last. (Some futures keep the waker of their first poll, so that one must
/// stay valid.) A wake-up before there is a task is not needed: the task
/// polls the work as soon as it starts.
#[derive(Default)]
struct Forward {
    task: Mutex<Option<Waker>>,
}

impl Wake for Forward {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if let Some(task) = self.task.lock().ok().and_then(|task| task.clone()) {
            task.wake();
        }
    }
}

/// Polls `work` once; its result when ready, else a promise of it whose task
/// goes on polling it.
pub(crate) fn run_at_once<F>(work: F) -> Result<JsValue, JsValue>
where
    F: Future<Output = worker::Result<()>> + 'static,
{
    let forward = Arc::new(Forward::default());
    let waker = Waker::from(forward.clone());
    let mut work = Box::pin(work);
    let first = catch_panic_sync(|| work.as_mut().poll(&mut Context::from_waker(&waker)));
    let to_js = |outcome: worker::Result<()>| outcome.map(|()| JsValue::UNDEFINED).map_err(JsValue::from);
    match first {
        Ok(Poll::Ready(outcome)) => to_js(outcome),
        Ok(Poll::Pending) => {
            let rest = poll_fn(move |cx| {
                if let Ok(mut task) = forward.task.lock() {
                    *task = Some(cx.waker().clone());
                }
                work.as_mut().poll(&mut Context::from_waker(&waker)).map(to_js)
            });
            Ok(future_to_promise(AssertUnwindSafe(rest)).into())
        }
        Err(panic) => Err(JsValue::from_str(&format!("event handler panicked: {panic}"))),
    }
}
