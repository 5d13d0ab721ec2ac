//! `#[derive(Schema)]`: a type's JSON Schema, following its serde attributes.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{parse_quote, Data, DeriveInput, Fields, Type};

use crate::docs::doc;
use crate::names::rename_all;
use crate::schema_attrs::{Keywords, Serde};

pub(crate) fn derive(item: TokenStream) -> syn::Result<TokenStream> {
    let mut input: DeriveInput = syn::parse2(item)?;
    let serde = Serde::parse(&input.attrs)?;
    let title = input.ident.to_string();
    let doc = doc(&input.attrs);
    let body = match &input.data {
        Data::Struct(data) if serde.transparent => match data.fields.iter().find(|f| !skipped(f)) {
            Some(field) => nested(&field.ty),
            None => quote!(::workers_agents::__private::json!({ "type": "null" })),
        },
        Data::Struct(data) => {
            titled(fields_schema(&data.fields, serde.rename_all.as_deref(), Vec::new())?, &title, &doc)
        }
        Data::Enum(data) => titled(enum_schema(data, &serde)?, &title, &doc),
        Data::Union(_) => {
            return Err(syn::Error::new_spanned(&input.ident, "#[derive(Schema)] does not support unions"))
        }
    };
    for param in input.generics.type_params_mut() {
        param.bounds.push(parse_quote!(::workers_agents::Schema));
    }
    let ident = &input.ident;
    let (impl_generics, ty_generics, where_clause) = input.generics.split_for_impl();
    Ok(quote! {
        impl #impl_generics ::workers_agents::Schema for #ident #ty_generics #where_clause {
            fn schema() -> ::workers_agents::__private::Value {
                #body
            }
        }
    })
}

fn skipped(field: &syn::Field) -> bool {
    Serde::parse(&field.attrs).map(|s| s.skip).unwrap_or(false)
}

