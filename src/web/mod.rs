//! The board: an HTTP face in the daemon (`[web] listen`), axum on the daemon's runtime.
//! Pages are rendered on the server with minijinja from the same view models as `list`
//! (`views`); no script. Reads the configuration the daemon publishes after each reload;
//! acts (done, reopen) only through `edit` — the same writer as `followup done` — with a
//! CSRF token, and records who did it (`audit`). Heavy work (a page of 10,000
//! commitments, argon2, SQLite) runs on blocking threads, so the engine loop never waits on
//! it; connections are capped, idle reads time out, bodies are small, requests are bounded.

pub mod auth;
pub mod board;

mod audit;
mod extra;
mod i18n;
mod listener;
mod pages;

pub use i18n::Lang;
pub use pages::{anonymous_base, board_html, templates};

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderValue, header};
use axum::routing::{get, post};
use tokio::sync::{Semaphore, watch};

use crate::model::{Config, Web};

/// Request bodies (forms) larger than this are refused.
const MAX_BODY: usize = 16 * 1024;
/// A request that takes longer than this is answered 503.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Connections served at once; further ones wait in the listen queue.
const MAX_CONNECTIONS: usize = 64;
/// A connection that sends nothing for this long is closed (slow or idle clients).
const IDLE_READ: Duration = Duration::from_secs(30);
/// argon2 verifications at once (each takes tens of milliseconds and 19 MiB).
const MAX_LOGINS: usize = 2;

/// What every handler shares.
pub struct Shared {
    /// The configuration the daemon published last (or the board reloaded after acting).
    pub config: Arc<watch::Sender<Arc<Config>>>,
    pub auth: auth::Auth,
    pub public: bool,
    pub templates: minijinja::Environment<'static>,
    pub logins: Semaphore,
    /// Behind the departments' feed tokens (`state_dir/board-secret`).
    pub secret: String,
    /// What `/metrics` shows (the daemon's snapshot).
    pub metrics: Option<crate::metrics::Shared>,
}

/// A running board.
pub struct Server {
    pub address: SocketAddr,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Waits (at most `grace`) for the server to finish after the stop signal.
    pub async fn stopped(self, grace: Duration) {
        let abort = self.task.abort_handle();
        if tokio::time::timeout(grace, self.task).await.is_err() {
            abort.abort();
        }
    }
}

/// Binds `[web] listen` and serves until `stop` turns true. Binding fails loudly (the
/// daemon does not start with a board it cannot serve).
pub async fn start(
    web: &Web,
    config: Arc<watch::Sender<Arc<Config>>>,
    metrics: Option<crate::metrics::Shared>,
    mut stop: watch::Receiver<bool>,
) -> Result<Server> {
    let tcp = tokio::net::TcpListener::bind(web.listen)
        .await
        .with_context(|| format!("listening on `{}` for the board ([web] listen)", web.listen))?;
    let address = tcp.local_addr().context("reading the board's address")?;
    let secret = extra::feed_secret(&config.borrow().state_dir)?;
    let shared = Arc::new(Shared {
        secret,
        metrics,
        config,
        auth: auth::Auth::new(web),
        public: web.public,
        templates: pages::templates()?,
        logins: Semaphore::new(MAX_LOGINS),
    });
    let app = router(shared);
    let listener = listener::Limited::new(tcp, MAX_CONNECTIONS, IDLE_READ);
    let task = tokio::spawn(async move {
        let shutdown = async move {
            while !*stop.borrow() {
                if stop.changed().await.is_err() {
                    break;
                }
            }
        };
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<listener::Peer>(),
        )
        .with_graceful_shutdown(shutdown)
        .await;
        if let Err(error) = served {
            tracing::error!("the board stopped: {error}");
        }
    });
    tracing::info!(%address, "board listening");
    Ok(Server { address, task })
}

fn router(shared: Arc<Shared>) -> Router {
    Router::new()
        .route("/", get(pages::board))
        .route("/c/{id}", get(pages::commitment))
        .route("/c/{id}/done", post(pages::done))
        .route("/c/{id}/reopen", post(pages::reopen))
        .route("/d/{key}", get(pages::department))
        .route("/login", get(pages::login_form).post(pages::login))
        .route("/logout", post(pages::logout))
        .route("/static/board.css", get(stylesheet))
        .route("/export.xlsx", get(extra::xlsx))
        .route("/ics/{key}/{file}", get(extra::feed))
        .route("/metrics", get(extra::metrics))
        .fallback(pages::not_found)
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .layer(axum::middleware::from_fn(bounded))
        .layer(axum::middleware::from_fn(security_headers))
        .with_state(shared)
}

async fn stylesheet() -> impl axum::response::IntoResponse {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        include_str!("static/board.css"),
    )
}

/// Every request is bounded in time.
async fn bounded(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(request)).await {
        Ok(response) => response,
        Err(_) => (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            "the request took too long\n",
        )
            .into_response(),
    }
}

/// The same headers on every answer: no inline script or style, no framing, no sniffing,
/// no referrer (feed URLs carry a token).
async fn security_headers(
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> axum::response::Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers
        .entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    response
}
