//! Scheduled-task handlers: typed payloads, chosen by name. Not client-callable.

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;

use serde::de::DeserializeOwned;

use crate::{Agent, Context};

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;
type RunFn<A> = Box<dyn for<'a> Fn(&'a A, &'a Context<A>, &'a str) -> BoxFuture<'a, Result<(), String>>>;
type CheckFn = Box<dyn Fn(&str) -> Result<(), String>>;

struct Task<A: Agent> {
    run: RunFn<A>,
    check: CheckFn,
}

/// The registry of an agent's task handlers, for `schedule` and `queue`.
///
/// A handler takes a typed payload; scheduling with a payload that does not
/// decode into that type is refused at once, with the reason.
pub struct Tasks<A: Agent> {
    tasks: HashMap<String, Task<A>>,
}

impl<A: Agent> Default for Tasks<A> {
    fn default() -> Self {
        Tasks { tasks: HashMap::new() }
    }
}

fn run_fn<A: Agent, F>(f: F) -> RunFn<A>
where
    F: for<'a> Fn(&'a A, &'a Context<A>, &'a str) -> BoxFuture<'a, Result<(), String>> + 'static,
{
    Box::new(f)
}

fn decode<T: DeserializeOwned>(task: &str, payload: &str) -> Result<T, String> {
    serde_json::from_str(payload).map_err(|e| format!("payload does not match task {task}: {e}"))
}

impl<A: Agent> Tasks<A> {
    /// An empty registry.
    pub fn new() -> Self {
        Self::default()
    }

    /// Registers `f` as the task `name`; its payload type is `T`.
    pub fn task<T, E, F>(mut self, name: &str, f: F) -> Self
    where
        F: AsyncFn(&A, &Context<A>, T) -> Result<(), E> + Copy + 'static,
        T: DeserializeOwned + 'static,
        E: Display,
    {
        let task = name.to_owned();
        let checked = name.to_owned();
        let run = run_fn(move |agent, ctx, payload| {
            let task = task.clone();
            Box::pin(async move {
                let payload: T = decode(&task, payload)?;
                f(agent, ctx, payload).await.map_err(|e| e.to_string())
            })
        });
        let check: CheckFn = Box::new(move |payload| decode::<T>(&checked, payload).map(|_| ()));
        self.tasks.insert(name.to_owned(), Task { run, check });
        self
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.tasks.contains_key(name)
    }

    /// Checks that `name` exists and `payload` (JSON) decodes into its type.
    pub(crate) fn check(&self, name: &str, payload: &str) -> Result<(), String> {
        match self.tasks.get(name) {
            Some(task) => (task.check)(payload),
            None => Err(format!("no task named {name} (register it in Agent::tasks)")),
        }
    }

    pub(crate) async fn run(&self, agent: &A, ctx: &Context<A>, name: &str, payload: &str) -> Result<(), String> {
        match self.tasks.get(name) {
            Some(task) => (task.run)(agent, ctx, payload).await,
            None => Err(format!("no task named {name} (register it in Agent::tasks)")),
        }
    }
}

impl<A: Agent> std::fmt::Debug for Tasks<A> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tasks").field("tasks", &self.tasks.keys().collect::<Vec<_>>()).finish_non_exhaustive()
    }
}
