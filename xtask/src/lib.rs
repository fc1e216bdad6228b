//! whichpy's commands. `main.rs` parses flags and dispatches; one module per command.
// The commands print their data (tables, exports, plans) on stdout; logs go to stderr.
#![allow(clippy::print_stdout)]

pub mod analyse;
pub mod backend;
pub mod bench;
pub mod catalogue;
pub mod check;
pub mod clean;
pub mod compare;
pub mod docker;
pub mod doctor;
pub mod duration;
pub mod export;
pub mod floor;
pub mod floor_search;
pub mod images;
pub mod lock;
pub mod machine;
pub mod merge;
pub mod output;
pub mod planner;
pub mod profile;
pub mod project;
pub mod publish;
pub mod render;
pub mod runfile;
pub mod scaling;
pub mod schedule;
pub mod site;
pub mod suite;
