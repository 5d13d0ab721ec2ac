//! `#[callable]` methods: `register_callables`, which adds them to the
//! agent's `Callables` by their wire names.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::spanned::Spanned;

use super::method::Method;
use super::options::MethodKind;
use super::{bindings, Marked};
use crate::names::camel_case;

/// Most arguments a callable takes (`RpcArgs` is implemented up to eight).
const MAX_ARGS: usize = 8;

/// The wire name of a callable.
pub(crate) fn wire_name(marked: &Marked) -> String {
    match &marked.kind {
        MethodKind::Callable(options) => {
            options.name.clone().unwrap_or_else(|| camel_case(&marked.method.ident.to_string()))
        }
        _ => unreachable!("only callables have wire names"),
    }
}

pub(crate) fn is_streaming(marked: &Marked) -> bool {
    matches!(&marked.kind, MethodKind::Callable(options) if options.streaming)
}

/// `(a, b): (A, B)`, the closure parameter that receives the decoded arguments.
pub(crate) fn args_pattern(method: &Method) -> TokenStream {
    let bindings = method.args.iter().map(|a| &a.binding);
    let types = method.args.iter().map(|a| &a.ty);
    quote!((#(#bindings,)*): (#(#types,)*))
}

pub(crate) fn register(callables: &[&Marked]) -> syn::Result<TokenStream> {
    if callables.is_empty() {
        return Ok(TokenStream::new());
    }
    let (agent, ctx, stream) = bindings();
    let mut checks = Vec::new();
    let mut calls = Vec::new();
    for marked in callables {
        let method = &marked.method;
        if method.args.len() > MAX_ARGS {
            return Err(syn::Error::new(
                method.args[MAX_ARGS].ty.span(),
                format!("callable methods take at most {MAX_ARGS} arguments; pass a struct instead"),
            ));
        }
        for arg in &method.args {
            let ty = &arg.ty;
            checks.push(quote_spanned!(ty.span()=> ::workers_agents::__private::callable_arg::<#ty>();));
        }
        let ok = &method.output.ok;
        checks.push(quote_spanned!(ok.span()=> ::workers_agents::__private::callable_result::<#ok>();));
        let name = wire_name(marked);
        let pattern = args_pattern(method);
        let call = method.call(&agent, &ctx, Some(&stream));
        calls.push(if is_streaming(marked) {
            quote! {
                .streaming(#name, async |#agent: &Self, #ctx: &::workers_agents::Context<Self>,
                        #stream: ::workers_agents::StreamingResponse, #pattern| #call)
            }
        } else {
            quote! {
                .method(#name, async |#agent: &Self, #ctx: &::workers_agents::Context<Self>, #pattern| #call)
            }
        });
    }
    Ok(quote! {
        /// Adds the block's `#[callable]` methods to `callables` (what
        /// `Agent::callables` returns, unless the block defines it).
        #[allow(unreachable_pub, clippy::unused_unit)]
        pub fn register_callables(callables: ::workers_agents::Callables<Self>) -> ::workers_agents::Callables<Self> {
            #(#checks)*
            callables #(#calls)*
        }
    })
}
