//! Client-callable methods: the registry, and the typed decoding of a call's
//! arguments (pure).

pub(crate) mod args;
pub(crate) mod callables;
