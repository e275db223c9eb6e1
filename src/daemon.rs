//! The daemon loop: ask the engine what is due, record it in the delivery log, send it with
//! bounded concurrency, record the answers, then sleep until the next moment (at most a
//! minute, to notice wall-clock jumps and suspend). Reloads on SIGHUP or a changed file,
//! stops on SIGTERM/SIGINT, and talks to systemd. The only place that sleeps.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use tokio::sync::{mpsc, watch};

use crate::config::{self, Invalid};
use crate::engine::{self, Due, Engine, Reminder, Why};
use crate::ledger::{Email, HELD_PREFIX, Ledger, Mark, Pending, Writer};
use crate::mail::{self, Templates};
use crate::model::{Config, Status, Transport as Kind};
use crate::spill::Keep;
use crate::transport::{Failure, Sent, Transport};
use crate::{clock, export, metrics, report, timefmt};

/// The longest sleep: the daemon wakes at least this often to notice clock jumps and suspend.
const MAX_SLEEP: Duration = Duration::from_secs(60);
/// Retries wait 30 s, 60 s, 2 min … up to an hour.
const FIRST_RETRY: i64 = 30;
const LAST_RETRY: i64 = 3_600;
/// How long in-flight sends may take to finish after SIGTERM; then they are abandoned
/// (left pending, outcome unknown) so that the daemon exits well within systemd's
/// TimeoutStopSec whatever the server does.
const STOP_GRACE: Duration = Duration::from_secs(3);
/// How often a pass waiting on sends pings the watchdog when systemd set none.
const PING_WITHOUT_WATCHDOG: Duration = Duration::from_secs(3_600);
/// How long the board may take to finish its answers after a stop.
const BOARD_GRACE: Duration = Duration::from_secs(1);
/// Several file events in a burst (an editor's save) make one reload.
const SETTLE: Duration = Duration::from_millis(200);

/// Runs `followup run [--once]`.
pub fn run(config_path: &Path, once: bool) -> Result<ExitCode> {
    // Two workers: the loop's task and the sends it starts (and their composition) run side
    // by side, so a log write (an fsync) never holds up a connection. The loop is a task on
    // a worker rather than this thread's `block_on`: an idle timer's wakeup lands on the
    // worker that waits on the I/O driver and runs the loop right there (one thread wakeup
    // per idle cycle, not two). Other long-lived tasks belong beside it (`tokio::spawn`).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let config_path = config_path.to_path_buf();
    runtime.block_on(async move {
        tokio::spawn(serve_or_once(config_path, once))
            .await
            .context("the daemon's task panicked")?
    })
}

/// Loads the configuration and runs one pass (`once`) or the loop until a stop signal.
async fn serve_or_once(config_path: PathBuf, once: bool) -> Result<ExitCode> {
    // The letters' and commitments' prose waits in a spill file until an email or a page
    // needs it (`spill`).
    let loaded = match config::load_keeping(&config_path, &mut Keep::spill(None)) {
        Ok(loaded) => loaded,
        Err(invalid) => {
            report_invalid(&invalid);
            tracing::error!("not starting: the configuration is invalid");
            return Ok(ExitCode::from(1));
        }
    };
    for warning in &loaded.warnings {
        tracing::warn!("{warning}");
    }
    // Listen before start-up, so a SIGTERM while the log opens still stops it cleanly.
    let signals = if once { None } else { Some(Signals::listen()?) };
    let mut daemon = Daemon::start(config_path, loaded.config)?;
    let Some(signals) = signals else {
        let outcome = daemon.pass(clock::now(), true, &never_stop()).await?;
        daemon.transport.close().await;
        return Ok(if outcome.undelivered() == 0 {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        });
    };
    daemon.serve(signals).await?;
    Ok(ExitCode::SUCCESS)
}

/// The STATUS addition for a refused reload: the first error and how many there are.
fn refused_status(invalid: &Invalid) -> String {
    let errors: Vec<_> = invalid
        .problems
        .iter()
        .filter(|problem| problem.severity == config::Severity::Error)
        .collect();
    let first = errors
        .first()
        .map_or_else(String::new, |problem| problem.to_string());
    let more = match errors.len() {
        0 | 1 => String::new(),
        count => format!(" (and {} more)", count - 1),
    };
    format!("reload refused, running on the last good configuration: {first}{more}")
}

fn report_invalid(invalid: &Invalid) {
    for problem in &invalid.problems {
        match problem.severity {
            config::Severity::Error => tracing::error!("{problem}"),
            config::Severity::Warning => tracing::warn!("{problem}"),
        }
    }
}

/// A stop signal that never fires, for `run --once` (no signal handling there). With its
/// sender gone the channel keeps reading its last value, `false`.
fn never_stop() -> watch::Receiver<bool> {
    watch::channel(false).1
}

/// Where bulletin moments count from, per the log: the later of when `[report]` was first
/// seen and the latest bulletin recorded; `None` without `[report]` or before it was seen.
fn report_after(config: &Config, log: &engine::LogView) -> Option<DateTime<Utc>> {
    config.report.as_ref()?;
    log.seen.get(report::LEDGER_ID).map(|seen| {
        seen.last_moment
            .map_or(seen.first_seen, |last| last.max(seen.first_seen))
    })
}

struct Daemon {
    config_path: PathBuf,
    config: Arc<Config>,
    engine: Engine,
    ledger: Ledger,
    /// Records send results off the loop's thread, in group commits.
    writer: Writer,
    transport: Arc<Transport>,
    templates: Arc<Templates>,
    notifier: Notifier,
    /// Set when the engine handed out reminders that could not be recorded; the next pass
    /// rebuilds it from the log so they are not lost.
    engine_ahead_of_log: bool,
    /// The admin was told (or the attempt logged) that the server refuses the credentials;
    /// cleared by the next accepted email.
    credentials_alerted: bool,
    /// Why the last reload was refused, shown in the STATUS line until a reload succeeds.
    reload_error: Option<String>,
    /// The configuration as the board sees it: replaced at every applied reload.
    published: Arc<watch::Sender<Arc<Config>>>,
    /// The latest bulletin moment recorded (or when `[report]` was first seen): the next
    /// bulletin is the latest `report.remind` firing after it. `None` without `[report]`.
    report_after: Option<DateTime<Utc>>,
    /// What `/metrics` shows, updated after every pass.
    pub metrics: metrics::Shared,
    /// IMAP intake (`[inbox]`), restarted on every reload so it reads the new settings and
    /// password; tells the loop (a pass follows) when it recorded replies.
    intake: Intake,
}

