//! `export_agent!`: the one line that turns an [`Agent`](crate::Agent) into a
//! Durable Object class the runtime can instantiate.

/// Exports an agent as a Durable Object class.
///
/// `export_agent!(Counter)` exports class `Counter` (wrangler.toml
/// `class_name = "Counter"`, URL segment `counter`);
/// `export_agent!(Counter as CounterAgent)` picks another class name.
/// Without it, `impl Agent for Counter` does not compile:
///
/// ```compile_fail,E0277
/// use workers_agents::Agent;
///
/// pub struct Forgotten;
///
/// impl Agent for Forgotten {
///     type State = ();
///     fn new(_env: &worker::Env) -> Self { Forgotten }
///     fn initial_state(&self) {}
/// }
/// // no `export_agent!(Forgotten);` → error: `Forgotten` is not exported as an agent
/// ```
///
/// With it, the same code compiles:
///
/// ```no_run
/// use workers_agents::{export_agent, Agent};
///
/// pub struct Exported;
///
/// impl Agent for Exported {
///     type State = ();
///     fn new(_env: &worker::Env) -> Self { Exported }
///     fn initial_state(&self) {}
/// }
///
/// export_agent!(Exported);
/// # fn main() {}
/// ```
#[macro_export]
macro_rules! export_agent {
    ($agent:ident) => {
        $crate::export_agent!($agent as $agent);
    };
    ($agent:ident as $class:ident) => {
        impl $crate::__private::Exported for $agent {
            const CLASS_NAME: &'static str = ::core::stringify!($class);
        }

        const _: () = {
            // A module inside an anonymous const: `super` is the caller's
            // module, and the class may share the agent type's name.
            #[allow(unreachable_pub, missing_docs)]
            mod __workers_agents_export {
                #[::worker::durable_object]
                pub struct $class {
                    host: $crate::Host<super::$agent>,
                }

                impl ::worker::DurableObject for $class {
                    fn new(state: ::worker::State, env: ::worker::Env) -> Self {
                        Self { host: $crate::Host::new(state, env) }
                    }

                    async fn fetch(&self, req: ::worker::Request) -> ::worker::Result<::worker::Response> {
                        self.host.fetch(req).await
                    }

                    async fn alarm(&self) -> ::worker::Result<::worker::Response> {
                        self.host.alarm().await
                    }

                    async fn websocket_message(
                        &self,
                        ws: ::worker::WebSocket,
                        message: ::worker::WebSocketIncomingMessage,
                    ) -> ::worker::Result<()> {
                        self.host.websocket_message(ws, message).await
                    }

                    async fn websocket_close(
                        &self,
                        ws: ::worker::WebSocket,
                        code: usize,
                        reason: ::std::string::String,
                        was_clean: bool,
                    ) -> ::worker::Result<()> {
                        self.host.websocket_close(ws, code, reason, was_clean).await
                    }

                    async fn websocket_error(
                        &self,
                        ws: ::worker::WebSocket,
                        error: ::worker::Error,
                    ) -> ::worker::Result<()> {
                        self.host.websocket_error(ws, error).await
                    }
                }
            }
        };
    };
}
