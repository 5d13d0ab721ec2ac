//! `#[agent]` on an `impl Agent for X` block: the marked methods move to an
//! inherent impl, and the block gains `callables`, `tasks` and
//! `mcp_server`; the agent is exported with its typed stub and description.

mod callables;
mod describe;
mod mcp;
mod method;
mod options;
mod stub;
mod tasks;

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use syn::{ImplItem, ImplItemFn, ItemImpl, Type};

use self::method::Method;
use self::options::{AgentOptions, MethodKind};

/// A marked method: what it is, its options, its signature.
pub(crate) struct Marked {
    pub(crate) kind: MethodKind,
    pub(crate) method: Method,
    /// Its doc comment.
    pub(crate) doc: String,
}

pub(crate) fn expand(attr: TokenStream, item: TokenStream) -> syn::Result<TokenStream> {
    let mut options = AgentOptions::parse(attr)?;
    let mut block: ItemImpl = syn::parse2(item)?;
    options.doc = crate::docs::doc(&block.attrs);
    let agent = agent_ident(&block)?;
    let mut moved: Vec<ImplItemFn> = Vec::new();
    let mut marked: Vec<Marked> = Vec::new();
    let mut kept: Vec<ImplItem> = Vec::new();
    let mut errors: Option<syn::Error> = None;
    let mut push_error = |e: syn::Error| match &mut errors {
        Some(all) => all.combine(e),
        None => errors = Some(e),
    };
    for item in std::mem::take(&mut block.items) {
        let ImplItem::Fn(mut f) = item else {
            kept.push(item);
            continue;
        };
        match MethodKind::take(&mut f.attrs) {
            Ok(None) => kept.push(ImplItem::Fn(f)),
            Ok(Some(kind)) => {
                let doc = crate::docs::doc(&f.attrs);
                match Method::read(&mut f, kind.attribute(), kind.special()) {
                    Ok(method) => marked.push(Marked { kind, method, doc }),
                    Err(e) => push_error(e),
                }
                moved.push(f);
            }
            Err(e) => push_error(e),
        }
    }
    let defined = |name: &str| kept.iter().any(|i| matches!(i, ImplItem::Fn(f) if f.sig.ident == name));
    let generated = Generated::new(&agent, &marked, &options)?;
    if let Some(errors) = errors {
        return Err(errors);
    }
    let mut trait_items: Vec<TokenStream> = Vec::new();
    if !defined("callables") && generated.has_callables {
        trait_items.push(quote! {
            fn callables() -> ::workers_agents::Callables<Self> {
                Self::register_callables(::workers_agents::Callables::new())
            }
        });
    }
    if !defined("tasks") && generated.has_tasks {
        trait_items.push(quote! {
            fn tasks() -> ::workers_agents::Tasks<Self> {
                Self::register_tasks(::workers_agents::Tasks::new())
            }
        });
    }
    if !defined("mcp_server") && generated.has_mcp {
        let server = options.mcp_server(&agent);
        trait_items.push(quote! {
            fn mcp_server() -> ::core::option::Option<::workers_agents::mcp::McpServer<Self>> {
                ::core::option::Option::Some(Self::register_mcp(#server))
            }
        });
    }
    for item in trait_items {
        block.items.push(ImplItem::Verbatim(item));
    }
    block.items.splice(0..0, kept);
    let Generated { inherent, stub, describe, .. } = generated;
    let class = options.class.clone().unwrap_or_else(|| agent.clone());
    let stub_type = match &stub {
        Some(_) => {
            let name = stub::stub_name(&agent);
            quote!(#name)
        }
        None => quote!(::workers_agents::AgentStub),
    };
    let export =
        options.export.then(|| quote! { ::workers_agents::export_agent!(#agent as #class, stub = #stub_type); });
    Ok(quote! {
        #block

        #[allow(clippy::needless_lifetimes)]
        impl #agent {
            #(#moved)*
            #inherent
        }

        #stub
        #describe
        #export
    })
}

/// The agent type of `impl Agent for X`.
fn agent_ident(block: &ItemImpl) -> syn::Result<Ident> {
    let is_agent =
        block.trait_.as_ref().is_some_and(|(_, path, _)| path.segments.last().is_some_and(|s| s.ident == "Agent"));
    if !is_agent {
        return Err(syn::Error::new_spanned(
            &block.self_ty,
            "#[agent] goes on the agent's `impl Agent for X` block (its callable methods, tasks and tools go inside it)",
        ));
    }
    if !block.generics.params.is_empty() {
        return Err(syn::Error::new_spanned(&block.generics, "#[agent] agents cannot be generic"));
    }
    match &*block.self_ty {
        Type::Path(path) if path.qself.is_none() && path.path.get_ident().is_some() => {
            Ok(path.path.get_ident().cloned().expect("checked"))
        }
        other => Err(syn::Error::new_spanned(
            other,
            "#[agent] needs the agent's type by its name (`impl Agent for Counter`)",
        )),
    }
}

/// What the marked methods generate.
struct Generated {
    has_callables: bool,
    has_tasks: bool,
    has_mcp: bool,
    /// Items of the inherent impl: `register_*` and the task handles.
    inherent: TokenStream,
    stub: Option<TokenStream>,
    describe: TokenStream,
}

impl Generated {
    fn new(agent: &Ident, marked: &[Marked], options: &AgentOptions) -> syn::Result<Self> {
        let callables: Vec<&Marked> = marked.iter().filter(|m| m.kind.is_callable()).collect();
        let tasks: Vec<&Marked> = marked.iter().filter(|m| matches!(m.kind, MethodKind::Task(_))).collect();
        let mcp: Vec<&Marked> = marked.iter().filter(|m| m.kind.is_mcp()).collect();
        let register_callables = callables::register(&callables)?;
        let (register_tasks, handles) = tasks::register(&tasks)?;
        let register_mcp = mcp::register(&mcp)?;
        let stub = options.stub.then(|| stub::stub(agent, &callables)).transpose()?;
        let describe = describe::describe(agent, &callables, &options.doc);
        Ok(Generated {
            has_callables: !callables.is_empty(),
            has_tasks: !tasks.is_empty(),
            has_mcp: !mcp.is_empty(),
            inherent: quote! { #register_callables #register_tasks #register_mcp #handles },
            stub,
            describe,
        })
    }
}

/// `__agent`, `__ctx` and a third binding for generated closures.
pub(crate) fn bindings() -> (Ident, Ident, Ident) {
    (format_ident!("__agent"), format_ident!("__ctx"), format_ident!("__special"))
}
