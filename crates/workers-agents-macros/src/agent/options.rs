//! The options of `#[agent(...)]` and of the method attributes.

use proc_macro2::{Ident, TokenStream};
use quote::quote;
use syn::meta::ParseNestedMeta;
use syn::{Attribute, LitBool, LitStr};

/// `#[agent(class = Name, stub = false, export = false, mcp(name = "..", version = ".."))]`.
pub(crate) struct AgentOptions {
    /// The Durable Object class name (default: the type's).
    pub(crate) class: Option<Ident>,
    /// Whether to generate the typed stub (default true).
    pub(crate) stub: bool,
    /// Whether to export the agent (`export_agent!`; default true).
    pub(crate) export: bool,
    mcp_name: Option<String>,
    mcp_version: Option<String>,
    /// The block's doc comment.
    pub(crate) doc: String,
}

fn text(meta: &ParseNestedMeta<'_>) -> syn::Result<String> {
    Ok(meta.value()?.parse::<LitStr>()?.value())
}

fn flag(meta: &ParseNestedMeta<'_>) -> syn::Result<bool> {
    if meta.input.peek(syn::Token![=]) {
        Ok(meta.value()?.parse::<LitBool>()?.value)
    } else {
        Ok(true)
    }
}

impl AgentOptions {
    pub(crate) fn parse(attr: TokenStream) -> syn::Result<Self> {
        let mut options = AgentOptions {
            class: None,
            stub: true,
            export: true,
            mcp_name: None,
            mcp_version: None,
            doc: String::new(),
        };
        let parser = syn::meta::parser(|meta| {
            if meta.path.is_ident("class") {
                options.class = Some(meta.value()?.parse()?);
            } else if meta.path.is_ident("stub") {
                options.stub = flag(&meta)?;
            } else if meta.path.is_ident("export") {
                options.export = flag(&meta)?;
            } else if meta.path.is_ident("mcp") {
                meta.parse_nested_meta(|inner| {
                    if inner.path.is_ident("name") {
                        options.mcp_name = Some(text(&inner)?);
                    } else if inner.path.is_ident("version") {
                        options.mcp_version = Some(text(&inner)?);
                    } else {
                        return Err(inner.error("expected `name` or `version`"));
                    }
                    Ok(())
                })?;
            } else {
                return Err(meta.error("expected `class`, `stub`, `export` or `mcp(name = .., version = ..)`"));
            }
            Ok(())
        });
        syn::parse::Parser::parse2(parser, attr)?;
        Ok(options)
    }

