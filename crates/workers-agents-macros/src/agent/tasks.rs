//! `#[task]` methods: `register_tasks`, and a typed handle per task
//! (`Self::FIRE` for `fire`) that `Context::schedule` and `queue` take.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::options::MethodKind;
use super::{bindings, Marked};
use crate::names::{camel_case, constant};

/// `(register_tasks, the handle constants)`.
pub(crate) fn register(tasks: &[&Marked]) -> syn::Result<(TokenStream, TokenStream)> {
    if tasks.is_empty() {
        return Ok((TokenStream::new(), TokenStream::new()));
    }
    let (agent, ctx, _) = bindings();
    let mut calls = Vec::new();
    let mut handles = Vec::new();
    let mut checks = Vec::new();
    for marked in tasks {
        let MethodKind::Task(options) = &marked.kind else { unreachable!("tasks only") };
        let method = &marked.method;
        if method.args.len() > 1 {
            return Err(syn::Error::new(
                method.args[1].ty.span(),
                "a task takes one payload argument (after `&self` and the context): put the values in a struct",
            ));
        }
        let name = options.name.clone().unwrap_or_else(|| camel_case(&method.ident.to_string()));
        let payload = match method.args.first() {
            Some(arg) => arg.ty.clone(),
            None => syn::parse_quote!(()),
        };
        checks.push(quote_spanned!(payload.span()=> ::workers_agents::__private::task_payload::<#payload>();));
        let binding = method.args.first().map(|a| a.binding.clone()).unwrap_or_else(|| format_ident!("__unit"));
        let call = method.call(&agent, &ctx, None);
        calls.push(quote! {
            .task(#name, async |#agent: &Self, #ctx: &::workers_agents::Context<Self>, #binding: #payload| {
                let _ = &#binding;
                #call
            })
        });
        let handle = format_ident!("{}", constant(&method.ident.to_string()), span = method.ident.span());
        let doc =
            format!("The task `{name}` (`Self::{}`), for `Context::schedule` and `Context::queue`.", method.ident);
        handles.push(quote! {
            #[doc = #doc]
            #[allow(unreachable_pub)]
            pub const #handle: ::workers_agents::Task<Self, #payload> = ::workers_agents::Task::named(#name);
        });
    }
    let register = quote! {
        /// Adds the block's `#[task]` methods to `tasks` (what `Agent::tasks`
        /// returns, unless the block defines it).
        #[allow(unreachable_pub)]
        pub fn register_tasks(tasks: ::workers_agents::Tasks<Self>) -> ::workers_agents::Tasks<Self> {
            #(#checks)*
            tasks #(#calls)*
        }
    };
    Ok((register, quote!(#(#handles)*)))
}