/// The IMAP intake task and what it needs to be restarted.
#[derive(Default)]
struct Intake {
    task: Option<tokio::task::JoinHandle<()>>,
    stop: Option<watch::Receiver<bool>>,
    handled: Option<mpsc::UnboundedSender<usize>>,
}

impl Intake {
    /// (Re)starts the task for `config.inbox`, or only stops it when there is none.
    fn restart(&mut self, config: &Arc<Config>) {
        if let Some(task) = self.task.take() {
            // Safe at any point: a message is flagged only after it is recorded, and the
            // position only after it is flagged (see `inbox`).
            task.abort();
        }
        let (Some(inbox), Some(stop), Some(handled)) = (
            config.inbox.clone(),
            self.stop.clone(),
            self.handled.clone(),
        ) else {
            return;
        };
        let ledger = match Ledger::open_shared(&config.state_dir) {
            Ok(ledger) => ledger,
            Err(error) => {
                tracing::error!("not reading replies: {error:#}");
                return;
            }
        };
        let for_handler = config.clone();
        let handler: crate::inbox::Handler =
            Box::new(move |ledger, raw, at| record_reply(&for_handler, ledger, raw, at));
        self.task = Some(tokio::spawn(crate::inbox::run(
            inbox,
            ledger,
            handler,
            stop,
            move |count| {
                let _ = handled.send(count);
            },
        )));
    }
}

/// Hands one fetched reply to the replies core; logs what became of it. An error (the log
/// cannot record it now) leaves the message in the mailbox for the next cycle.
fn record_reply(
    config: &Config,
    ledger: &mut Ledger,
    raw: &[u8],
    at: &crate::inbox::MessageAt,
) -> Result<()> {
    let origin = crate::replies::Origin::Imap {
        mailbox: at.mailbox.clone(),
        uidvalidity: at.uidvalidity,
        uid: at.uid,
    };
    let accepted = crate::replies::accept(config, ledger, raw, &origin, clock::now())?;
    tracing::info!(
        mailbox = at.mailbox,
        uid = at.uid,
        "reply: {}",
        accepted.describe()
    );
    Ok(())
}

/// What one pass did.
#[derive(Debug, Default)]
struct Outcome {
    sent: usize,
    /// Attempted and not delivered (retried later, or failed for good).
    failed: usize,
    /// Not attempted: the server was unreachable, or a stop came first.
    deferred: usize,
}

impl Outcome {
    fn undelivered(&self) -> usize {
        self.failed + self.deferred
    }
}

/// What a send task hands back.
enum Attempt {
    Sent(Result<Sent, Failure>),
    NotComposed(String),
}

/// The retry delay after `attempt` attempts: 30 s, 1 min, 2 min … at most an hour.
fn backoff(attempt: u32) -> chrono::Duration {
    chrono::Duration::seconds((FIRST_RETRY << (attempt.max(1) - 1).min(10)).min(LAST_RETRY))
}

impl Daemon {
    fn start(config_path: PathBuf, config: Config) -> Result<Daemon> {
        let mut ledger = Ledger::open(&config.state_dir)?;
        let config = Arc::new(config);
        // The credentials were just read: emails held for refused ones may go at once.
        ledger.release_held(clock::now())?;
        let log = ledger.log_view()?;
        let writer = ledger.writer()?;
        let engine = Engine::new(config.clone(), &log);
        let transport = Arc::new(Transport::from_config(&config)?);
        let templates = Arc::new(Templates::load(config.templates.as_deref())?);
        let report_after = report_after(&config, &log);
        tracing::info!(
            config = %config_path.display(),
            state_dir = %config.state_dir.display(),
            commitments = config.commitments.len(),
            "started"
        );
        Ok(Daemon {
            config_path,
            config: config.clone(),
            engine,
            ledger,
            writer,
            transport,
            templates,
            notifier: Notifier::from_environment(),
            engine_ahead_of_log: false,
            credentials_alerted: false,
            reload_error: None,
            intake: Intake::default(),
            published: Arc::new(watch::channel(config).0),
            report_after,
            metrics: metrics::shared(),
        })
    }

