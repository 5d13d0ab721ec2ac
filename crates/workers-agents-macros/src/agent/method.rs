//! A marked method's signature, read and checked: receiver, context,
//! special parameters, arguments and result.

use proc_macro2::Ident;
use quote::format_ident;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, ImplItemFn, Pat, PathArguments, ReturnType, Type};

use crate::schema_attrs::Keywords;

/// One argument a caller passes.
pub(crate) struct Arg {
    /// The argument's name (its identifier, or `argN` for a pattern).
    pub(crate) name: String,
    /// The identifier the generated code binds it to.
    pub(crate) binding: Ident,
    /// The parameter's own identifier, when it is one (typed stubs use it).
    pub(crate) ident: Option<Ident>,
    pub(crate) ty: Type,
    pub(crate) keywords: Keywords,
}

/// What the method returns.
pub(crate) struct Output {
    /// The success type (`R` of `Result<R, E>`, or the whole type).
    pub(crate) ok: Type,
    /// Whether it is a `Result` (else it cannot fail).
    pub(crate) fallible: bool,
}

/// A marked method of an `#[agent]` block.
pub(crate) struct Method {
    pub(crate) ident: Ident,
    /// Whether it takes the agent's `&Context<Self>` (the first `&` parameter).
    pub(crate) takes_ctx: bool,
    /// Whether it takes a parameter of type `special` (`StreamingResponse`, `Peer`).
    pub(crate) takes_special: bool,
    pub(crate) args: Vec<Arg>,
    pub(crate) output: Output,
}

fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(path) if path.qself.is_none() => path.path.segments.last(),
        _ => None,
    }
}

fn is_named(ty: &Type, name: &str) -> bool {
    last_segment(ty).is_some_and(|s| s.ident == name)
}

impl Method {
    /// Reads `f`, marked `#[what]`; `special` is the type name of a
    /// parameter the framework passes after the context (if any).
    pub(crate) fn read(f: &mut ImplItemFn, what: &str, special: Option<&str>) -> syn::Result<Self> {
        let sig = &mut f.sig;
        if sig.asyncness.is_none() {
            return Err(syn::Error::new(
                sig.fn_token.span(),
                format!("#[{what}] methods must be `async fn`: the agent awaits them"),
            ));
        }
        if !sig.generics.params.is_empty() {
            return Err(syn::Error::new_spanned(&sig.generics, format!("#[{what}] methods cannot be generic")));
        }
        let mut inputs = sig.inputs.iter_mut();
        match inputs.next() {
            Some(FnArg::Receiver(receiver)) if receiver.reference.is_some() && receiver.mutability.is_none() => {}
            Some(FnArg::Receiver(receiver)) if receiver.mutability.is_some() => {
                return Err(syn::Error::new_spanned(
                    receiver,
                    format!(
                        "#[{what}] methods take `&self`, not `&mut self`: calls run concurrently on one agent \
                         (keep mutable fields in a `Cell` or `RefCell`)"
                    ),
                ))
            }
            Some(other) => {
                return Err(syn::Error::new_spanned(other, format!("#[{what}] methods take `&self` first")));
            }
            None => return Err(syn::Error::new(sig.ident.span(), format!("#[{what}] methods take `&self` first"))),
        }
        let mut takes_ctx = false;
        let mut takes_special = false;
        let mut args = Vec::new();
        for (position, input) in inputs.enumerate() {
            let FnArg::Typed(typed) = input else { unreachable!("a receiver comes first") };
            let keywords = Keywords::parse(&typed.attrs)?;
            typed.attrs.retain(|a| !a.path().is_ident("schema"));
            let ty = (*typed.ty).clone();
            if args.is_empty() && !takes_special && !takes_ctx && matches!(ty, Type::Reference(_)) {
                takes_ctx = true;
                continue;
            }
            if let Some(special) = special {
                if args.is_empty() && !takes_special && is_named(&ty, special) {
                    takes_special = true;
                    continue;
                }
            }
            if let Type::Reference(reference) = &ty {
                return Err(syn::Error::new_spanned(
                    reference,
                    "arguments are decoded from JSON into owned values: take `String`, `Vec<T>`, … instead of a \
                     reference (only the first parameter, the `&Context<Self>`, is one)",
                ));
            }
            let binding = format_ident!("__arg_{}", position);
            let (name, ident) = match &*typed.pat {
                Pat::Ident(pat) => {
                    let name = pat.ident.to_string();
                    (name.trim_start_matches("r#").trim_start_matches('_').to_owned(), Some(pat.ident.clone()))
                }
                _ => (format!("arg{position}"), None),
            };
            args.push(Arg { name, binding, ident, ty, keywords });
        }
        let output = match &sig.output {
            ReturnType::Default => Output { ok: syn::parse_quote!(()), fallible: false },
            ReturnType::Type(_, ty) => match last_segment(ty) {
                Some(segment) if segment.ident == "Result" => {
                    let ok = match &segment.arguments {
                        PathArguments::AngleBracketed(generic) => generic.args.iter().find_map(|a| match a {
                            GenericArgument::Type(t) => Some(t.clone()),
                            _ => None,
                        }),
                        _ => None,
                    };
                    let ok = ok.ok_or_else(|| syn::Error::new_spanned(ty, "expected `Result<T, E>`"))?;
                    Output { ok, fallible: true }
                }
                _ => Output { ok: (**ty).clone(), fallible: false },
            },
        };
        Ok(Method { ident: sig.ident.clone(), takes_ctx, takes_special, args, output })
    }

    /// The call of the method from generated code, awaited and as a `Result`.
    pub(crate) fn call(&self, agent: &Ident, ctx: &Ident, special: Option<&Ident>) -> proc_macro2::TokenStream {
        let ident = &self.ident;
        let ctx = self.takes_ctx.then_some(ctx).into_iter();
        let special = if self.takes_special { special } else { None }.into_iter();
        let args = self.args.iter().map(|a| &a.binding);
        let call = quote::quote!(#agent.#ident(#(#ctx,)* #(#special,)* #(#args),*).await);
        if self.output.fallible {
            call
        } else {
            quote::quote!(::core::result::Result::<_, ::core::convert::Infallible>::Ok(#call))
        }
    }
}
