//! Moving large JavaScript strings into Rust.
//!
//! wasm-bindgen copies a JS string into wasm memory with a JavaScript loop
//! over its characters; for a frame or a stored state of a megabyte that
//! loop is most of the cost of receiving it. The runtime's `TextEncoder`
//! encodes natively, and the bytes are then copied in one block.

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{JsString, Uint8Array};
use worker::worker_sys::web_sys;

/// Below this many UTF-16 units, wasm-bindgen's own copy is as fast.
const NATIVE_ENCODE_FROM: u32 = 4096;

#[wasm_bindgen]
extern "C" {
    type TextEncoder;

    #[wasm_bindgen(constructor)]
    fn new() -> TextEncoder;

    #[wasm_bindgen(method)]
    fn encode(this: &TextEncoder, text: &JsString) -> Uint8Array;

    /// A WebSocket, seen only for `send` with a value the runtime already
    /// holds (a JS string made once for many sockets).
    type Socket;

    #[wasm_bindgen(method, catch)]
    fn send(this: &Socket, data: &JsValue) -> Result<(), JsValue>;
}

/// Sends a text frame held as a JS string.
pub(crate) fn send_js_text(ws: &worker::WebSocket, text: &JsValue) -> crate::Result<()> {
    let raw: &web_sys::WebSocket = ws.as_ref();
    raw.unchecked_ref::<Socket>().send(text).map_err(|e| crate::Error::from(worker::Error::from(e)))
}

thread_local! {
    static ENCODER: TextEncoder = TextEncoder::new();
}

/// The text of a JS string value, or `None` when `value` is not a string.
/// Lone surrogates become U+FFFD, as with wasm-bindgen's conversion.
pub(crate) fn string_from_js(value: &JsValue) -> Option<String> {
    value.dyn_ref().map(text_of)
}

/// The text of a JS string, moved into Rust natively when it is long.
pub(crate) fn text_of(text: &JsString) -> String {
    if text.length() < NATIVE_ENCODE_FROM {
        return String::from(text);
    }
    let bytes = ENCODER.with(|encoder| encoder.encode(text)).to_vec();
    // TextEncoder always produces UTF-8; the fallback is never taken.
    String::from_utf8(bytes).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A request's body as text, moved into Rust like [`string_from_js`].
pub(crate) async fn request_text(req: &worker::Request) -> worker::Result<String> {
    let value = worker::wasm_bindgen_futures::JsFuture::from(req.inner().text()?).await?;
    string_from_js(&value).ok_or_else(|| worker::Error::RustError("request body is not text".into()))
}