    async fn serve(&mut self, signals: Signals) -> Result<()> {
        let Signals {
            mut hangup,
            mut terminate,
            mut interrupt,
        } = signals;
        // SIGTERM/SIGINT are heard even in the middle of a pass: no new send starts after
        // them, in-flight sends finish (bounded), then the loop ends.
        let (stop_sender, stop) = watch::channel(false);
        let mut stopped = stop.clone();
        tokio::spawn(async move {
            tokio::select! {
                _ = terminate.recv() => {}
                _ = interrupt.recv() => {}
            }
            tracing::info!("stop requested: no new sends; waiting for the ones in flight");
            Notifier::stopping_now();
            let _ = stop_sender.send(true);
        });
        // The board, when configured, on this runtime; it stops with the same signal.
        let board = match &self.config.web {
            Some(web) => Some(
                crate::web::start(
                    web,
                    self.published.clone(),
                    Some(self.metrics.clone()),
                    stop.clone(),
                )
                .await?,
            ),
            None => None,
        };
        let (change_sender, mut changes) = mpsc::unbounded_channel::<()>();
        let mut watcher = watch_files(&self.config, change_sender.clone());
        let (handled_sender, mut handled) = mpsc::unbounded_channel::<usize>();
        self.intake.stop = Some(stop.clone());
        self.intake.handled = Some(handled_sender);
        self.intake.restart(&self.config);
        self.notifier.ready(&self.status(clock::now()));
        let timer = IdleTimer::new();

        loop {
            if *stop.borrow() {
                break;
            }
            let now = clock::now();
            let started = std::time::Instant::now();
            let outcome = self.pass(now, false, &stop).await;
            let healthy = match &outcome {
                Ok(_) => true,
                Err(error) => {
                    tracing::error!("{error:#}");
                    false
                }
            };
            let now = clock::now();
            self.keep_metrics(outcome.ok().as_ref(), now);
            self.notifier.status(&self.status(now));
            if healthy {
                self.notifier.watchdog();
            }
            let wake = self.next_wake(now);
            let sleep = (wake - now)
                .to_std()
                .unwrap_or(Duration::ZERO)
                .min(MAX_SLEEP);
            let sleep = self
                .notifier
                .watchdog_interval()
                .map_or(sleep, |interval| sleep.min(interval));
            tracing::debug!(
                "pass took {:.1?}; idle for {:.1?}, next wake {}",
                started.elapsed(),
                sleep,
                timefmt::local(&self.config, wake)
            );
            tokio::select! {
                () = timer.sleep(sleep) => {}
                _ = hangup.recv() => {
                    tracing::info!("SIGHUP: reloading");
                    self.reload(&change_sender, &mut watcher);
                }
                Some(()) = changes.recv() => {
                    // Let the rest of a burst of events arrive, then reload once.
                    tokio::time::sleep(SETTLE).await;
                    while changes.try_recv().is_ok() {}
                    tracing::info!("a configuration file changed: reloading");
                    self.reload(&change_sender, &mut watcher);
                }
                Some(count) = handled.recv() => {
                    // Answers change what is due (a done claim silences the department):
                    // the engine is rebuilt from the log, then the next pass runs at once.
                    tracing::debug!(count, "replies recorded: planning again from the log");
                    match self.ledger.log_view() {
                        Ok(log) => self.engine = Engine::new(self.config.clone(), &log),
                        Err(error) => tracing::error!("{error:#}"),
                    }
                }
                _ = stopped.changed() => break,
            }
        }
        tracing::info!("stopping");
        if let Some(task) = self.intake.task.take() {
            // It heard the stop too; any step it is in is bounded, but do not wait for it.
            if tokio::time::timeout(STOP_GRACE, &mut *Box::pin(task))
                .await
                .is_err()
            {
                tracing::debug!("intake did not stop within the grace period");
            }
        }
        // QUIT on idle connections, each bounded by mail.timeout: within the stop budget
        // only when that is short, so cap it. The board finishes its answers meanwhile.
        let board = async {
            if let Some(board) = board {
                board.stopped(BOARD_GRACE).await;
            }
        };
        let _ = tokio::join!(
            board,
            tokio::time::timeout(STOP_GRACE, self.transport.close())
        );
        Ok(())
    }

    fn next_wake(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        let retry = self.ledger.next_retry().ok().flatten();
        let bulletin = self
            .report_after
            .and_then(|after| report::next_moment(&self.config, after));
        [self.engine.next_wake(), retry, bulletin]
            .into_iter()
            .flatten()
            .min()
            .unwrap_or(now + chrono::Duration::from_std(MAX_SLEEP).unwrap_or_default())
    }

    fn status(&self, now: DateTime<Utc>) -> String {
        // Kept by the engine: an idle pass does not recount every commitment.
        let (open, overdue) = self.engine.counts(now);
        let next = self
            .engine
            .next_wake()
            .filter(|at| *at > DateTime::<Utc>::MIN_UTC)
            .map_or_else(|| "none".to_string(), |at| timefmt::local(&self.config, at));
        let line = format!("{open} open, {overdue} overdue; next reminder {next}");
        match &self.reload_error {
            Some(error) => format!("{line}; {error}"),
            None => line,
        }
    }

    fn reload(
        &mut self,
        change_sender: &mpsc::UnboundedSender<()>,
        watcher: &mut Option<notify::RecommendedWatcher>,
    ) {
        self.notifier.reloading();
        // The prose goes where the running daemon's log is, even if the new file names
        // another `state_dir` (that takes a restart).
        let mut keep = Keep::spill(Some(self.config.state_dir.clone()));
        let loaded = config::load_keeping(&self.config_path, &mut keep)
            .and_then(|loaded| config::refuse_vanished(&self.config, loaded));
        match loaded {
            Err(invalid) => {
                report_invalid(&invalid);
                tracing::error!(
                    "the new configuration is invalid; still running on the last good one"
                );
                self.reload_error = Some(refused_status(&invalid));
            }
            Ok(loaded) => match self.apply(Arc::new(loaded.config)) {
                Ok(()) => {
                    for warning in &loaded.warnings {
                        tracing::warn!("{warning}");
                    }
                    tracing::info!(commitments = self.config.commitments.len(), "reloaded");
                    self.reload_error = None;
                }
                Err(error) => {
                    tracing::error!("not reloaded: {error:#}");
                    self.reload_error = Some(format!(
                        "reload refused, running on the last good configuration: {error:#}"
                    ));
                }
            },
        }
        // Re-armed after every attempt: a folder that vanished is watched through its nearest
        // existing ancestor until it comes back, then directly again.
        *watcher = watch_files(&self.config, change_sender.clone());
        self.notifier.ready(&self.status(clock::now()));
    }

