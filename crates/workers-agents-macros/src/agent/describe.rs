//! `Describe`: the agent's state and callables as JSON Schemas, from which
//! the TypeScript declarations are written. Types without a `Schema` are
//! described as any value.

use proc_macro2::{Ident, TokenStream};
use quote::quote;

use super::callables::{is_streaming, wire_name};
use super::Marked;

fn probe(ty: &syn::Type) -> TokenStream {
    quote!((&::workers_agents::__schema_probe::Probe::<#ty>(::core::marker::PhantomData)).describe())
}

pub(crate) fn describe(agent: &Ident, callables: &[&Marked], doc: &str) -> TokenStream {
    let methods = callables.iter().map(|marked| {
        let method = &marked.method;
        let name = wire_name(marked);
        let method_doc = &marked.doc;
        let params = method.args.iter().map(|arg| {
            let name = arg.ident.as_ref().map(|i| i.to_string()).unwrap_or_else(|| arg.name.clone());
            let probe = probe(&arg.ty);
            quote! {{
                let (schema, optional) = #probe;
                ::workers_agents::ParamDescription { name: #name, schema, optional }
            }}
        });
        let result = probe(&method.output.ok);
        let streaming = is_streaming(marked);
        quote! {
            ::workers_agents::MethodDescription {
                name: #name,
                doc: ::std::string::String::from(#method_doc),
                params: ::std::vec![#(#params),*],
                result: #result.0,
                streaming: #streaming,
            }
        }
    });
    let state = probe(&syn::parse_quote!(<Self as ::workers_agents::Agent>::State));
    quote! {
        impl ::workers_agents::Describe for #agent {
            fn describe() -> ::workers_agents::AgentDescription {
                #[allow(unused_imports)]
                use ::workers_agents::__schema_probe::{Described as _, Undescribed as _};
                ::workers_agents::AgentDescription {
                    class: <Self as ::workers_agents::__private::Exported>::CLASS_NAME,
                    doc: ::std::string::String::from(#doc),
                    state: #state.0,
                    methods: ::std::vec![#(#methods),*],
                }
            }
        }
    }
}