    /// The `McpServer::new(..)` expression: the given name (default the
    /// type's) and version (default the crate's).
    pub(crate) fn mcp_server(&self, agent: &Ident) -> TokenStream {
        let name = self.mcp_name.clone().unwrap_or_else(|| agent.to_string());
        let version = match &self.mcp_version {
            Some(version) => quote!(#version),
            None => quote!(::core::env!("CARGO_PKG_VERSION")),
        };
        quote!(::workers_agents::mcp::McpServer::new(#name, #version))
    }
}

/// `#[callable(name = "..", streaming, stub = false)]`.
#[derive(Default)]
pub(crate) struct CallableOptions {
    pub(crate) name: Option<String>,
    pub(crate) streaming: bool,
    pub(crate) stub: bool,
}

/// `#[task(name = "..")]`.
#[derive(Default)]
pub(crate) struct TaskOptions {
    pub(crate) name: Option<String>,
}

/// `#[tool(name, description, title, read_only, requires)]`, `#[prompt(name, description, title)]`, and
/// `#[resource(uri | template, name, description, mime_type, title)]`.
#[derive(Default)]
pub(crate) struct McpOptions {
    pub(crate) name: Option<String>,
    pub(crate) description: Option<String>,
    pub(crate) title: Option<String>,
    pub(crate) uri: Option<String>,
    pub(crate) template: Option<String>,
    pub(crate) mime_type: Option<String>,
    /// A tool's `readOnlyHint` annotation: it changes nothing.
    pub(crate) read_only: bool,
    /// The permissions a tool's caller needs (`requires = "admin"`, repeatable).
    pub(crate) requires: Vec<String>,
}

/// What a marked method is.
pub(crate) enum MethodKind {
    Callable(CallableOptions),
    Task(TaskOptions),
    Tool(McpOptions),
    Resource(McpOptions),
    Prompt(McpOptions),
}

const ATTRIBUTES: &[&str] = &["callable", "task", "tool", "resource", "prompt"];

impl MethodKind {
    /// Removes the method attribute from `attrs` and reads it.
    pub(crate) fn take(attrs: &mut Vec<Attribute>) -> syn::Result<Option<Self>> {
        let is_ours = |a: &Attribute| a.path().segments.last().is_some_and(|s| ATTRIBUTES.iter().any(|n| s.ident == n));
        let ours: Vec<Attribute> = attrs.iter().filter(|a| is_ours(a)).cloned().collect();
        attrs.retain(|a| !is_ours(a));
        let mut ours = ours.into_iter();
        let Some(attr) = ours.next() else { return Ok(None) };
        if let Some(second) = ours.next() {
            return Err(syn::Error::new_spanned(second, "a method is one of callable, task, tool, resource or prompt"));
        }
        let name = attr.path().segments.last().map(|s| s.ident.to_string()).unwrap_or_default();
        let has_args = !matches!(attr.meta, syn::Meta::Path(_));
        let kind = match name.as_str() {
            "callable" => {
                let mut options = CallableOptions { stub: true, ..CallableOptions::default() };
                if has_args {
                    attr.parse_nested_meta(|meta| {
                        if meta.path.is_ident("name") {
                            options.name = Some(text(&meta)?);
                        } else if meta.path.is_ident("streaming") {
                            options.streaming = flag(&meta)?;
                        } else if meta.path.is_ident("stub") {
                            options.stub = flag(&meta)?;
                        } else {
                            return Err(meta.error("expected `name = \"..\"`, `streaming` or `stub = false`"));
                        }
                        Ok(())
                    })?;
                }
                MethodKind::Callable(options)
            }
            "task" => {
                let mut options = TaskOptions::default();
                if has_args {
                    attr.parse_nested_meta(|meta| {
                        if meta.path.is_ident("name") {
                            options.name = Some(text(&meta)?);
                            Ok(())
                        } else {
                            Err(meta.error("expected `name = \"..\"`"))
                        }
                    })?;
                }
                MethodKind::Task(options)
            }
            kind => {
                let resource = kind == "resource";
                let mut options = McpOptions::default();
                if has_args {
                    attr.parse_nested_meta(|meta| {
                        let key = meta.path.get_ident().map(ToString::to_string).unwrap_or_default();
                        if key == "read_only" && kind == "tool" {
                            options.read_only = flag(&meta)?;
                            return Ok(());
                        }
                        if key == "requires" && kind == "tool" {
                            options.requires.push(text(&meta)?);
                            return Ok(());
                        }
                        let slot = match key.as_str() {
                            "name" => &mut options.name,
                            "description" => &mut options.description,
                            "title" => &mut options.title,
                            "uri" if resource => &mut options.uri,
                            "template" if resource => &mut options.template,
                            "mime_type" if resource => &mut options.mime_type,
                            _ if resource => {
                                return Err(meta.error(
                                    "expected `uri`, `template`, `name`, `description`, `mime_type` or `title`",
                                ))
                            }
                            _ if kind == "tool" => {
                                return Err(
                                    meta.error("expected `name`, `description`, `title`, `read_only` or `requires`")
                                )
                            }
                            _ => return Err(meta.error("expected `name`, `description` or `title`")),
                        };
                        *slot = Some(text(&meta)?);
                        Ok(())
                    })?;
                }
                if resource && options.uri.is_some() == options.template.is_some() {
                    return Err(syn::Error::new_spanned(
                        &attr,
                        "#[resource] needs either `uri = \"..\"` (one resource) or `template = \"..\"` (a URI template)",
                    ));
                }
                match kind {
                    "tool" => MethodKind::Tool(options),
                    "resource" => MethodKind::Resource(options),
                    _ => MethodKind::Prompt(options),
                }
            }
        };
        Ok(Some(kind))
    }

    /// The attribute's name, for messages.
    pub(crate) fn attribute(&self) -> &'static str {
        match self {
            MethodKind::Callable(_) => "callable",
            MethodKind::Task(_) => "task",
            MethodKind::Tool(_) => "tool",
            MethodKind::Resource(_) => "resource",
            MethodKind::Prompt(_) => "prompt",
        }
    }

    /// The type of the parameter the framework passes after the context.
    pub(crate) fn special(&self) -> Option<&'static str> {
        match self {
            MethodKind::Callable(options) if options.streaming => Some("StreamingResponse"),
            MethodKind::Tool(_) => Some("Peer"),
            MethodKind::Resource(_) => Some("ResourceRequest"),
            _ => None,
        }
    }

    pub(crate) fn is_callable(&self) -> bool {
        matches!(self, MethodKind::Callable(_))
    }

    pub(crate) fn is_mcp(&self) -> bool {
        matches!(self, MethodKind::Tool(_) | MethodKind::Resource(_) | MethodKind::Prompt(_))
    }
}