    fn apply(&mut self, config: Arc<Config>) -> Result<()> {
        if config.state_dir != self.config.state_dir {
            tracing::warn!(
                "state_dir changed to `{}`: the delivery log stays at `{}` until a restart",
                config.state_dir.display(),
                self.config.state_dir.display()
            );
        }
        let transport = Arc::new(Transport::from_config(&config)?);
        let templates = Arc::new(Templates::load(config.templates.as_deref())?);
        let mut open: Vec<&str> = config
            .commitments
            .iter()
            .filter(|commitment| commitment.status == Status::Open)
            .map(|commitment| commitment.id())
            .collect();
        // A queued bulletin stays queued while `[report]` is configured.
        if config.report.is_some() {
            open.push(report::LEDGER_ID);
        }
        let dropped = self.ledger.drop_pending_except(&open, clock::now())?;
        if dropped > 0 {
            tracing::info!(
                dropped,
                "dropped queued retries of commitments that are done"
            );
        }
        // The credentials were read again: emails held for refused ones may go at once.
        let released = self.ledger.release_held(clock::now())?;
        if released > 0 {
            tracing::info!(
                released,
                "credentials re-read: held emails are sent in this pass"
            );
            self.credentials_alerted = false;
        }
        let log = self.ledger.log_view()?;
        self.engine = Engine::new(config.clone(), &log);
        if config.web != self.config.web {
            tracing::warn!("[web] changed: the board keeps its address and logins until a restart");
        }
        self.published.send_replace(config.clone());
        self.report_after = report_after(&config, &log);
        self.config = config;
        self.transport = transport;
        self.templates = templates;
        self.intake.restart(&self.config);
        Ok(())
    }

    /// One pass: record what the engine says is due, then send every pending email whose
    /// attempt is due (all of them with `all_pending`), `stop` ending it early.
    async fn pass(
        &mut self,
        now: DateTime<Utc>,
        all_pending: bool,
        stop: &watch::Receiver<bool>,
    ) -> Result<Outcome> {
        if self.engine_ahead_of_log {
            // A record failed after the engine moved on: start again from what the log holds.
            let log = self.ledger.log_view()?;
            self.engine = Engine::new(self.config.clone(), &log);
            self.engine_ahead_of_log = false;
        }
        // Answers recorded meanwhile (`receive`, the IMAP intake) and the office's decisions
        // (`reject`, `done`): the engine learns which done claims wait now, before it decides.
        let claims: crate::model::FastMap<String, DateTime<Utc>> =
            crate::replies::store::waiting_done_claims(self.ledger.connection())?
                .into_iter()
                .collect();
        self.engine.set_reported(&claims);
        if let Ok(mut snapshot) = self.metrics.lock() {
            snapshot.awaiting_review = claims.keys().cloned().collect();
        }
        let tick = self.engine.tick(now);
        let mut first_seen: Vec<(String, DateTime<Utc>)> = tick
            .first_seen
            .iter()
            .map(|index| (self.config.commitments[*index].id().to_owned(), now))
            .collect();
        let mut emails: Vec<Email> = tick
            .reminders
            .iter()
            .map(|reminder| self.email(reminder))
            .collect();
        // The bulletin: `[report]` seen for the first time starts counting now (no catch-up
        // for the time before); after that, the latest moment since the last one is due.
        let report_before = self.report_after;
        if self.config.report.is_some() {
            match self.report_after {
                None => {
                    first_seen.push((report::LEDGER_ID.to_string(), now));
                    self.report_after = Some(now);
                }
                Some(after) => {
                    if let Some(moment) = report::due_moment(&self.config, after, now) {
                        emails.push(self.bulletin_email(moment));
                        self.report_after = Some(moment);
                    }
                }
            }
        }
        // Written before any SMTP transaction: nothing is sent that the log could not record.
        if let Err(error) = self.ledger.record(&first_seen, &emails, now) {
            self.engine_ahead_of_log = true;
            self.report_after = report_before;
            return Err(error);
        }
        let pending = self
            .ledger
            .pending(if all_pending { None } else { Some(now) })?;
        let outcome = self.deliver(pending, now, stop).await?;
        self.send_notices(now).await?;
        Ok(outcome)
    }

    /// Sends the receipts and reviewer notices recorded with answers by email
    /// (`replies::store`), one at a time, each marked as soon as the server answered: a
    /// notice is recorded before it is sent and never sent twice (a crash between the
    /// answer and the mark may repeat one, with the same Message-ID).
    async fn send_notices(&mut self, now: DateTime<Utc>) -> Result<()> {
        use crate::replies::store;
        let notices = store::pending_notices(self.ledger.connection(), now)?;
        for notice in notices {
            let (state, error, retry) = match mail::compose_notice(&self.config, &notice, now) {
                Err(error) => ("failed", Some(format!("composing failed: {error:#}")), None),
                Ok(message) => match self.transport.send(&message).await {
                    Ok(_) => ("sent", None, None),
                    Err(Failure::Permanent(error)) => ("failed", Some(error), None),
                    Err(failure) => (
                        "pending",
                        Some(failure.message().to_string()),
                        Some(clock::now() + backoff(notice.attempts + 1)),
                    ),
                },
            };
            tracing::info!(
                notice = %notice.message_id,
                kind = %notice.kind,
                state,
                error = error.as_deref().unwrap_or(""),
                "answer notice"
            );
            store::mark_notice(
                self.ledger.connection(),
                notice.id,
                state,
                error.as_deref(),
                retry,
                clock::now(),
            )?;
            if retry.is_some() {
                // The server is not taking mail now; the rest wait for the next pass.
                break;
            }
        }
        Ok(())
    }

    fn email(&self, reminder: &Reminder) -> Email {
        let department = &self.config.department(reminder.department).key;
        Email {
            message_id: mail::message_id(&self.config, reminder),
            department: department.clone(),
            moment: reminder.moment,
            commitments: reminder
                .commitment_ids(&self.config)
                .into_iter()
                .map(str::to_string)
                .collect(),
            why: reminder
                .items
                .iter()
                .map(|item| serde_json::to_string(&item.why).expect("a reason always serializes"))
                .collect(),
            to: reminder.to.clone(),
            cc: reminder.cc.clone(),
        }
    }

    /// The bulletin's row for `moment`, to `report.to` (else `mail.admin`).
    fn bulletin_email(&self, moment: DateTime<Utc>) -> Email {
        Email {
            message_id: report::message_id(&self.config, moment),
            department: report::LEDGER_ID.to_string(),
            moment,
            commitments: vec![report::LEDGER_ID.to_string()],
            why: vec!["\"bulletin\"".to_string()],
            to: report::recipients(&self.config),
            cc: Vec::new(),
        }
    }

