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
        $crate::export_agent!($agent as $class, stub = $crate::AgentStub);
    };
    ($agent:ident as $class:ident, stub = $stub:ty) => {
        $crate::export_agent!(@trait $agent as $class, stub = $stub);
        $crate::export_agent!(@class super::$agent as $class);
    };
    // The trait half alone: for an agent defined in a library whose class
    // the worker crate exports (`@class`), as `oauth::export_store!` does.
    (@trait $agent:ident as $class:ident, stub = $stub:ty) => {
        impl $crate::__private::Exported for $agent {
            const CLASS_NAME: &'static str = ::core::stringify!($class);
            type Stub = $stub;
        }
    };
    // The class half: `$agent` is a path from inside a module of the
    // caller's (`super::Counter`, or an absolute path).
    (@class $agent:path as $class:ident) => {
        const _: () = {
            // A module inside an anonymous const: `super` is the caller's
            // module, and the class may share the agent type's name.
            #[allow(unreachable_pub, missing_docs)]
            mod __workers_agents_export {
                // The code wasm-bindgen derives for the class names
                // `wasm_bindgen`: the crate it is, so that the agent's crate
                // needs no dependency of its own on wasm-bindgen.
                #[allow(unused_imports)]
                use ::worker::wasm_bindgen;

                // Only the constructor and `fetch` come from `#[durable_object]`;
                // the other runtime events are exported below, so that a frame
                // reaches the host as the runtime's own value (large strings
                // are then moved into Rust natively, not by a JS loop).
                #[::worker::durable_object(fetch)]
                pub struct $class {
                    host: $crate::__private::Host<$agent>,
                }

                impl ::worker::DurableObject for $class {
                    fn new(state: ::worker::State, env: ::worker::Env) -> Self {
                        Self { host: $crate::__private::Host::new(state, env) }
                    }

                    async fn fetch(&self, req: ::worker::Request) -> ::worker::Result<::worker::Response> {
                        self.host.fetch(req).await
                    }
                }

                const _: () = {
                    use ::std::panic::AssertUnwindSafe;
                    use ::std::result::Result;
                    use ::worker::wasm_bindgen::prelude::*;
                    use ::worker::wasm_bindgen::JsValue;
                    use ::worker::worker_sys::web_sys;
                    // Named by the async exports under panic=unwind.
                    #[allow(unused_imports)]
                    use ::worker::js_sys;

                    #[wasm_bindgen(wasm_bindgen = ::worker::wasm_bindgen, wasm_bindgen_futures = ::worker::wasm_bindgen_futures)]
                    impl $class {
                        #[wasm_bindgen(js_name = alarm)]
                        pub async fn alarm(&self) -> Result<JsValue, JsValue> {
                            AssertUnwindSafe(async move {
                                self.host
                                    .alarm()
                                    .await
                                    .map(|r| JsValue::from(web_sys::Response::from(r)))
                                    .map_err(JsValue::from)
                            })
                            .await
                        }

                        // Synchronous: the host answers a frame at once, or with a
                        // promise when its handling has to wait.
                        #[wasm_bindgen(js_name = webSocketMessage)]
                        pub fn websocket_message(
                            &self,
                            ws: web_sys::WebSocket,
                            message: JsValue,
                        ) -> Result<JsValue, JsValue> {
                            self.host.websocket_message_js(ws.into(), message)
                        }

                        #[wasm_bindgen(js_name = webSocketClose)]
                        pub async fn websocket_close(
                            &self,
                            ws: web_sys::WebSocket,
                            code: usize,
                            reason: ::std::string::String,
                            was_clean: bool,
                        ) -> Result<JsValue, JsValue> {
                            AssertUnwindSafe(async move {
                                self.host
                                    .websocket_close(ws.into(), code, reason, was_clean)
                                    .await
                                    .map(|()| JsValue::NULL)
                                    .map_err(JsValue::from)
                            })
                            .await
                        }

                        #[wasm_bindgen(js_name = webSocketError)]
                        pub async fn websocket_error(
                            &self,
                            ws: web_sys::WebSocket,
                            error: JsValue,
                        ) -> Result<JsValue, JsValue> {
                            AssertUnwindSafe(async move {
                                self.host
                                    .websocket_error(ws.into(), ::worker::Error::from(error))
                                    .await
                                    .map(|()| JsValue::NULL)
                                    .map_err(JsValue::from)
                            })
                            .await
                        }
                    }
                };
            }
        };
    };
}