fn nested(ty: &Type) -> TokenStream {
    quote!(::workers_agents::nested_schema::<#ty>())
}

/// `schema` (an object schema expression) with a `title` and description.
fn titled(schema: TokenStream, title: &str, doc: &str) -> TokenStream {
    let doc = (!doc.is_empty()).then(|| quote! { __object.insert("description".into(), #doc.into()); });
    quote! {{
        let mut __schema = #schema;
        if let ::core::option::Option::Some(__object) = __schema.as_object_mut() {
            __object.insert("title".into(), #title.into());
            #doc
        }
        __schema
    }}
}

/// The schema of a struct's (or variant's) fields. `extra` are properties
/// that come first (an internal tag).
fn fields_schema(fields: &Fields, rule: Option<&str>, extra: Vec<(String, TokenStream)>) -> syn::Result<TokenStream> {
    match fields {
        Fields::Named(named) => {
            let mut properties = Vec::new();
            let mut extra_required = Vec::new();
            for (name, schema) in extra {
                properties.push(quote! { __properties.insert(#name.into(), #schema); });
                extra_required.push(quote! { __required.push(#name.into()); });
            }
            for field in &named.named {
                let serde = Serde::parse(&field.attrs)?;
                if serde.skip {
                    continue;
                }
                if serde.flatten {
                    return Err(syn::Error::new_spanned(field, "#[derive(Schema)] does not support #[serde(flatten)]"));
                }
                let ident = field.ident.as_ref().map(ToString::to_string).unwrap_or_default();
                let ident = ident.trim_start_matches("r#").to_owned();
                let name =
                    serde.rename.clone().or_else(|| rule.and_then(|rule| rename_all(rule, &ident))).unwrap_or(ident);
                let ty = &field.ty;
                let schema = Keywords::parse(&field.attrs)?.apply(nested(ty), &doc(&field.attrs));
                let may_be_missing = serde.default;
                properties.push(quote! {
                    __properties.insert(#name.into(), #schema);
                    if !(#may_be_missing || <#ty as ::workers_agents::Schema>::optional()) {
                        __required.push(#name.into());
                    }
                });
            }
            Ok(quote! {{
                let mut __properties = ::workers_agents::__private::Map::new();
                let mut __required: ::std::vec::Vec<::workers_agents::__private::Value> = ::std::vec::Vec::new();
                #(#extra_required)*
                #(#properties)*
                ::workers_agents::__private::json!({
                    "type": "object",
                    "properties": __properties,
                    "required": __required,
                })
            }})
        }
        Fields::Unnamed(unnamed) if unnamed.unnamed.len() == 1 => Ok(nested(&unnamed.unnamed[0].ty)),
        Fields::Unnamed(unnamed) => {
            let items = unnamed.unnamed.iter().map(|f| nested(&f.ty));
            let n = unnamed.unnamed.len();
            Ok(quote! {
                ::workers_agents::__private::json!({
                    "type": "array", "prefixItems": [#((#items)),*], "items": false, "minItems": #n, "maxItems": #n
                })
            })
        }
        Fields::Unit => Ok(quote!(::workers_agents::__private::json!({ "type": "null" }))),
    }
}

fn enum_schema(data: &syn::DataEnum, serde: &Serde) -> syn::Result<TokenStream> {
    let mut names = Vec::new();
    let mut variants = Vec::new();
    let all_unit = data.variants.iter().all(|v| matches!(v.fields, Fields::Unit));
    for variant in &data.variants {
        let attrs = Serde::parse(&variant.attrs)?;
        if attrs.skip {
            continue;
        }
        let ident = variant.ident.to_string();
        let name = attrs
            .rename
            .clone()
            .or_else(|| serde.rename_all.as_deref().and_then(|rule| rename_all(rule, &ident)))
            .unwrap_or(ident);
        let rule = attrs.rename_all.as_deref();
        let doc = doc(&variant.attrs);
        let described = |schema: TokenStream| -> TokenStream {
            if doc.is_empty() {
                return schema;
            }
            quote! {{
                let mut __schema = #schema;
                if let ::core::option::Option::Some(__object) = __schema.as_object_mut() {
                    __object.insert("description".into(), #doc.into());
                }
                __schema
            }}
        };
        let tag_const = quote!(::workers_agents::__private::json!({ "type": "string", "const": #name }));
        let schema = match (&serde.tag, &serde.content, serde.untagged) {
            (_, _, true) => fields_schema(&variant.fields, rule, Vec::new())?,
            (Some(tag), Some(content), _) => {
                let inner = match &variant.fields {
                    Fields::Unit => None,
                    fields => Some((content.clone(), fields_schema(fields, rule, Vec::new())?)),
                };
                let mut extra = vec![(tag.clone(), tag_const)];
                extra.extend(inner);
                fields_schema(&Fields::Named(parse_quote!({})), None, extra)?
            }
            (Some(tag), None, _) => match &variant.fields {
                Fields::Named(_) | Fields::Unit => {
                    let fields = if matches!(variant.fields, Fields::Unit) {
                        Fields::Named(parse_quote!({}))
                    } else {
                        variant.fields.clone()
                    };
                    fields_schema(&fields, rule, vec![(tag.clone(), tag_const)])?
                }
                fields => {
                    let inner = fields_schema(fields, rule, Vec::new())?;
                    let tagged = fields_schema(&Fields::Named(parse_quote!({})), None, vec![(tag.clone(), tag_const)])?;
                    quote!(::workers_agents::__private::json!({ "allOf": [(#tagged), (#inner)] }))
                }
            },
            (None, _, false) => match &variant.fields {
                Fields::Unit => quote!(::workers_agents::__private::json!({ "type": "string", "const": #name })),
                fields => {
                    let inner = fields_schema(fields, rule, Vec::new())?;
                    quote!(::workers_agents::__private::json!({
                        "type": "object", "properties": { #name: (#inner) }, "required": [#name],
                        "additionalProperties": false
                    }))
                }
            },
        };
        names.push(name);
        variants.push(described(schema));
    }
    if all_unit && serde.tag.is_none() && !serde.untagged {
        return Ok(quote!(::workers_agents::__private::json!({ "type": "string", "enum": [#(#names),*] })));
    }
    let combinator = if serde.untagged { "anyOf" } else { "oneOf" };
    Ok(quote!(::workers_agents::__private::json!({ #combinator: [#((#variants)),*] })))
}