    /// The task that composes and sends a recorded bulletin: the period runs from the last
    /// bulletin the server accepted (else one period back) to its moment; the 台账 is
    /// built in the task, off the loop's thread.
    fn bulletin_task(
        &mut self,
        item: &Pending,
        now: DateTime<Utc>,
    ) -> Result<impl std::future::Future<Output = Attempt> + Send + 'static> {
        let moment = item.email.moment;
        let inputs = export::read_inputs(&mut self.ledger)?;
        let since = inputs
            .reminders
            .get(report::LEDGER_ID)
            .map(|stats| stats.last)
            .filter(|last| *last < moment)
            .unwrap_or_else(|| report::default_since(&self.config, moment));
        let previous = self.ledger.previous_message_id(report::LEDGER_ID, moment)?;
        let (config, templates, transport) = (
            self.config.clone(),
            self.templates.clone(),
            self.transport.clone(),
        );
        let message_id = item.email.message_id.clone();
        Ok(async move {
            // The 台账 and the counts as they stand when it is sent (a late retry reports
            // the current state), the period as scheduled.
            let composed = export::xlsx(&config, &inputs, now).and_then(|xlsx| {
                let bulletin = report::bulletin(&config, &inputs, since, now.max(moment))?;
                report::compose(
                    &config,
                    &templates,
                    &bulletin,
                    xlsx,
                    &message_id,
                    previous.as_deref(),
                    now,
                )
            });
            match composed {
                Ok(composed) => Attempt::Sent(transport.send(&composed.message).await),
                Err(error) => {
                    Attempt::NotComposed(format!("composing the bulletin failed: {error:#}"))
                }
            }
        })
    }

    /// Updates what `/metrics` shows after a pass (`outcome` is `None` when it failed).
    fn keep_metrics(&self, outcome: Option<&Outcome>, now: DateTime<Utc>) {
        let waiting = self.ledger.waiting_emails().ok();
        let next_wake = self.next_wake(now);
        let Ok(mut snapshot) = self.metrics.lock() else {
            return;
        };
        snapshot.config = Some(self.config.clone());
        if let Some(outcome) = outcome {
            snapshot.sent += outcome.sent as u64;
            snapshot.failed += outcome.failed as u64;
            snapshot.last_success = Some(now);
        }
        if let Some(waiting) = waiting {
            snapshot.waiting_retry = waiting;
        }
        snapshot.next_wake = Some(next_wake);
    }

    /// Rebuilds a recorded email's reminder from the current configuration; `None` when none
    /// of its commitments is still open.
    fn reminder(&self, pending: &Pending) -> Option<Reminder> {
        let department = self.config.find_department(&pending.email.department)?;
        let items: Vec<Due> = pending
            .email
            .commitments
            .iter()
            .zip(&pending.email.why)
            .filter_map(|(id, why)| {
                let index = self.config.find_commitment(id)?;
                (self.config.commitments[index].status == Status::Open).then(|| Due {
                    commitment: index,
                    moment: pending.email.moment,
                    why: Arc::new(serde_json::from_str::<Why>(why).unwrap_or(Why::FirstNotice)),
                })
            })
            .collect();
        (!items.is_empty())
            .then(|| engine::assemble(&self.config, department, pending.email.moment, items))
    }

    /// Sends `pending` with at most `limit` at once, recording results as they come (every
    /// result ready at that moment in one transaction). Never waits unboundedly: every send
    /// is bounded by `mail.timeout` per step, the watchdog is pinged while sends run, and a
    /// stop abandons what is still in flight after `STOP_GRACE`. When the server is
    /// unreachable, stops answering or refuses the credentials, nothing more is started in
    /// this pass: the rest waits for the same retry time.
    async fn deliver(
        &mut self,
        pending: Vec<Pending>,
        now: DateTime<Utc>,
        stop: &watch::Receiver<bool>,
    ) -> Result<Outcome> {
        let limit = match self.config.mail.transport {
            Kind::Smtp => 4,
            Kind::File | Kind::Stdout => 1,
        };
        // The departments' latest answers, shown in the reminders (read once per pass).
        let feedback = Arc::new(if pending.is_empty() {
            mail::Feedback::default()
        } else {
            crate::replies::view::feedback(&self.config, self.ledger.connection())?
        });
        let mut queue = pending.into_iter();
        let mut tasks = tokio::task::JoinSet::new();
        let mut in_flight: HashMap<tokio::task::Id, Pending> = HashMap::new();
        let mut outcome = Outcome::default();
        let mut failures = Vec::new();
        let mut marks = Vec::new();
        // Set by a failure that would repeat for every email: (why, retry at).
        let mut halted: Option<(String, DateTime<Utc>)> = None;
        let mut refused_credentials: Option<String> = None;
        let mut stop = stop.clone();
        let mut grace: Option<tokio::time::Instant> = None;
        // A zero period would panic; systemd never asks for pings that often anyway.
        let mut ping = tokio::time::interval(
            self.notifier
                .watchdog_interval()
                .unwrap_or(PING_WITHOUT_WATCHDOG)
                .max(Duration::from_millis(10)),
        );
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            if grace.is_none() && *stop.borrow() {
                grace = Some(tokio::time::Instant::now() + STOP_GRACE);
            }
            while grace.is_none() && halted.is_none() && tasks.len() < limit {
                let Some(item) = queue.next() else { break };
                if item.email.department == report::LEDGER_ID {
                    let handle = tasks.spawn(self.bulletin_task(&item, now)?);
                    in_flight.insert(handle.id(), item);
                    continue;
                }
                let Some(reminder) = self.reminder(&item) else {
                    marks.push(Mark::Dropped {
                        message_id: item.email.message_id.clone(),
                        reason: "its commitments are done or no longer configured".into(),
                    });
                    continue;
                };
                let previous = self
                    .ledger
                    .previous_message_id(&item.email.department, item.email.moment)?;
                let (config, templates, transport) = (
                    self.config.clone(),
                    self.templates.clone(),
                    self.transport.clone(),
                );
                let feedback = feedback.clone();
                let handle = tasks.spawn(async move {
                    match mail::compose_with(
                        &config,
                        &templates,
                        &reminder,
                        previous.as_deref(),
                        now,
                        &feedback,
                    ) {
                        Ok(composed) => Attempt::Sent(transport.send(&composed.message).await),
                        Err(error) => {
                            Attempt::NotComposed(format!("composing the email failed: {error:#}"))
                        }
                    }
                });
                in_flight.insert(handle.id(), item);
            }
            self.writer.mark(&marks, clock::now())?;
            marks.clear();
            if tasks.is_empty() {
                break;
            }
            let far = tokio::time::Instant::now() + Duration::from_secs(86_400);
            tokio::select! {
                Some(joined) = tasks.join_next_with_id() => {
                    let mut ready = vec![joined];
                    while let Some(more) = tasks.try_join_next_with_id() {
                        ready.push(more);
                    }
                    let now = clock::now();
                    for joined in ready {
                        let (id, attempt) = joined.context("a send task failed")?;
                        let item = in_flight.remove(&id).context("a send task nobody started")?;
                        self.judge(&item, attempt, now, &mut marks, &mut outcome, &mut failures, &mut halted, &mut refused_credentials);
                    }
                    // Group commit: every result that arrived meanwhile, one transaction,
                    // before their slots are used again (so a crash repeats at most
                    // `limit` accepted emails).
                    self.writer.mark(&marks, now)?;
                    marks.clear();
                }
                _ = ping.tick() => self.notifier.watchdog(),
                Ok(()) = stop.changed(), if grace.is_none() => {
                    tracing::info!("stop requested: no new sends; waiting for the ones in flight");
                }
                () = tokio::time::sleep_until(grace.unwrap_or(far)), if grace.is_some() => {
                    tasks.abort_all();
                    let now = clock::now();
                    tracing::warn!(
                        in_flight = in_flight.len(),
                        "stopping with sends still in flight; they stay pending (outcome unknown) and are retried after the backoff"
                    );
                    for (_, item) in in_flight.drain() {
                        outcome.deferred += 1;
                        marks.push(Mark::Retry {
                            message_id: item.email.message_id.clone(),
                            error: "interrupted by a stop before the server answered; the outcome is unknown".into(),
                            at: now + backoff(item.attempts + 1),
                        });
                    }
                    self.writer.mark(&marks, now)?;
                    break;
                }
            }
        }
        let untried: Vec<Pending> = queue.collect();
        if let Some((why, at)) = &halted {
            for item in &untried {
                marks.push(Mark::Defer {
                    message_id: item.email.message_id.clone(),
                    reason: format!("not attempted: {why}"),
                    at: *at,
                });
            }
            self.writer.mark(&marks, clock::now())?;
            if !untried.is_empty() {
                tracing::warn!(
                    not_attempted = untried.len(),
                    "the rest waits until {}",
                    timefmt::local(&self.config, *at)
                );
            }
        }
        outcome.deferred += untried.len();
        // On disk before the pass ends.
        self.writer.sync()?;
        if let Some(error) = refused_credentials {
            self.alert_credentials(&error, outcome.undelivered(), now)
                .await;
        }
        if !failures.is_empty() {
            self.report(&failures, now).await;
        }
        Ok(outcome)
    }

    /// Turns one send's result into a mark, a log line and, for a permanent failure or
    /// refused recipients, an entry for the admin's report.
    #[allow(clippy::too_many_arguments)]
    fn judge(
        &mut self,
        item: &Pending,
        attempt: Attempt,
        now: DateTime<Utc>,
        marks: &mut Vec<Mark>,
        outcome: &mut Outcome,
        failures: &mut Vec<mail::Failure>,
        halted: &mut Option<(String, DateTime<Utc>)>,
        refused_credentials: &mut Option<String>,
    ) {
        let email = &item.email;
        let message_id = email.message_id.clone();
        let ids = email.commitments.join(", ");
        let attempt_number = item.attempts + 1;
        let retry_at = now + backoff(attempt_number);
        let result = match attempt {
            Attempt::Sent(result) => result,
            Attempt::NotComposed(error) => {
                tracing::error!(message_id = %email.message_id, "{error}");
                outcome.failed += 1;
                marks.push(Mark::Failed { message_id, error });
                return;
            }
        };
        let failure = match result {
            Ok(sent) => {
                outcome.sent += 1;
                self.credentials_alerted = false;
                tracing::info!(
                    department = %email.department,
                    commitments = %ids,
                    message_id = %email.message_id,
                    "sent: {}",
                    sent.answer
                );
                if !sent.refused.is_empty() {
                    let refused = sent.refused.join(", ");
                    tracing::error!(
                        department = %email.department,
                        commitments = %ids,
                        message_id = %email.message_id,
                        "delivered to the other recipients; refused: {refused}"
                    );
                    failures.push(mail::Failure {
                        department: email.department.clone(),
                        commitments: email.commitments.clone(),
                        message_id: email.message_id.clone(),
                        error: format!("delivered to the other recipients; refused: {refused}"),
                    });
                }
                marks.push(Mark::Sent { message_id });
                return;
            }
            Err(failure) => failure,
        };
        outcome.failed += 1;
        let when = timefmt::local(&self.config, retry_at);
        // Every failure but a permanent one is retried after the backoff; an unreachable
        // server, an unknown outcome and refused credentials also halt the pass.
        let halts = !matches!(failure, Failure::Transient(_));
        let (error, held) = match failure {
            Failure::Permanent(error) => {
                tracing::error!(
                    department = %email.department,
                    commitments = %ids,
                    message_id = %email.message_id,
                    "refused for good: {error}"
                );
                failures.push(mail::Failure {
                    department: email.department.clone(),
                    commitments: email.commitments.clone(),
                    message_id: email.message_id.clone(),
                    error: error.clone(),
                });
                marks.push(Mark::Failed { message_id, error });
                return;
            }
            Failure::Transient(error) | Failure::Unreachable(error) => {
                tracing::warn!(
                    department = %email.department,
                    commitments = %ids,
                    message_id = %email.message_id,
                    attempt = attempt_number,
                    "not delivered, retrying at {when}: {error}"
                );
                (error, false)
            }
            Failure::OutcomeUnknown(error) => {
                tracing::warn!(
                    department = %email.department,
                    commitments = %ids,
                    message_id = %email.message_id,
                    attempt = attempt_number,
                    "outcome unknown, not resent before the backoff (same Message-ID), retrying at {when}: {error}"
                );
                (error, false)
            }
            Failure::Authentication(error) => {
                tracing::error!(
                    department = %email.department,
                    commitments = %ids,
                    message_id = %email.message_id,
                    "held until the credentials work (fix the password, then reload): {error}"
                );
                refused_credentials.get_or_insert(error.clone());
                (error, true)
            }
        };
        if halts {
            halted.get_or_insert((error.clone(), retry_at));
        }
        let error = if held {
            format!("{HELD_PREFIX}{error}")
        } else {
            error
        };
        marks.push(Mark::Retry {
            message_id,
            error,
            at: retry_at,
        });
    }

    /// Once per episode of refused credentials: tell `mail.admin` if the server lets the
    /// alert through, and log loudly either way.
    async fn alert_credentials(&mut self, error: &str, held: usize, now: DateTime<Utc>) {
        if self.credentials_alerted {
            return;
        }
        self.credentials_alerted = true;
        tracing::error!(
            held,
            "the SMTP server refused the credentials ({error}); reminders are held, not lost: correct the password and reload (under systemd the credential is copied at start: restart the service)"
        );
        match mail::compose_credentials_alert(&self.config, error, held, now) {
            Ok(Some(message)) => match self.notifier.pinging(self.transport.send(&message)).await {
                Ok(sent) => tracing::info!("alerted the admin: {}", sent.answer),
                Err(failure) => tracing::error!(
                    "could not alert the admin through the same server: {}",
                    failure.message()
                ),
            },
            Ok(None) => tracing::error!("no `mail.admin` to alert"),
            Err(error) => tracing::error!("composing the credentials alert failed: {error:#}"),
        }
    }

    /// Tells `mail.admin` about permanent failures, in one email.
    async fn report(&mut self, failures: &[mail::Failure], now: DateTime<Utc>) {
        match mail::compose_failure_report(&self.config, failures, now) {
            Ok(Some(message)) => match self.notifier.pinging(self.transport.send(&message)).await {
                Ok(sent) => tracing::info!(
                    failures = failures.len(),
                    "reported to the admin: {}",
                    sent.answer
                ),
                Err(error) => tracing::error!(
                    "reporting failures to the admin failed: {}",
                    error.message()
                ),
            },
            Ok(None) => {}
            Err(error) => tracing::error!("composing the failure report failed: {error:#}"),
        }
    }
}

