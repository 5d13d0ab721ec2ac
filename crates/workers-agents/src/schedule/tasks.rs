//! Scheduled-task handlers: typed payloads, chosen by name. Not client-callable.

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::pin::Pin;

use std::marker::PhantomData;

use serde::de::DeserializeOwned;

use crate::{Agent, Context};

/// A task of agent `A` whose payload is a `T`: what `#[task]` declares
/// (`Self::FIRE` for `async fn fire`), and what [`Context::schedule`] and
/// [`Context::queue`] take. A task that does not exist, or a payload of
/// another type, is then a compile error:
///
/// ```compile_fail
/// # use workers_agents::{Agent, Context, Task, When};
/// # async fn f<A: Agent>(ctx: &Context<A>, fire: Task<A, u32>) {
/// ctx.schedule(When::Delay(1000), fire, &"not a number").await;
/// # }
/// ```
pub struct Task<A, T> {
    name: &'static str,
    _types: PhantomData<fn(A, T)>,
}

impl<A, T> Task<A, T> {
    /// The handle of the task registered as `name` (code `#[task]`
    /// generates does this; by hand, the name is checked when scheduling).
    pub const fn named(name: &'static str) -> Self {
        Task { name, _types: PhantomData }
    }

    /// The task's name, as stored with its schedules.
    pub const fn name(&self) -> &'static str {
        self.name
    }
}

impl<A, T> Clone for Task<A, T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<A, T> Copy for Task<A, T> {}

impl<A, T> std::fmt::Debug for Task<A, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Task").field(&self.name).finish()
    }
}

/// What names a task when scheduling: a typed [`Task`] handle (its payload
/// type checked at compile time), or a `&str` (checked when scheduling,
/// against the registry's payload type).
pub trait TaskRef<A, T> {
    /// The task's name.
    fn task_name(&self) -> &str;
}

impl<A, T> TaskRef<A, T> for Task<A, T> {
    fn task_name(&self) -> &str {
        self.name
    }
}

impl<A, T> TaskRef<A, T> for &str {
    fn task_name(&self) -> &str {
        self
    }
}

impl<A, T> TaskRef<A, T> for &String {
    fn task_name(&self) -> &str {
        self
    }
}

type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + 'a>>;
type RunFn<A> = Box<dyn for<'a> Fn(&'a A, &'a Context<A>, &'a str) -> BoxFuture<'a, Result<(), String>>>;
type CheckFn = Box<dyn Fn(&str) -> Result<(), String>>;

struct Entry<A: Agent> {
    run: RunFn<A>,
    check: CheckFn,
}

/// The registry of an agent's task handlers, for `schedule` and `queue`.
///
/// A handler takes a typed payload; scheduling with a payload that does not
/// decode into that type is refused at once, with the reason.
pub struct Tasks<A: Agent> {
    tasks: HashMap<String, Entry<A>>,
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
        self.tasks.insert(name.to_owned(), Entry { run, check });
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
