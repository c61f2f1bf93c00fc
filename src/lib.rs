//! kbsite: a static site generator for knowledge bases.
//!
//! Data flows one way: [`content`] (load) → [`markdown`] (parse) → [`links`]
//! (link) → [`render`] → [`output`] (write). [`build`] runs the pipeline.

pub mod build;
pub mod config;
pub mod content;
pub mod diagnostics;
pub mod docfx;
#[doc(hidden)]
pub mod fuzz;
pub mod links;
pub mod markdown;
pub mod output;
pub mod pack;
pub mod paths;
pub mod pipeline;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod tree;

pub use build::{build, Build, BuildOptions};
pub mod search;