/// The idle sleep, on a kernel timer (timerfd on `CLOCK_BOOTTIME`) where there is one.
/// tokio files a 60 s sleep on a coarse level of its timer wheel and wakes the thread two or
/// three times before it ends to move it to finer levels; a timerfd wakes the thread once,
/// when it expires. `CLOCK_BOOTTIME` also runs while the machine is suspended, so a sleep
/// that spans a suspend ends at resume.
struct IdleTimer {
    fd: Option<tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>>,
}

impl IdleTimer {
    fn new() -> IdleTimer {
        use rustix::time::{TimerfdClockId, TimerfdFlags, timerfd_create};
        let fd = timerfd_create(
            TimerfdClockId::Boottime,
            TimerfdFlags::NONBLOCK | TimerfdFlags::CLOEXEC,
        )
        .map_err(std::io::Error::from)
        // `AsyncFd::new` is deprecated because a borrowed descriptor could be closed while
        // registered; this one is an `OwnedFd` moved in, closed only when the AsyncFd drops.
        // Its replacement, `register`, is `unsafe`, which this crate forbids.
        .and_then(
            #[allow(deprecated)]
            tokio::io::unix::AsyncFd::new,
        );
        match fd {
            Ok(fd) => IdleTimer { fd: Some(fd) },
            Err(error) => {
                tracing::debug!("no timerfd ({error}); sleeping on tokio's timer");
                IdleTimer { fd: None }
            }
        }
    }

