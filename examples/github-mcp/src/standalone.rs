//! The example as a worker by itself (feature `standalone`).

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match crate::serve(req, &env).await? {
        Ok(response) => Ok(response),
        Err(_) => Response::error("Not found", 404),
    }
}
