//! `#[schema(...)]` (JSON Schema keywords on a field or argument) and the
//! serde attributes a schema has to follow.

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Attribute, Expr, LitStr};

/// JSON Schema keywords given with `#[schema(...)]`.
#[derive(Default)]
pub(crate) struct Keywords {
    pub(crate) description: Option<String>,
    /// `(keyword, value)`: `minimum`, `maximum`, `minLength`, … with the
    /// Rust expression of their value.
    pub(crate) values: Vec<(String, Expr)>,
}

const KEYWORDS: &[(&str, &str)] = &[
    ("minimum", "minimum"),
    ("maximum", "maximum"),
    ("exclusive_minimum", "exclusiveMinimum"),
    ("exclusive_maximum", "exclusiveMaximum"),
    ("min_length", "minLength"),
    ("max_length", "maxLength"),
    ("min_items", "minItems"),
    ("max_items", "maxItems"),
    ("pattern", "pattern"),
    ("format", "format"),
    ("default", "default"),
];

impl Keywords {
    /// Reads every `#[schema(...)]` in `attrs`.
    pub(crate) fn parse(attrs: &[Attribute]) -> syn::Result<Self> {
        let mut keywords = Keywords::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("schema")) {
            attr.parse_nested_meta(|meta| {
                if meta.path.is_ident("description") {
                    keywords.description = Some(meta.value()?.parse::<LitStr>()?.value());
                    return Ok(());
                }
                let Some((_, keyword)) = KEYWORDS.iter().find(|(name, _)| meta.path.is_ident(name)) else {
                    let known: Vec<&str> = KEYWORDS.iter().map(|(name, _)| *name).collect();
                    return Err(meta.error(format!(
                        "unknown schema keyword; expected `description` or one of: {}",
                        known.join(", ")
                    )));
                };
                keywords.values.push(((*keyword).to_owned(), meta.value()?.parse()?));
                Ok(())
            })?;
        }
        Ok(keywords)
    }

    /// An expression: the schema `base` (a `serde_json::Value` expression)
    /// with these keywords, and `doc` as its description unless one was given.
    pub(crate) fn apply(&self, base: TokenStream, doc: &str) -> TokenStream {
        let description = self.description.clone().unwrap_or_else(|| doc.to_owned());
        // A named type (one with a `title`) keeps its own description: a
        // field's doc would otherwise become the type's wherever it appears.
        let description = (!description.is_empty()).then(|| {
            quote! {
                if !__object.contains_key("title") {
                    __object.insert("description".into(), ::workers_agents::__private::json!(#description));
                }
            }
        });
        let values = self.values.iter().map(|(keyword, value)| {
            quote! { __object.insert(#keyword.into(), ::workers_agents::__private::json!(#value)); }
        });
        if description.is_none() && self.values.is_empty() {
            return base;
        }
        quote! {{
            let mut __schema = #base;
            if let ::core::option::Option::Some(__object) = __schema.as_object_mut() {
                #description
                #(#values)*
            }
            __schema
        }}
    }
}

/// The serde attributes that change a type's JSON form.
#[derive(Default)]
pub(crate) struct Serde {
    pub(crate) rename: Option<String>,
    pub(crate) rename_all: Option<String>,
    pub(crate) default: bool,
    pub(crate) skip: bool,
    pub(crate) skip_serializing_if: bool,
    pub(crate) flatten: bool,
    pub(crate) tag: Option<String>,
    pub(crate) content: Option<String>,
    pub(crate) untagged: bool,
    pub(crate) transparent: bool,
}

impl Serde {
    pub(crate) fn parse(attrs: &[Attribute]) -> syn::Result<Self> {
        let mut serde = Serde::default();
        for attr in attrs.iter().filter(|a| a.path().is_ident("serde")) {
            attr.parse_nested_meta(|meta| {
                let name = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
                let text = |meta: &syn::meta::ParseNestedMeta<'_>| -> syn::Result<String> {
                    Ok(meta.value()?.parse::<LitStr>()?.value())
                };
                match name.as_str() {
                    "rename" => {
                        if meta.input.peek(syn::Token![=]) {
                            serde.rename = Some(text(&meta)?);
                        } else {
                            meta.parse_nested_meta(|inner| {
                                if inner.path.is_ident("serialize") {
                                    serde.rename = Some(inner.value()?.parse::<LitStr>()?.value());
                                } else {
                                    let _: LitStr = inner.value()?.parse()?;
                                }
                                Ok(())
                            })?;
                        }
                    }
                    "rename_all" => {
                        if meta.input.peek(syn::Token![=]) {
                            serde.rename_all = Some(text(&meta)?);
                        } else {
                            meta.parse_nested_meta(|inner| {
                                if inner.path.is_ident("serialize") {
                                    serde.rename_all = Some(inner.value()?.parse::<LitStr>()?.value());
                                } else {
                                    let _: LitStr = inner.value()?.parse()?;
                                }
                                Ok(())
                            })?;
                        }
                    }
                    "default" => {
                        serde.default = true;
                        skip_value(&meta)?;
                    }
                    "skip" | "skip_serializing" | "skip_deserializing" => serde.skip = true,
                    "skip_serializing_if" => {
                        serde.skip_serializing_if = true;
                        skip_value(&meta)?;
                    }
                    "flatten" => serde.flatten = true,
                    "tag" => serde.tag = Some(text(&meta)?),
                    "content" => serde.content = Some(text(&meta)?),
                    "untagged" => serde.untagged = true,
                    "transparent" => serde.transparent = true,
                    _ => skip_value(&meta)?,
                }
                Ok(())
            })?;
        }
        Ok(serde)
    }
}

/// Consumes `= value` or `(...)` after a serde attribute this crate ignores.
fn skip_value(meta: &syn::meta::ParseNestedMeta<'_>) -> syn::Result<()> {
    if meta.input.peek(syn::Token![=]) {
        let _: Expr = meta.value()?.parse()?;
    } else if meta.input.peek(syn::token::Paren) {
        meta.parse_nested_meta(|inner| skip_value(&inner))?;
    }
    Ok(())
}
