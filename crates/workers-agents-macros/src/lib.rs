//! The macros of `workers-agents`; use them through that crate
//! (`workers_agents::agent`, `workers_agents::Schema`), which documents them.

mod agent;
mod docs;
mod names;
mod schema;
mod schema_attrs;

use proc_macro::TokenStream;

/// Declares an agent's callable methods, tasks and MCP tools on its
/// `impl Agent` block; see `workers_agents::agent`.
#[proc_macro_attribute]
pub fn agent(attr: TokenStream, item: TokenStream) -> TokenStream {
    agent::expand(attr.into(), item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}

/// Derives `workers_agents::Schema`; see there.
#[proc_macro_derive(Schema, attributes(schema, serde))]
pub fn derive_schema(item: TokenStream) -> TokenStream {
    schema::derive(item.into()).unwrap_or_else(syn::Error::into_compile_error).into()
}

fn outside_agent(name: &str, item: TokenStream) -> TokenStream {
    let item = proc_macro2::TokenStream::from(item);
    let message =
        format!("#[{name}] marks a method of an `#[agent] impl Agent for …` block: add `#[agent]` to the block");
    let error = syn::Error::new(proc_macro2::Span::call_site(), message).into_compile_error();
    quote::quote!(#error #item).into()
}

/// A client-callable method; only valid inside an `#[agent]` block.
#[proc_macro_attribute]
pub fn callable(_attr: TokenStream, item: TokenStream) -> TokenStream {
    outside_agent("callable", item)
}

/// A schedule/queue task; only valid inside an `#[agent]` block.
#[proc_macro_attribute]
pub fn task(_attr: TokenStream, item: TokenStream) -> TokenStream {
    outside_agent("task", item)
}

/// An MCP tool; only valid inside an `#[agent]` block.
#[proc_macro_attribute]
pub fn tool(_attr: TokenStream, item: TokenStream) -> TokenStream {
    outside_agent("tool", item)
}

/// An MCP resource; only valid inside an `#[agent]` block.
#[proc_macro_attribute]
pub fn resource(_attr: TokenStream, item: TokenStream) -> TokenStream {
    outside_agent("resource", item)
}

/// An MCP prompt; only valid inside an `#[agent]` block.
#[proc_macro_attribute]
pub fn prompt(_attr: TokenStream, item: TokenStream) -> TokenStream {
    outside_agent("prompt", item)
}