    async fn sleep(&self, duration: Duration) {
        let Some(fd) = &self.fd else {
            return tokio::time::sleep(duration).await;
        };
        if let Err(error) = Self::arm(fd, duration) {
            tracing::debug!("arming the timerfd failed ({error}); sleeping on tokio's timer");
            return tokio::time::sleep(duration).await;
        }
        loop {
            let Ok(mut ready) = fd.readable().await else {
                return tokio::time::sleep(duration).await;
            };
            let mut expirations = [0u8; 8];
            match ready.try_io(|fd| {
                rustix::io::read(fd.get_ref(), &mut expirations).map_err(std::io::Error::from)
            }) {
                Ok(_) => return,
                Err(_would_block) => continue,
            }
        }
    }

    /// Sets the timer to fire once after `duration`, dropping an expiry left unread by a
    /// sleep that was interrupted (a signal or a file change ended it first).
    fn arm(
        fd: &tokio::io::unix::AsyncFd<std::os::fd::OwnedFd>,
        duration: Duration,
    ) -> std::io::Result<()> {
        use rustix::time::{Itimerspec, TimerfdTimerFlags, Timespec, timerfd_settime};
        let mut stale = [0u8; 8];
        let _ = rustix::io::read(fd.get_ref(), &mut stale);
        // A zero value would disarm the timer: the shortest sleep is a nanosecond.
        let duration = duration.max(Duration::from_nanos(1));
        let value = Itimerspec {
            it_interval: Timespec {
                tv_sec: 0,
                tv_nsec: 0,
            },
            it_value: Timespec {
                tv_sec: i64::try_from(duration.as_secs()).unwrap_or(i64::MAX),
                tv_nsec: i64::from(duration.subsec_nanos()),
            },
        };
        timerfd_settime(fd.get_ref(), TimerfdTimerFlags::empty(), &value)?;
        Ok(())
    }
}

