//! Panics in user code become errors for the caller instead of hanging it.
//!
//! The worker is built with `panic=unwind` (`worker-build --panic-unwind`),
//! so a panic inside a hook or callable unwinds to here, the caller gets an
//! error, and the agent keeps its state and serves the next request.

use std::any::Any;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Once;

use futures_util::FutureExt;

/// Logs every panic as one line (`panicked at file:line: message`); the
/// framework then reports it to the caller. Installed once per isolate.
pub(crate) fn install_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let location = info.location().map(|l| format!("{}:{}", l.file(), l.line())).unwrap_or_default();
            worker::console_error!("panicked at {location}: {}", panic_message(info.payload()));
        }));
    });
}

/// Runs `future`, turning a panic inside it into `Err(message)`.
pub(crate) async fn catch_panic<F: Future>(future: F) -> Result<F::Output, String> {
    AssertUnwindSafe(future).catch_unwind().await.map_err(|payload| panic_message(payload.as_ref()))
}

/// Runs `f`, turning a panic inside it into `Err(message)`.
pub(crate) fn catch_panic_sync<T>(f: impl FnOnce() -> T) -> Result<T, String> {
    std::panic::catch_unwind(AssertUnwindSafe(f)).map_err(|payload| panic_message(payload.as_ref()))
}

fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(text) = payload.downcast_ref::<&str>() {
        (*text).to_owned()
    } else if let Some(text) = payload.downcast_ref::<String>() {
        text.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reports_panic_messages() {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        assert_eq!(catch_panic_sync(|| panic!("boom {}", 1)), Err::<(), _>("boom 1".to_owned()));
        assert_eq!(
            catch_panic_sync(|| std::panic::panic_any(7u8)),
            Err::<(), _>("panic with a non-string payload".to_owned())
        );
        std::panic::set_hook(hook);
        assert_eq!(catch_panic_sync(|| 5), Ok(5));
    }

    #[test]
    fn catches_panics_in_futures() {
        let hook = std::panic::take_hook();
        std::panic::set_hook(Box::new(|_| {}));
        let result = futures_util::FutureExt::now_or_never(catch_panic(async { panic!("in future") }));
        std::panic::set_hook(hook);
        assert_eq!(result, Some(Err::<(), _>("in future".to_owned())));
    }
}
