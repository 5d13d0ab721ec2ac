//! The typed stub: `CounterStub`, what `get_agent_by_name::<Counter>`
//! returns, with a method per (non-streaming) callable that calls it on the
//! instance with typed arguments and result.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::spanned::Spanned;

use super::callables::{is_streaming, wire_name};
use super::options::MethodKind;
use super::Marked;

pub(crate) fn stub_name(agent: &Ident) -> Ident {
    format_ident!("{}Stub", agent)
}

pub(crate) fn stub(agent: &Ident, callables: &[&Marked]) -> syn::Result<TokenStream> {
    let name = stub_name(agent);
    let methods = callables.iter().filter(|m| !is_streaming(m) && matches!(&m.kind, MethodKind::Callable(o) if o.stub));
    let methods = methods.map(|marked| {
        let method = &marked.method;
        let ident = &method.ident;
        let wire = wire_name(marked);
        let params = method.args.iter().map(|arg| {
            let (ident, ty) = (arg.ident.as_ref().unwrap_or(&arg.binding), &arg.ty);
            quote!(#ident: #ty)
        });
        let values = method.args.iter().map(|arg| arg.ident.as_ref().unwrap_or(&arg.binding));
        let checks = method.args.iter().map(|arg| {
            let ty = &arg.ty;
            quote_spanned!(ty.span()=> ::workers_agents::__private::stub_arg::<#ty>();)
        });
        let ok = &method.output.ok;
        let check_ok = quote_spanned!(ok.span()=> ::workers_agents::__private::stub_result::<#ok>(););
        let doc = format!("Calls `{wire}` on the instance (see [`{agent}::{ident}`]).");
        quote! {
            #[doc = #doc]
            #[allow(unreachable_pub, private_interfaces, clippy::unused_unit)]
            pub async fn #ident(&self, #(#params),*) -> ::workers_agents::Result<#ok> {
                #(#checks)*
                #check_ok
                self.0.call_with::<#ok, _>(#wire, &(#(#values,)*)).await
            }
        }
    });
    let doc = format!(
        "The typed stub of [`{agent}`]: what `get_agent_by_name::<{agent}>` returns, a method per callable \
         (and every [`AgentStub`](::workers_agents::AgentStub) method through `Deref`)."
    );
    Ok(quote! {
        #[doc = #doc]
        #[derive(Debug)]
        #[allow(unreachable_pub)]
        pub struct #name(::workers_agents::AgentStub);

        impl ::core::convert::From<::workers_agents::AgentStub> for #name {
            fn from(stub: ::workers_agents::AgentStub) -> Self {
                #name(stub)
            }
        }

        impl ::core::ops::Deref for #name {
            type Target = ::workers_agents::AgentStub;
            fn deref(&self) -> &::workers_agents::AgentStub {
                &self.0
            }
        }

        impl #name {
            #(#methods)*
        }
    })
}
