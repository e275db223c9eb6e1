//! followup: reminds departments of the promises in official reply letters until each is done.
//! See ARCHITECTURE.md for the map.
#![forbid(unsafe_code)]

pub mod calendar;
pub mod cli;
pub mod clock;
pub mod config;
pub mod credentials;
pub mod daemon;
pub mod edit;
pub mod engine;
pub mod export;
pub mod ics;
pub mod import;
pub mod inbox;
pub mod ledger;
pub mod logging;
pub mod mail;
pub mod manual;
pub mod metrics;
pub mod model;
pub mod replies;
pub mod report;
pub mod smtp;
pub mod spill;
pub mod timefmt;
pub mod transport;
pub mod views;
pub mod web;