/// The signals the daemon handles, registered at start-up.
struct Signals {
    hangup: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
    interrupt: tokio::signal::unix::Signal,
}

impl Signals {
    fn listen() -> Result<Signals> {
        use tokio::signal::unix::{SignalKind, signal};
        Ok(Signals {
            hangup: signal(SignalKind::hangup()).context("listening for SIGHUP")?,
            terminate: signal(SignalKind::terminate()).context("listening for SIGTERM")?,
            interrupt: signal(SignalKind::interrupt()).context("listening for SIGINT")?,
        })
    }
}

/// Watches the folders holding the configuration and commitments files; editors replace
/// files, so the folders are watched, not the files. Each pattern's fixed folder is watched
/// too; one that does not exist (deleted, moved away, not yet created) is watched through its
/// nearest existing ancestor, so its return is an event. Events on `.toml` files and on those
/// folders (or the folders leading to them) reload; each reload re-arms the watcher. `None` if
/// watching is unavailable (SIGHUP still reloads).
fn watch_files(
    config: &Config,
    sender: mpsc::UnboundedSender<()>,
) -> Option<notify::RecommendedWatcher> {
    use notify::Watcher as _;
    let wanted: Vec<PathBuf> = config
        .files
        .iter()
        .map(|file| folder_of(file))
        .chain(config.patterns.iter().map(|(folder, _)| {
            if folder.as_os_str().is_empty() {
                PathBuf::from(".")
            } else {
                folder.clone()
            }
        }))
        .map(|folder| std::path::absolute(&folder).unwrap_or(folder))
        .collect();
    // Each wanted folder and every ancestor up to the one that exists: an event on any of them
    // (created, deleted, renamed, re-pointed symlink) may change what the patterns match.
    let mut interesting: Vec<PathBuf> = Vec::new();
    let mut folders: Vec<PathBuf> = Vec::new();
    for folder in wanted {
        let mut current = folder.as_path();
        loop {
            if current.is_dir() {
                folders.push(current.to_path_buf());
                break;
            }
            interesting.push(current.to_path_buf());
            match current.parent() {
                Some(parent) => current = parent,
                None => break,
            }
        }
        interesting.push(folder.clone());
    }
    folders.sort();
    folders.dedup();
    interesting.sort();
    interesting.dedup();
    let handler = move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            let relevant = !event.kind.is_access()
                && event.paths.iter().any(|path| {
                    path.extension()
                        .is_some_and(|extension| extension == "toml")
                        || interesting.binary_search(path).is_ok()
                });
            if relevant {
                let _ = sender.send(());
            }
        }
    };
    let mut watcher = match notify::recommended_watcher(handler) {
        Ok(watcher) => watcher,
        Err(error) => {
            tracing::warn!("cannot watch configuration files ({error}); reload with SIGHUP");
            return None;
        }
    };
    for folder in &folders {
        if let Err(error) = watcher.watch(folder, notify::RecursiveMode::NonRecursive) {
            tracing::warn!(
                "cannot watch `{}` ({error}); reload with SIGHUP",
                folder.display()
            );
        }
    }
    Some(watcher)
}

fn folder_of(file: &Path) -> PathBuf {
    match file.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// sd_notify messages to systemd (a no-op without `NOTIFY_SOCKET`), from the main process.
struct Notifier {
    watchdog: Option<Duration>,
}

impl Notifier {
    fn from_environment() -> Notifier {
        let mut usec = 0;
        let watchdog =
            sd_notify::watchdog_enabled(false, &mut usec).then(|| Duration::from_micros(usec / 2));
        Notifier { watchdog }
    }

    /// Awaits `future` (bounded by the SMTP timeouts) while pinging the watchdog.
    async fn pinging<F: std::future::Future>(&self, future: F) -> F::Output {
        let Some(interval) = self.watchdog_interval() else {
            return future.await;
        };
        let mut ping = tokio::time::interval(interval.max(Duration::from_millis(10)));
        ping.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        tokio::pin!(future);
        loop {
            tokio::select! {
                output = &mut future => return output,
                _ = ping.tick() => self.watchdog(),
            }
        }
    }

    fn send(&self, states: &[sd_notify::NotifyState]) {
        if let Err(error) = sd_notify::notify(false, states) {
            tracing::debug!("sd_notify failed: {error}");
        }
    }

    fn ready(&self, status: &str) {
        self.send(&[
            sd_notify::NotifyState::Ready,
            sd_notify::NotifyState::Status(status),
        ]);
    }

    fn status(&self, status: &str) {
        self.send(&[sd_notify::NotifyState::Status(status)]);
    }

    fn watchdog(&self) {
        if self.watchdog.is_some() {
            self.send(&[sd_notify::NotifyState::Watchdog]);
        }
    }

    /// Half the watchdog interval, when systemd asked for pings.
    fn watchdog_interval(&self) -> Option<Duration> {
        self.watchdog
    }

    fn reloading(&self) {
        match sd_notify::NotifyState::monotonic_usec_now() {
            Ok(monotonic) => self.send(&[sd_notify::NotifyState::Reloading, monotonic]),
            Err(_) => self.send(&[sd_notify::NotifyState::Reloading]),
        }
    }

    /// STOPPING=1, from the signal listener (the same process, as `NotifyAccess=main` wants).
    fn stopping_now() {
        if let Err(error) = sd_notify::notify(false, &[sd_notify::NotifyState::Stopping]) {
            tracing::debug!("sd_notify failed: {error}");
        }
    }
}
