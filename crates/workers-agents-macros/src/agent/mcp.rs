//! `#[tool]`, `#[resource]` and `#[prompt]` methods: `register_mcp`, which
//! adds them to an `McpServer`. A tool's or prompt's arguments are its
//! parameters, by name; a tool's input schema is made from their types.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::method::Method;
use super::options::{McpOptions, MethodKind};
use super::{bindings, Marked};

/// The struct the arguments object decodes into (`#[serde(rename)]`d fields
/// named like the parameters), and the statement that takes it apart.
fn args_struct(method: &Method, name: &Ident) -> (TokenStream, TokenStream) {
    let fields = method.args.iter().enumerate().map(|(i, arg)| {
        let field = format_ident!("__f{}", i);
        let (json, ty) = (&arg.name, &arg.ty);
        quote!(#[serde(rename = #json)] #field: #ty)
    });
    let definition = quote! {
        #[derive(::workers_agents::__private::serde::Deserialize)]
        #[serde(crate = "::workers_agents::__private::serde")]
        #[allow(non_camel_case_types)]
        struct #name { #(#fields,)* }
    };
    let parts = method.args.iter().enumerate().map(|(i, arg)| {
        let field = format_ident!("__f{}", i);
        let binding = &arg.binding;
        quote!(#field: #binding)
    });
    (definition, quote!(let #name { #(#parts,)* } = __args;))
}

/// The input schema: an object with a property per parameter.
fn input_schema(method: &Method) -> TokenStream {
    let properties = method.args.iter().map(|arg| {
        let (json, ty) = (&arg.name, &arg.ty);
        let schema = arg.keywords.apply(quote!(::workers_agents::nested_schema::<#ty>()), "");
        quote! {
            __properties.insert(#json.into(), #schema);
            if !<#ty as ::workers_agents::Schema>::optional() {
                __required.push(#json.into());
            }
        }
    });
    quote! {{
        let mut __properties = ::workers_agents::__private::Map::new();
        let mut __required: ::std::vec::Vec<::workers_agents::__private::Value> = ::std::vec::Vec::new();
        #(#properties)*
        ::workers_agents::__private::json!({
            "type": "object", "properties": __properties, "required": __required, "additionalProperties": false
        })
    }}
}

fn description(options: &McpOptions, doc: &str) -> String {
    options.description.clone().unwrap_or_else(|| doc.to_owned())
}

fn title(options: &McpOptions) -> Option<TokenStream> {
    options.title.as_ref().map(|title| quote!(.title(#title)))
}

pub(crate) fn register(items: &[&Marked]) -> syn::Result<TokenStream> {
    if items.is_empty() {
        return Ok(TokenStream::new());
    }
    let (agent, ctx, special) = bindings();
    let mut definitions = Vec::new();
    let mut checks = Vec::new();
    let mut calls = Vec::new();
    for (index, marked) in items.iter().enumerate() {
        let method = &marked.method;
        let call = method.call(&agent, &ctx, Some(&special));
        let fn_name = method.ident.to_string();
        match &marked.kind {
            MethodKind::Tool(options) => {
                let name = options.name.clone().unwrap_or(fn_name);
                let description = description(options, &marked.doc);
                let title = title(options);
                let read_only = options
                    .read_only
                    .then(|| quote!(.annotations(::workers_agents::__private::json!({ "readOnlyHint": true }))));
                let requires = options.requires.iter().map(|p| quote!(.requires(#p)));
                let args = format_ident!("__ToolArgs{}", index);
                let (definition, destructure) = args_struct(method, &args);
                definitions.push(definition);
                for arg in &method.args {
                    let ty = &arg.ty;
                    checks.push(quote_spanned!(ty.span()=> ::workers_agents::__private::tool_arg::<#ty>();));
                }
                let schema = input_schema(method);
                calls.push(quote! {
                    .tool_with_peer(
                        ::workers_agents::mcp::Tool::new(#name, #description).input_schema(#schema) #title #read_only #(#requires)*,
                        async |#agent: &Self, #ctx: &::workers_agents::Context<Self>,
                               #special: ::workers_agents::mcp::Peer, __args: #args| {
                            let _ = &#special;
                            #destructure
                            #call
                        },
                    )
                });
            }
            MethodKind::Prompt(options) => {
                let name = options.name.clone().unwrap_or(fn_name);
                let description = description(options, &marked.doc);
                let title = title(options);
                let args = format_ident!("__PromptArgs{}", index);
                let (definition, destructure) = args_struct(method, &args);
                definitions.push(definition);
                let arguments = method.args.iter().map(|arg| {
                    let (json, ty) = (&arg.name, &arg.ty);
                    let doc = arg.keywords.description.clone().unwrap_or_default();
                    quote!(.argument(#json, #doc, !<#ty as ::workers_agents::Schema>::optional()))
                });
                calls.push(quote! {
                    .prompt(
                        ::workers_agents::mcp::Prompt::new(#name, #description) #(#arguments)* #title,
                        async |#agent: &Self, #ctx: &::workers_agents::Context<Self>, __args: #args| {
                            #destructure
                            #call
                        },
                    )
                });
            }
            MethodKind::Resource(options) => {
                let name = options.name.clone().unwrap_or(fn_name);
                let resource = match (&options.uri, &options.template) {
                    (Some(uri), _) => quote!(::workers_agents::mcp::Resource::new(#name, #uri)),
                    (_, Some(template)) => quote!(::workers_agents::mcp::Resource::template(#name, #template)),
                    _ => unreachable!("checked when read"),
                };
                let description = description(options, &marked.doc);
                let description = (!description.is_empty()).then(|| quote!(.description(#description)));
                let mime_type = options.mime_type.as_ref().map(|m| quote!(.mime_type(#m)));
                let title = title(options);
                if options.uri.is_some() && !method.args.is_empty() {
                    return Err(syn::Error::new(
                        method.args[0].ty.span(),
                        "a fixed resource takes no arguments; a `template = \"..\"` resource takes its variables",
                    ));
                }
                let variables = method.args.iter().map(|arg| {
                    let (json, binding) = (&arg.name, &arg.binding);
                    quote!(let #binding = #special.params.get(#json).cloned().unwrap_or_default();)
                });
                calls.push(quote! {
                    .resource(
                        #resource #description #mime_type #title,
                        async |#agent: &Self, #ctx: &::workers_agents::Context<Self>,
                               #special: ::workers_agents::mcp::ResourceRequest| {
                            #(#variables)*
                            #call
                        },
                    )
                });
            }
            _ => unreachable!("MCP items only"),
        }
    }
    Ok(quote! {
        /// Adds the block's `#[tool]`, `#[resource]` and `#[prompt]` methods
        /// to `server` (what `Agent::mcp_server` returns, unless the block
        /// defines it).
        #[allow(unreachable_pub)]
        pub fn register_mcp(
            server: ::workers_agents::mcp::McpServer<Self>,
        ) -> ::workers_agents::mcp::McpServer<Self> {
            #(#definitions)*
            #(#checks)*
            server #(#calls)*
        }
    })
}
