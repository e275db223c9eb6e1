//! The one integration-test binary: runs the real `followup` binary and the library's pure
//! parts against real files, real SMTP servers and real SQLite.

mod check_corpus;
mod cli;
mod daemon;
mod dovecot;
mod edit;
mod engine;
mod hostile;
mod imap_intake;
mod import_letters;
mod mail;
mod notify;
mod properties;
mod replies;
mod replies_imap;
mod report;
mod smtp_client;
mod smtp_server;
mod support;
mod web;
